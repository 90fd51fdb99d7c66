"""The bounded memory of background responses: who created them, and whether counted.

A background response is created in one call and polled in many. The tracker keeps,
per response id, the span that created it (so a later ``retrieve``/``cancel`` can link
to it) and whether its terminal outcome was counted already (so it is counted once,
however often it is polled). The oldest ids are forgotten beyond ``max_tracked``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

from opentelemetry.trace import SpanContext

from .forksafe import new_lock

NON_TERMINAL = frozenset({"queued", "in_progress"})
TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})


class _Job:
    __slots__ = ("counted", "created_by")

    def __init__(self, created_by: Optional[SpanContext]) -> None:
        self.created_by = created_by
        self.counted = False


class BackgroundTracker:
    """Thread-safe, size-bounded map of response id -> creating span and counted flag."""

    def __init__(self, max_tracked: int = 1024) -> None:
        self._max = max(1, max_tracked)
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._lock = new_lock(self)

    def __len__(self) -> int:
        return len(self._jobs)

    def _job(self, response_id: str, created_by: Optional[SpanContext]) -> _Job:
        job = self._jobs.get(response_id)
        if job is None:
            job = self._jobs[response_id] = _Job(created_by)
            while len(self._jobs) > self._max:
                self._jobs.popitem(last=False)
        else:
            self._jobs.move_to_end(response_id)
            if job.created_by is None and created_by is not None:
                job.created_by = created_by
        return job

    def created(self, response_id: str, span_context: Optional[SpanContext]) -> None:
        """Remember a running background response and the span that started it."""
        with self._lock:
            self._job(response_id, span_context)

    def link_for(self, response_id: str) -> Optional[SpanContext]:
        """The span that created ``response_id``, if it is still remembered."""
        with self._lock:
            job = self._jobs.get(response_id)
            return job.created_by if job is not None else None

    def first_terminal(self, response_id: str) -> bool:
        """True the first time a terminal status is seen for ``response_id``."""
        with self._lock:
            job = self._job(response_id, None)
            if job.counted:
                return False
            job.counted = True
            return True
