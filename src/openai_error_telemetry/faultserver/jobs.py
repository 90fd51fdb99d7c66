"""Responses the server has created, background jobs among them, in a bounded store.

A background job moves ``queued`` -> ``in_progress`` -> its terminal status on a clock,
the way a real one does, so a client that polls sees every stage. The store forgets the
oldest responses past its size limit, as the API forgets unstored responses.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, Optional, Protocol, TypeVar

TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})
MAX_JOBS = 10_000


@dataclass(frozen=True)
class Outcome:
    """How a response ends: status plus the error code or the incomplete reason."""

    status: str = "completed"
    error_code: Optional[str] = None
    reason: Optional[str] = None


COMPLETED = Outcome()


@dataclass
class Job:
    """One response: when it was made, how long each stage lasts, how it ends."""

    id: str
    model: str
    created_at: int
    started: float
    background: bool
    input_tokens: int
    outcome: Outcome = COMPLETED
    queued_s: float = 0.0
    run_s: float = 0.0
    cancelled_at: Optional[float] = field(default=None)

    def status(self, now: float) -> str:
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return "cancelled"
        elapsed = now - self.started
        if elapsed < self.queued_s:
            return "queued"
        if elapsed < self.queued_s + self.run_s:
            return "in_progress"
        return self.outcome.status

    def cancel(self, now: float) -> bool:
        """Cancel unless already finished; True when this call changed the outcome."""
        if self.status(now) in TERMINAL:
            return False
        self.cancelled_at = now
        return True


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


class Store(Generic[T]):
    """Jobs by id, the oldest forgotten past ``max_jobs``."""

    def __init__(self, max_jobs: int = MAX_JOBS) -> None:
        self._jobs: OrderedDict[str, T] = OrderedDict()
        self.max_jobs = max_jobs

    def add(self, job: T) -> None:
        self._jobs[job.id] = job
        while len(self._jobs) > self.max_jobs:
            self._jobs.popitem(last=False)

    def get(self, job_id: str) -> Optional[T]:
        return self._jobs.get(job_id)

    def values(self) -> list[T]:
        return list(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)


class JobStore(Store[Job]):
    """Responses by id."""
