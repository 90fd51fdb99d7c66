"""``openai-error-telemetry classify``: JSON Lines in, one classification per line out.

Each input line describes one failure::

    {"kind": "http", "status": 429, "headers": {...}, "body": {...}}
    {"kind": "exception", "exception": "httpx.ReadTimeout", "status": 200}
    {"kind": "background" | "job" | "stream_event" | "batch_line" | "webhook", "body": {...}}

A bad line is reported on stderr with its number and answered with an ``error``
line, the others are still classified, and the exit status is 1. ``--explain`` adds
the code's family and which rule decided, from which field (and the value there, for
a code, type or status), for a user who disagrees with an answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import IO, Any, Optional

from .classification import Classification
from .classify import (
    classify_batch_line,
    classify_http,
    classify_job,
    classify_named_exception,
    classify_stream_event,
    classify_webhook_event,
)

__all__ = ["KINDS", "MAX_LINE_BYTES", "add_arguments", "classify_line", "explanation", "run"]

MAX_LINE_BYTES = 16 * 1024 * 1024
KINDS = ("http", "background", "job", "stream_event", "batch_line", "webhook", "exception")
_COLUMNS = ("line", "code", "retryable", "http_status", "provider_code", "retry_after_s",
            "rate_limit_kind")


class BadLine(ValueError):
    """A line we cannot classify, with a message fit for a person."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("jsonl", "table"), default="jsonl",
        help="jsonl (default): one JSON object per input line; table: aligned text",
    )
    parser.add_argument(
        "--explain", action="store_true",
        help="add the code's family and the rule and field that decided it",
    )


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, Optional[str], Optional[str]]]:
    """``(number, text, problem)`` for each line; over-long lines are skipped whole."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(MAX_LINE_BYTES)
            yield number, None, f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB"
            continue
        try:
            yield number, chunk.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            yield number, None, f"not valid UTF-8 (byte {exc.start})"


def _optional_status(record: dict[str, Any]) -> Optional[int]:
    status = record.get("status")
    if status is None:
        return None
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadLine(f"'status' must be an HTTP status (100-599) or null, got {status!r:.40}")
    return status


def classify_line(text: str) -> Optional[Classification]:
    """The classification one input line asks for; None when the data is not a failure."""
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadLine(f"not valid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise BadLine(f"expected a JSON object, got {type(record).__name__}")
    kind = record.get("kind")
    if kind not in KINDS:
        raise BadLine(f"unknown kind {kind!r:.40}; expected one of: {', '.join(KINDS)}")
    status = _optional_status(record)
    headers = record.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise BadLine("'headers' must be an object or null")
    body = record.get("body")
    if kind == "http":
        return classify_http(status, headers, body)
    if kind == "exception":
        name = record.get("exception")
        if not isinstance(name, str) or not name:
            raise BadLine("a line of kind 'exception' needs 'exception': the class name")
        message = record.get("message")
        return classify_named_exception(
            name, status=status, headers=headers, body=body,
            message=message if isinstance(message, str) else None,
        )
    reader = {"background": classify_job, "job": classify_job,
              "stream_event": classify_stream_event, "batch_line": classify_batch_line,
              "webhook": classify_webhook_event}[kind]
    return reader(body)


_VALUE_OF = {"error.code": "provider_code", "error.type": "provider_type",
             "http status": "http_status"}


def explanation(classification: Classification) -> dict[str, Any]:
    """The family, and the rule and field that decided the code (``--explain``)."""
    why = classification.decided_by
    said: dict[str, Any] = {"family": classification.code.info.family.value,
                            "rule": why.rule if why else None,
                            "field": (why.field or None) if why else None}
    attribute = _VALUE_OF.get(why.field) if why else None
    if attribute is not None:
        said["value"] = getattr(classification, attribute)
    return said


def _result(
    number: int, classification: Optional[Classification], explain: bool = False
) -> dict[str, Any]:
    if classification is None:
        return {"line": number, "failure": False, "code": None}
    row = {"line": number, "failure": True, **classification.as_dict()}
    if explain:
        row["decided_by"] = explanation(classification)
    return row


def _decided_by(row: dict[str, Any]) -> str:
    said = row.get("decided_by")
    if not isinstance(said, dict):
        return str(said or "")
    text = f"{said['family']}: {said['rule']}"
    if said.get("field"):
        text += f" ({said['field']}"
        text += f" = {said['value']!r})" if said.get("value") is not None else ")"
    return text


def _table_row(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"{row['line']:>4}  error: {row['error']}"
    cells = ["-" if row.get(name) is None else str(row.get(name)) for name in _COLUMNS]
    if not row["failure"]:
        cells[1] = "(not a failure)"
    widths = (4, 24, 9, 11, 26, 13, 8)
    text = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths))
    if "decided_by" in row:
        text += "  " + (_decided_by(row) or "-")
    return text.rstrip()


def run(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    bad = 0
    if args.format == "table":
        header: dict[str, Any] = {name: name for name in _COLUMNS} | {"failure": True}
        if args.explain:
            header["decided_by"] = "decided by"
        out.write(_table_row(header) + "\n")
    for number, text, problem in _lines(sys.stdin.buffer):
        if text is not None and not text.strip():
            continue
        row: dict[str, Any]
        try:
            if problem is not None:
                raise BadLine(problem)
            assert text is not None
            row = _result(number, classify_line(text), args.explain)
        except BadLine as exc:
            bad += 1
            err.write(f"line {number}: {exc}\n")
            row = {"line": number, "error": str(exc)}
        out.write((_table_row(row) if args.format == "table" else json.dumps(row)) + "\n")
    out.flush()
    return 1 if bad else 0
