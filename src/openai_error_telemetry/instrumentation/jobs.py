"""The bounded memory of jobs seen in this process: who created them, whether counted.

A job (a background Response, a Batch, a run...) is created in one call and polled in
many. The tracker keeps, per job (its surface and id), the span that created it (so a
later ``retrieve``/``cancel`` links to it) and whether its end was recorded already (so
it is recorded once, however often, and through whichever call, it is seen ended). The
least recently seen jobs are forgotten beyond ``max_tracked`` (default 1,024): a job
seen ended again after that is recorded again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

from opentelemetry.trace import SpanContext

from ..classify.jobs import Outcome, Surface
from ..forksafe import new_lock


def job_key(surface: str, job_id: str) -> str:
    return f"{surface}:{job_id}"


class _Job:
    __slots__ = ("counted", "created_by")

    def __init__(self, created_by: Optional[SpanContext]) -> None:
        self.created_by = created_by
        self.counted: Optional[str] = None  # the end recorded, None before any


class JobTracker:
    """Thread-safe, size-bounded map of job key -> creating span and recorded flag."""

    def __init__(self, max_tracked: int = 1024) -> None:
        self._max = max(1, max_tracked)
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._lock = new_lock(self)

    def __len__(self) -> int:
        return len(self._jobs)

    def _job(self, key: str, created_by: Optional[SpanContext]) -> _Job:
        job = self._jobs.get(key)
        if job is None:
            job = self._jobs[key] = _Job(created_by)
            while len(self._jobs) > self._max:
                self._jobs.popitem(last=False)
        else:
            self._jobs.move_to_end(key)
            if job.created_by is None and created_by is not None:
                job.created_by = created_by
        return job

    def created(self, key: str, span_context: Optional[SpanContext]) -> None:
        """Remember a running job and the span that started it."""
        with self._lock:
            self._job(key, span_context)

    def link_for(self, key: str) -> Optional[SpanContext]:
        """The span that created ``key``, if it is still remembered."""
        with self._lock:
            job = self._jobs.get(key)
            return job.created_by if job is not None else None

    def first_terminal(self, key: str, end: str = "") -> bool:
        """True the first time ``key`` is seen ended (and remember that it was).

        ``end`` tells ends apart for a job that lives on (a session idles after each
        turn and may fail later): seen ended with another ``end`` than the one recorded,
        it is recorded again."""
        with self._lock:
            job = self._job(key, None)
            if job.counted == end:
                return False
            job.counted = end
            return True

    def first_end(self, surface: Surface, job_id: str, outcome: Outcome) -> bool:
        """``first_terminal`` for a job of ``surface``: the ends of a job that lives on
        (``Surface.lives_on``) are told apart by their outcome, any other's are one."""
        end = str(outcome) if surface.lives_on else ""
        return self.first_terminal(job_key(surface.name, job_id), end)
