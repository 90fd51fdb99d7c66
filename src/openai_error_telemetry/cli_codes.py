"""``openai-error-telemetry codes``: the contract, printed from the one table that defines it.

``codes --jobs`` prints the other table: every asynchronous job surface and where its
failure is read (``classify/jobs.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

from .classify.jobs import SURFACES, Surface
from .codes import CODE_INFO, CodeInfo

__all__ = ["add_arguments", "jobs_markdown_table", "markdown_table", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format"
    )
    parser.add_argument(
        "--jobs", action="store_true", help="the table of asynchronous job surfaces instead"
    )


def _retryable(info: CodeInfo) -> str:
    if info.retryable is None:
        return "by status (5xx yes)"
    return "yes" if info.retryable else "**no**"


def _cell(text: Optional[str]) -> str:
    return f"`{text}`" if text else "—"


def _statuses(info: CodeInfo) -> str:
    return ", ".join(str(status) for status in info.statuses) or "—"


def markdown_table() -> str:
    rows = [
        "| code | family | retryable | retry guard | HTTP statuses | openai class "
        "| what it means | maps from |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for info in CODE_INFO.values():
        rows.append(
            f"| `{info.code.value}` | {info.family.value} | {_retryable(info)} "
            f"| {'stops' if info.guard_stops else '—'} | {_statuses(info)} "
            f"| {_cell(info.openai_class)} | {info.meaning} | {info.maps_from} |"
        )
    return "\n".join(rows) + "\n"


def _codes(values: object) -> str:
    return ", ".join(f"`{v}`" for v in sorted(values)) or "—"  # type: ignore[call-overload]


def _ended(row: Surface) -> str:
    return ", ".join(f"`{status}` ({outcome})" for status, outcome in sorted(row.ended.items()))


def _error_at(row: Surface) -> str:
    where = [{"errors": "`errors.data[0]`"}.get(name, f"`{name}`") for name in row.error_fields]
    if any(outcome.value == "incomplete" for outcome in row.ended.values()):
        where.append(f"`{row.reason_field}`")
    if row.name == "batch":
        where.append("`request_counts` (all failed)")
    where += [f"`{status}` reads as `{token}`"
              for status, token in sorted(row.status_tokens.items())
              if token not in ("batch_expired", "job_expired")]
    return ", ".join(where) or "none (status only)"


def jobs_markdown_table() -> str:
    rows = [
        "| surface (`openai.job.type`) | `object` | SDK | running | success | ended without "
        "result | error read from | webhooks | stream events | SDK majors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in SURFACES:
        rows.append(
            f"| `{row.name}` | {_codes(row.objects)} | `{row.resource}`: "
            f"{', '.join(row.methods)} | {_codes(row.pending)} | {_codes(row.succeeded)} "
            f"| {_ended(row)} | {_error_at(row)} | {_codes(row.webhooks)} "
            f"| {_codes(row.events)} | {row.sdk} |"
        )
    return "\n".join(rows) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.jobs:
        if args.format == "json":
            table: list[dict[str, object]] = [{"surface": row.name, "objects": list(row.objects),
                      "resource": row.resource, "methods": list(row.methods),
                      "api_path": row.api_path, "pending": sorted(row.pending),
                      "succeeded": sorted(row.succeeded),
                      "ended": {k: v.value for k, v in sorted(row.ended.items())},
                      "error_fields": list(row.error_fields),
                      "webhooks": dict(sorted(row.webhooks.items())),
                      "events": dict(sorted(row.events.items())),
                      "status_tokens": dict(sorted(row.status_tokens.items())),
                      "lives_on": row.lives_on, "models": list(row.models), "sdk": row.sdk}
                     for row in SURFACES]
            sys.stdout.write(json.dumps(table, indent=2) + "\n")
        else:
            sys.stdout.write(jobs_markdown_table())
        return 0
    if args.format == "json":
        table = [
            {
                "code": info.code.value,
                "family": info.family.value,
                "retryable": info.retryable,
                "guard_stops": info.guard_stops,
                "statuses": list(info.statuses),
                "implied_status": info.implied_status,
                "openai_class": info.openai_class,
                "meaning": info.meaning,
                "maps_from": info.maps_from,
            }
            for info in CODE_INFO.values()
        ]
        sys.stdout.write(json.dumps(table, indent=2) + "\n")
    else:
        sys.stdout.write(markdown_table())
    return 0
