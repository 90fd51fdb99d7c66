"""The server's own count of what it sent, served at ``GET /_fault/stats``.

Tests of the instrumentation compare the telemetry they collected against this tally,
so every API request is counted exactly once, even when the client leaves before the
answer (a ``timeout`` fault is counted with the status it would have had).
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class Tally:
    """Counts of requests by endpoint, fault, status, and where the fault came from."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.endpoints: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.pairs: Counter[str] = Counter()

    def record(self, endpoint: str, fault: str, status: str, source: str) -> None:
        """One request: ``fault`` "none" for a normal answer, ``status`` "reset" for no answer."""
        self.requests += 1
        self.endpoints[endpoint] += 1
        self.faults[fault] += 1
        self.statuses[status] += 1
        self.sources[source] += 1
        self.pairs[f"{endpoint} {fault} {status}"] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_endpoint": dict(self.endpoints),
            "by_fault": dict(self.faults),
            "by_status": dict(self.statuses),
            "by_source": dict(self.sources),
            "by_endpoint_fault_status": dict(self.pairs),
        }
