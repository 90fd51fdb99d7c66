"""Every asynchronous job the OpenAI API has, one row each.

A job is created by one call and finishes later; the call that sees it finish (a
``retrieve``, a poll helper, a ``list``, a stream, a webhook) gets HTTP 200 and no
exception, however the job ended. Each row says how to read one kind of job::

    surface              object                     where its error lives
    ───────────────────  ─────────────────────────  ─────────────────────────────────
    response             response                   error, incomplete_details.reason
    batch                batch                      errors.data[0], request_counts
    fine_tuning.job      fine_tuning.job            error
    vector_store.file    vector_store.file          last_error
    vector_store.files_batch  vector_store.files_batch  file_counts (no error object)
    thread.run           thread.run                 last_error, incomplete_details.reason
    video                video                      error
    eval.run             eval.run                   error

A terminal status maps to an ``Outcome``: ``succeeded``, or one of the four ways a job
ends without its result (``failed``, ``expired``, ``incomplete``, ``cancelled``). The
classifier, the instrumentation's once-per-job bookkeeping, the raised exceptions, the
fault server's job routes and the docs all read this table: a new surface is a new row
(and its tests). Standard library only, like the rest of the classifier.

Containers are not a row: their ``expired`` is the normal end of an idle container, and
they carry no error, so there is no failure to read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, NamedTuple, Optional

from .envelope import EMPTY, ErrorFields, fields_from_object

__all__ = [
    "FAILURES",
    "JOB_OBJECTS",
    "SURFACES",
    "JobFacts",
    "Outcome",
    "Surface",
    "WebhookFacts",
    "job_facts",
    "surface_of",
    "webhook_facts",
]


class Outcome(str, enum.Enum):
    """How a job stands: still running, done, or ended without its result."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    INCOMPLETE = "incomplete"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


# Ends that are failures of the job: counted, logged and (opt-in) raised. ``cancelled``
# is terminal but not a failure: someone asked for it (as in openai-python PR #3723).
FAILURES = frozenset({Outcome.FAILED, Outcome.EXPIRED, Outcome.INCOMPLETE})


class Surface(NamedTuple):
    """One kind of asynchronous job: its statuses, its error, its API, its webhooks."""

    name: str  # the ``openai.job.type`` value
    objects: tuple[str, ...]  # the ``object`` field of its SDK model / JSON
    resource: str  # where the SDK has it
    methods: tuple[str, ...]  # the SDK methods that return it
    api_path: str  # its collection, ``{parent}`` for a parent id
    pending: frozenset[str]
    succeeded: frozenset[str]
    ended: Mapping[str, Outcome]  # terminal statuses other than success
    error_fields: tuple[str, ...]  # where its error object lives, first found wins
    webhooks: Mapping[str, str]  # webhook event type -> the status it announces
    sdk: str  # the openai majors that have it


def _ended(**statuses: Outcome) -> Mapping[str, Outcome]:
    return dict(statuses)


_F, _E, _I, _C = Outcome.FAILED, Outcome.EXPIRED, Outcome.INCOMPLETE, Outcome.CANCELLED

SURFACES: tuple[Surface, ...] = (
    Surface(
        "response", ("response",), "client.responses",
        ("create(background=True)", "create(stream=True)", "retrieve", "retrieve(stream=True)",
         "cancel"),
        "responses", frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        _ended(failed=_F, incomplete=_I, cancelled=_C), ("error",),
        {"response.failed": "failed", "response.incomplete": "incomplete",
         "response.cancelled": "cancelled", "response.completed": "completed"},
        "1.x 2.x 3.x",
    ),
    Surface(
        "batch", ("batch",), "client.batches", ("create", "retrieve", "list", "cancel"),
        "batches", frozenset({"validating", "in_progress", "finalizing", "cancelling"}),
        frozenset({"completed"}),
        _ended(failed=_F, expired=_E, cancelled=_C), ("errors",),
        {"batch.failed": "failed", "batch.expired": "expired",
         "batch.cancelled": "cancelled", "batch.completed": "completed"},
        "1.x 2.x 3.x",
    ),
    Surface(
        "fine_tuning.job", ("fine_tuning.job",), "client.fine_tuning.jobs",
        ("create", "retrieve", "list", "cancel", "pause", "resume"), "fine_tuning/jobs",
        frozenset({"validating_files", "queued", "running", "paused"}),
        frozenset({"succeeded"}), _ended(failed=_F, cancelled=_C), ("error",),
        {"fine_tuning.job.failed": "failed", "fine_tuning.job.cancelled": "cancelled",
         "fine_tuning.job.succeeded": "succeeded"},
        "1.x 2.x 3.x",
    ),
    Surface(
        "vector_store.file", ("vector_store.file",), "client.vector_stores.files",
        ("create", "retrieve", "list", "create_and_poll", "upload_and_poll", "poll"),
        "vector_stores/{parent}/files", frozenset({"in_progress"}), frozenset({"completed"}),
        _ended(failed=_F, cancelled=_C), ("last_error",), {}, "1.x 2.x 3.x",
    ),
    Surface(
        "vector_store.files_batch", ("vector_store.files_batch",),
        "client.vector_stores.file_batches",
        ("create", "retrieve", "cancel", "create_and_poll", "upload_and_poll", "poll"),
        "vector_stores/{parent}/file_batches", frozenset({"in_progress"}),
        frozenset({"completed"}), _ended(failed=_F, cancelled=_C), (), {}, "1.x 2.x 3.x",
    ),
    Surface(
        "thread.run", ("thread.run",), "client.beta.threads.runs",
        ("create", "retrieve", "list", "cancel", "create_and_poll", "poll",
         "submit_tool_outputs_and_poll", "stream"),
        "threads/{parent}/runs",
        frozenset({"queued", "in_progress", "requires_action", "cancelling"}),
        frozenset({"completed"}),
        _ended(failed=_F, expired=_E, incomplete=_I, cancelled=_C), ("last_error",), {},
        "1.x 2.x 3.x",
    ),
    Surface(
        "video", ("video",), "client.videos",
        ("create", "retrieve", "list", "create_and_poll", "poll", "remix"), "videos",
        frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        _ended(failed=_F), ("error",), {}, "2.x 3.x",
    ),
    Surface(
        "eval.run", ("eval.run",), "client.evals.runs", ("create", "retrieve", "list", "cancel"),
        "evals/{parent}/runs", frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        # the Evals API spells it with one l
        _ended(failed=_F, canceled=_C, cancelled=_C), ("error",),
        {"eval.run.failed": "failed", "eval.run.canceled": "canceled",
         "eval.run.succeeded": "completed"},
        "1.x 2.x 3.x",
    ),
)

