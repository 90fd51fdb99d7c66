"""``openai-error-telemetry explain-batch FILE``: why the requests of a Batch failed.

Reads a Batch error (or output) file already downloaded (``client.files.content(
batch.error_file_id)``, or the dashboard's file link), classifies every line and prints
the count per code, the most common first. ``-`` reads stdin. Exit 2 when the file
cannot be read or holds no Batch line at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from .batches import explain_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE",
                        help="a Batch error or output file (JSON Lines); - for stdin")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table (default) or one JSON object")


def _lines(name: str) -> Iterator[str]:
    if name == "-":
        yield from sys.stdin
        return
    with Path(name).open(encoding="utf-8", errors="replace") as handle:
        yield from handle


def run(args: argparse.Namespace) -> int:
    try:
        found = explain_lines(_lines(args.file))
    except OSError as error:
        print(f"explain-batch: cannot read {args.file}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    if found.lines == 0 or found.unreadable == found.lines:
        print(f"explain-batch: {args.file} holds no Batch line (JSON Lines with custom_id "
              "and response or error)", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(found.as_dict()))
        return 0
    print(f"{found.failed} of {found.lines} requests failed"
          + (f" ({found.unreadable} unreadable)" if found.unreadable else ""))
    width = max((len(code) for code in found.by_code), default=4)
    for code, count in found.by_code.items():
        share = count / found.failed
        print(f"  {code:<{width}}  {count:>7}  {share:6.1%}")
    if found.dominant is not None:
        print(f"dominant: {found.dominant.value}")
    return 0
