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
from .jobs import JobFacts, field, job_facts

__all__ = [
    "BatchLineFacts",
    "batch_line_facts",
    "field",
    "stream_event_facts",
]

_STREAM_TERMINAL = frozenset({"response.failed", "response.incomplete", "response.cancelled"})


def stream_event_facts(event: object) -> Optional[tuple[Optional[JobFacts], ErrorFields]]:
    """For an event that is a failure: the terminal Response's facts, or the error fields.

    Covers chat chunks carrying ``error``, the Responses ``error`` event (flat or
    nested) and ``response.failed`` / ``response.incomplete``.
    """
    kind = field(event, "type")
    if kind in _STREAM_TERMINAL:
        facts = job_facts(field(event, "response"))
        return (facts, EMPTY) if facts is not None and facts.without_result else None
    error = field(event, "error")
    if error:
        return None, fields_from_object(error)
    if kind == "error":
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
    """For a Batch output or error file line that failed: its status, body and error."""
    if isinstance(line, (str, bytes, bytearray)):
        try:
            line = json.loads(line)
        except Exception:
            return None
    error = field(line, "error")
    response = field(line, "response")
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