_BY_OBJECT: dict[str, Surface] = {obj: row for row in SURFACES for obj in row.objects}
_BY_WEBHOOK: dict[str, Surface] = {event: row for row in SURFACES for event in row.webhooks}
_BY_NAME: dict[str, Surface] = {row.name: row for row in SURFACES}
# Every ``object`` value a job has: one set lookup tells a returned model is no job.
JOB_OBJECTS = frozenset(_BY_OBJECT)
MAX_ID = 128


def field(obj: object, name: str) -> Any:
    """``obj[name]`` or ``obj.name``, None when absent or when reading it fails."""
    try:
        if isinstance(obj, Mapping):
            return obj.get(name)
        return getattr(obj, name, None)
    except Exception:
        return None


def _text(value: object, limit: int = MAX_ID) -> Optional[str]:
    return value[:limit] if isinstance(value, str) and value else None


def surface_of(obj: object) -> Optional[Surface]:
    """The row for ``obj`` (an SDK model or a dict) by its ``object`` field."""
    kind = field(obj, "object")
    return _BY_OBJECT.get(kind) if isinstance(kind, str) else None


def surface_named(name: str) -> Optional[Surface]:
    return _BY_NAME.get(name)


def outcome_of(surface: Surface, status: Optional[str]) -> Optional[Outcome]:
    """The outcome a status means for ``surface``; None for a status it does not have."""
    if status is None:
        return None
    if status in surface.pending:
        return Outcome.PENDING
    if status in surface.succeeded:
        return Outcome.SUCCEEDED
    return surface.ended.get(status)


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


def _error_fields(surface: Surface, obj: object, outcome: Outcome) -> ErrorFields:
    worded: Optional[ErrorFields] = None  # an error with a message and no code
    for name in surface.error_fields:
        error = field(obj, name)
        if name == "errors":  # a Batch: {"object": "list", "data": [{code, message, line}]}
            data = field(error, "data")
            error = data[0] if isinstance(data, (list, tuple)) and data else None
        if error:
            fields = fields_from_object(error)
            if fields.code is not None or fields.type is not None:
                return fields
            if worded is None and fields.message is not None:
                worded = fields
    if outcome is Outcome.INCOMPLETE:
        reason = field(field(obj, "incomplete_details"), "reason")
        return ErrorFields(code=_text(reason))
    if outcome is Outcome.CANCELLED:
        return ErrorFields(code="cancelled")
    if outcome is Outcome.EXPIRED:
        return ErrorFields(code="batch_expired" if surface.name == "batch" else "job_expired")
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
            surface = _BY_NAME["response"]  # a bare {"status", "error"}: read as a Response
        status = field(obj, "status")
        status = status.lower() if isinstance(status, str) else None
        outcome = outcome_of(surface, status)
        if outcome is None or status is None:
            return None
        if (outcome is Outcome.SUCCEEDED and surface.name == "batch"
                and _all_requests_failed(obj)):
            outcome = Outcome.FAILED  # "completed", but nothing in it succeeded
        ended = outcome is not Outcome.SUCCEEDED and outcome is not Outcome.PENDING
        fields = _error_fields(surface, obj, outcome) if ended else EMPTY
        return JobFacts(surface, _text(field(obj, "id")), status, outcome, fields,
                        _text(field(obj, "_request_id")))
    except Exception:
        return None


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
        surface = _BY_WEBHOOK.get(kind) if isinstance(kind, str) else None
        if surface is None:
            return None
        assert isinstance(kind, str)
        status = surface.webhooks[kind]
        outcome = outcome_of(surface, status) or Outcome.SUCCEEDED
        return WebhookFacts(surface, kind, _text(field(event, "id")),
                            _text(field(field(event, "data"), "id")), status, outcome)
    except Exception:
        return None
