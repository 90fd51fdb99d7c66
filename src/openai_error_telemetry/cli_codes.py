"""``openai-error-telemetry codes``: the contract, printed from the one table that defines it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

from .codes import CODE_INFO, CodeInfo

__all__ = ["add_arguments", "markdown_table", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format"
    )


def _retryable(info: CodeInfo) -> str:
    if info.retryable is None:
        return "by status (5xx yes)"
    return "yes" if info.retryable else "**no**"


def _cell(text: Optional[str]) -> str:
    return f"`{text}`" if text else "—"


def markdown_table() -> str:
    rows = [
        "| code | retryable | openai class | what it means | maps from |",
        "|---|---|---|---|---|",
    ]
    for info in CODE_INFO.values():
        rows.append(
            f"| `{info.code.value}` | {_retryable(info)} | {_cell(info.openai_class)} "
            f"| {info.meaning} | {info.maps_from} |"
        )
    return "\n".join(rows) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.format == "json":
        table = [
            {
                "code": info.code.value,
                "retryable": info.retryable,
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
