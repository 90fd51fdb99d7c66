"""Why a Batch failed: its error file read line by line, each line classified.

A Batch whose every request failed ends ``completed`` (or ``failed`` with no reason of
its own), and the object does not say why: its ``error_file_id`` does, one JSON line per
request that failed. ``explain_batch(client, batch)`` downloads that file through the
application's own client (one HTTP call, streamed: memory stays flat however long the
file), classifies every line with ``classify_batch_line`` and returns the count per code
and the dominant code. It is opt-in: the instrumentation never reads a file on its own.
``explain_lines`` does the same for lines already at hand (a downloaded file: the
``explain-batch`` command).
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any, NamedTuple, Optional

from .classify import classify_batch_line
from .classify.jobs import field
from .codes import ErrorCode

__all__ = ["BatchExplanation", "explain_batch", "explain_lines"]


class BatchExplanation(NamedTuple):
    """What a Batch's error (or output) file says, request by request."""

    lines: int  # lines read, blank lines aside
    failed: int  # lines of a request that failed
    unreadable: int  # lines that are not JSON of a Batch line
    by_code: dict[str, int]  # failed requests per code, most first
    error_file_id: Optional[str] = None

    @property
    def dominant(self) -> Optional[ErrorCode]:
        """The code most failed requests share (the first in the contract on a tie)."""
        return ErrorCode(next(iter(self.by_code))) if self.by_code else None

    def as_dict(self) -> dict[str, Any]:
        dominant = self.dominant
        return {"lines": self.lines, "failed": self.failed, "unreadable": self.unreadable,
                "by_code": dict(self.by_code), "dominant": dominant.value if dominant else None,
                "error_file_id": self.error_file_id}


_ORDER = {code: index for index, code in enumerate(ErrorCode)}


class _Tally:
    def __init__(self) -> None:
        self.lines = self.failed = self.unreadable = 0
        self.codes: Counter[ErrorCode] = Counter()

    def add(self, line: object) -> None:
        if isinstance(line, (bytes, bytearray)):
            line = line.decode("utf-8", "replace")
        if isinstance(line, str):
            if not line.strip():
                return
            if not line.lstrip().startswith("{"):
                self.lines += 1
                self.unreadable += 1
                return
        self.lines += 1
        found = classify_batch_line(line)
        if found is None:
            if isinstance(line, str) and '"custom_id"' not in line:
                self.unreadable += 1
            return
        self.failed += 1
        self.codes[found.code] += 1

    def result(self, error_file_id: Optional[str]) -> BatchExplanation:
        ranked = sorted(self.codes.items(), key=lambda item: (-item[1], _ORDER[item[0]]))
        return BatchExplanation(self.lines, self.failed, self.unreadable,
                                {code.value: count for code, count in ranked}, error_file_id)


def explain_lines(lines: Iterable[object], error_file_id: Optional[str] = None
                  ) -> BatchExplanation:
    """Classify the lines of a Batch error or output file (text, bytes or dicts)."""
    tally = _Tally()
    for line in lines:
        tally.add(line)
    return tally.result(error_file_id)


def explain_batch(client: Any, batch: Any) -> Any:
    """Read ``batch``'s error file with ``client`` and classify every line.

    ``batch`` is the Batch (model or dict) or its id (then retrieved first: one more
    call). With ``AsyncOpenAI``, await the result. A Batch with no error file (nothing
    failed, or it is still running) is explained as no lines at all.
    """
    if inspect.iscoroutinefunction(getattr(client.batches, "retrieve", None)):
        return _explain_async(client, batch)
    if isinstance(batch, str):
        batch = client.batches.retrieve(batch)
    file_id = _error_file_id(batch)
    if file_id is None:
        return explain_lines((), None)
    with client.files.with_streaming_response.content(file_id) as response:
        return explain_lines(response.iter_lines(), file_id)


async def _explain_async(client: Any, batch: Any) -> BatchExplanation:
    if isinstance(batch, str):
        batch = await client.batches.retrieve(batch)
    file_id = _error_file_id(batch)
    if file_id is None:
        return explain_lines((), None)
    tally = _Tally()
    async with client.files.with_streaming_response.content(file_id) as response:
        lines: AsyncIterator[str] = response.iter_lines()
        async for line in lines:
            tally.add(line)
    return tally.result(file_id)


def _error_file_id(batch: object) -> Optional[str]:
    file_id = field(batch, "error_file_id")
    return file_id if isinstance(file_id, str) and file_id else None
