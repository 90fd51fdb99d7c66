"""Failures that arrive as data, not as exceptions: Responses, stream events, batch lines.

A background Response (or any other job, ``jobs.py``) that failed comes back from
``retrieve()`` as HTTP 200; a ``response.failed`` stream event is yielded, not raised; a
Batch error line sits in a file. These readers accept the SDK's models and plain dicts
alike.
"""

from __future__ import annotations

import json
from typing import Optional

from .envelope import EMPTY, ErrorFields, fields_from_body, fields_from_object
from .jobfacts import JobFacts, job_of_event
from .jobs import field, surface_by_event
from .rules import names_a_failure

__all__ = [
    "BatchLineFacts",
    "batch_line_facts",
    "field",
    "stream_event_facts",
]

def stream_event_facts(event: object) -> Optional[tuple[Optional[JobFacts], ErrorFields]]:
    """For an event that is a failure: the terminal Response's facts, or the error fields.

    Covers chat chunks carrying ``error``, the Responses and Agents ``error`` event
    (flat or nested), an event whose ``type`` is the error's type, and every event that
    carries a job that ended without its result (``response.failed``,
    ``agent.session.turn.failed``, ``agent.session.budget_reached``, Realtime
    ``response.done``...: the ``events`` of the jobs table).
    """
    kind = field(event, "type")
    if isinstance(kind, str) and surface_by_event(kind) is not None:
        facts = job_of_event(event)
        return (facts, EMPTY) if facts is not None and facts.without_result else None
    error = field(event, "error")
    if error:
        if isinstance(error, str):  # Ollama's {"error": "<sentence>"}
            return None, fields_from_body({"error": error})
        return None, fields_from_object(error)
    if kind == "error":
        return None, fields_from_object(event)
    if (isinstance(kind, str) and not kind.startswith("response.") and names_a_failure(kind)
            and (field(event, "code") is not None or field(event, "message") is not None)):
        # an error event typed by its error: {"type": "server_error", "code", "message"}
        return None, fields_from_object(event)
    return None


class BatchLineFacts:
    __slots__ = ("body", "fields", "request_id", "status")

    def __init__(
        self, status: Optional[int], body: object, fields: ErrorFields, request_id: Optional[str]
    ) -> None:
        self.status = status
        self.body = body
        self.fields = fields
        self.request_id = request_id


def batch_line_facts(line: object) -> Optional[BatchLineFacts]:
    """For a Batch line that failed: its status, body and error.

    Takes a line of the output or error file (``{"custom_id", "response", "error"}``),
    the ``response`` object of such a line alone (``{"status_code", "request_id",
    "body"}``), or an item of a Batch's ``errors.data`` (``{"code", "line", "message"}``).
    """
    if isinstance(line, (str, bytes, bytearray)):
        try:
            line = json.loads(line)
        except Exception:
            return None
    error = field(line, "error")
    response = field(line, "response")
    if error is None and response is None:
        if isinstance(field(line, "status_code"), int):
            response = line  # the line's response object, given alone
        elif isinstance(field(line, "code"), str):
            return BatchLineFacts(None, None, fields_from_object(line), None)
    status = field(response, "status_code")
    status = status if isinstance(status, int) and not isinstance(status, bool) else None
    raw_id = field(response, "request_id")
    request_id = raw_id[:128] if isinstance(raw_id, str) else None
    if error:
        return BatchLineFacts(status, None, fields_from_object(error), request_id)
    if status is not None and status >= 400:
        body = field(response, "body")
        return BatchLineFacts(status, body, fields_from_body(body), request_id)
    return None
