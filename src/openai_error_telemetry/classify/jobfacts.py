"""Reading one sight of a job (a model, a dict, a stream event, a webhook) by its row.

``jobs.py`` says what each surface's statuses mean and where its error lives; this
module reads an object against that row: which job, how it stands, and why it ended.
Standard library only, like the rest of the classifier; never raises.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from .envelope import EMPTY, ErrorFields, fields_from_object
from .jobs import (
    FAILURES,
    Outcome,
    Surface,
    dotted,
    field,
    outcome_of,
    surface_by_event,
    surface_by_webhook,
    surface_named,
    surface_of,
)

__all__ = ["JobFacts", "WebhookFacts", "job_facts", "job_in_event", "job_of_event",
           "webhook_facts"]

MAX_ID = 128
MAX_MESSAGE = 512


def _text(value: object, limit: int = MAX_ID) -> Optional[str]:
    return value[:limit] if isinstance(value, str) and value else None


class JobFacts(NamedTuple):
    """What one observation of a job says: which job, how it stands, and why it ended."""

    surface: Surface
    job_id: Optional[str]
    status: str
    outcome: Outcome
    fields: ErrorFields  # the error's code/type/message, EMPTY when it has none
    request_id: Optional[str]

    @property
    def terminal(self) -> bool:
        return self.outcome is not Outcome.PENDING

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES

    @property
    def without_result(self) -> bool:
        """Ended, but not in success: failed, expired, incomplete or cancelled."""
        return self.outcome is not Outcome.PENDING and self.outcome is not Outcome.SUCCEEDED


def _count(value: object) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _all_requests_failed(batch: object) -> bool:
    """A ``completed`` Batch whose every request failed (its output is only errors)."""
    counts = field(batch, "request_counts")
    total, failed = _count(field(counts, "total")), _count(field(counts, "failed"))
    return total is not None and failed is not None and 0 < total == failed


def _fields_of(error: object) -> ErrorFields:
    if isinstance(error, str):  # a session's error, a file's status_details: a sentence
        return ErrorFields(message=error[:MAX_MESSAGE])
    return fields_from_object(error)


def _error_fields(surface: Surface, obj: object, status: str, outcome: Outcome) -> ErrorFields:
    worded: Optional[ErrorFields] = None  # an error with a message and no code
    for name in surface.error_fields:
        error = dotted(obj, name)
        if name == "errors":  # a Batch: {"object": "list", "data": [{code, message, line}]}
            data = field(error, "data")
            error = data[0] if isinstance(data, (list, tuple)) and data else None
        if error:
            fields = _fields_of(error)
            if fields.code is not None or fields.type is not None:
                return fields
            if worded is None and fields.message is not None:
                worded = fields
    token = surface.status_tokens.get(status)
    if token is not None:
        return ErrorFields(code=token, message=worded.message if worded else None)
    if outcome is Outcome.INCOMPLETE:
        return ErrorFields(code=_text(dotted(obj, surface.reason_field)))
    if outcome is Outcome.CANCELLED:
        return ErrorFields(code="cancelled")
    if outcome is Outcome.EXPIRED:
        return ErrorFields(code="job_expired")
    if worded is not None:
        return worded  # the words may still say what failed
    if outcome is Outcome.FAILED and surface.name == "batch" and _all_requests_failed(obj):
        return ErrorFields(code="all_requests_failed")
    return EMPTY


def job_facts(obj: object) -> Optional[JobFacts]:
    """Facts of any job (model or dict); None when ``obj`` is not a job of a known surface
    or has a status its surface does not have. Never raises."""
    try:
        surface = surface_of(obj)
        if surface is None:
            if field(obj, "object") is not None or not isinstance(field(obj, "status"), str):
                return None
            surface = surface_named("response")  # a bare {"status", "error"}: a Response
            assert surface is not None
        status = field(obj, "status")
        status = status.lower() if isinstance(status, str) else None
        outcome = outcome_of(surface, status)
        if outcome is None or status is None:
            return None
        if (outcome is Outcome.SUCCEEDED and surface.name == "batch"
                and _all_requests_failed(obj)):
            outcome = Outcome.FAILED  # "completed", but nothing in it succeeded
        ended = outcome is not Outcome.SUCCEEDED and outcome is not Outcome.PENDING
        fields = _error_fields(surface, obj, status, outcome) if ended else EMPTY
        return JobFacts(surface, _text(field(obj, "id")), status, outcome, fields,
                        _text(field(obj, "_request_id")))
    except Exception:
        return None


def job_in_event(event: object) -> object:
    """The job a stream event carries (``response.failed``'s response,
    ``agent.session.turn.failed``'s turn, Realtime ``response.done``'s response), or
    None for an event that carries none."""
    kind = field(event, "type")
    surface = surface_by_event(kind) if isinstance(kind, str) else None
    if surface is None:
        return None
    job = field(event, surface.events[kind])
    if job is None or field(job, "object") is not None:
        return job
    # an environment's state inside session events names no object
    return {"object": surface.objects[0], "id": field(job, "id"), "status": field(job, "status"),
            **{name: field(job, name) for name in surface.error_fields}}


def job_of_event(event: object) -> Optional[JobFacts]:
    """The facts of the job a stream event carries, None when it carries none."""
    job = job_in_event(event)
    return job_facts(job) if job is not None else None


class WebhookFacts(NamedTuple):
    """What a webhook event says: the job it is about and the status it announces.

    Its payload carries only the job's id (``data.id``), never the error: the code of a
    failure is known only by fetching the job (``fetch_and_classify``)."""

    surface: Surface
    event_type: str
    event_id: Optional[str]
    job_id: Optional[str]
    status: str
    outcome: Outcome


def webhook_facts(event: object) -> Optional[WebhookFacts]:
    """Facts of a webhook event (``client.webhooks.unwrap()``'s model, or its JSON as a
    dict); None for an event about no job surface. Never raises."""
    try:
        kind = field(event, "type")
        surface = surface_by_webhook(kind) if isinstance(kind, str) else None
        if surface is None:
            return None
        assert isinstance(kind, str)
        status = surface.webhooks[kind]
        outcome = outcome_of(surface, status) or Outcome.SUCCEEDED
        return WebhookFacts(surface, kind, _text(field(event, "id")),
                            _text(field(field(event, "data"), "id")), status, outcome)
    except Exception:
        return None

