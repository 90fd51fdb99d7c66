"""Failures that arrive as data, not as exceptions: Responses, stream events, batch lines.

A background Response that failed comes back from ``retrieve()`` as HTTP 200; a
``response.failed`` stream event is yielded, not raised; a Batch error line sits in a
file. These readers accept the SDK's models and plain dicts alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from .envelope import EMPTY, ErrorFields, fields_from_body, fields_from_object

__all__ = [
    "FAILED_STATUSES",
    "BatchLineFacts",
    "ResponseFacts",
    "batch_line_facts",
    "field",
    "response_facts",
    "stream_event_facts",
]

FAILED_STATUSES = frozenset({"failed", "incomplete", "cancelled"})
_BATCH_FAILED = frozenset({"failed", "expired", "cancelled"})
_STREAM_TERMINAL = frozenset({"response.failed", "response.incomplete", "response.cancelled"})


def field(obj: object, name: str) -> Any:
    """``obj[name]`` or ``obj.name``, None when absent or when reading it fails."""
    try:
        if isinstance(obj, Mapping):
            return obj.get(name)
        return getattr(obj, name, None)
    except Exception:
        return None


def _lower(value: object) -> Optional[str]:
    return value.lower() if isinstance(value, str) else None


class ResponseFacts:
    """What a terminal Response (or Batch) says about its failure."""

    __slots__ = ("fields", "request_id", "status")

    def __init__(self, status: str, fields: ErrorFields, request_id: Optional[str]) -> None:
        self.status = status
        self.fields = fields
        self.request_id = request_id


def _request_id(obj: object) -> Optional[str]:
    value = field(obj, "_request_id")
    return value[:128] if isinstance(value, str) else None


def response_facts(response: object) -> Optional[ResponseFacts]:
    """None unless ``response`` ended ``failed``, ``incomplete`` or ``cancelled``."""
    status = _lower(field(response, "status"))
    if field(response, "object") == "batch":
        return _batch_facts(response, status)
    if status not in FAILED_STATUSES:
        return None
    assert status is not None
    if status == "failed":
        fields = fields_from_object(field(response, "error"))
    elif status == "incomplete":
        reason = field(field(response, "incomplete_details"), "reason")
        fields = ErrorFields(code=reason[:128] if isinstance(reason, str) else None)
    else:
        fields = ErrorFields(code="cancelled")
    return ResponseFacts(status, fields, _request_id(response))


def _batch_facts(batch: object, status: Optional[str]) -> Optional[ResponseFacts]:
    if status not in _BATCH_FAILED:
        return None
    assert status is not None
    fields = EMPTY
    if status == "failed":
        errors = field(field(batch, "errors"), "data")
        if isinstance(errors, (list, tuple)) and errors:
            fields = fields_from_object(errors[0])
    elif status == "expired":
        fields = ErrorFields(code="batch_expired")
    else:
        fields = ErrorFields(code="batch_cancelled")
    return ResponseFacts(status, fields, _request_id(batch))


def stream_event_facts(event: object) -> Optional[tuple[Optional[ResponseFacts], ErrorFields]]:
    """For an event that is a failure: the terminal Response's facts, or the error fields.

    Covers chat chunks carrying ``error``, the Responses ``error`` event (flat or
    nested) and ``response.failed`` / ``response.incomplete``.
    """
    kind = field(event, "type")
    if kind in _STREAM_TERMINAL:
        facts = response_facts(field(event, "response"))
        return (facts, EMPTY) if facts is not None else None
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
