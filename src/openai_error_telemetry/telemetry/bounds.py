"""Bounds on metric attribute values that come from outside the process.

A model name is chosen by the caller and echoed by the server, a server address by the
configuration, a status code by the server: none comes from a closed set, so each is
bounded here before it reaches a metric point. The first ``limit`` distinct values of an
attribute are kept as they are; any later one (or one longer than ``max_length``) is
written as ``_OTHER``, the way OpenTelemetry's own cardinality limit folds overflowing
series. Spans are not metrics and keep the real values. The bounds are documented in
docs/telemetry.md ("Cardinality").
"""

from __future__ import annotations

import sys
from typing import Optional

from ..forksafe import new_lock

OTHER = "_OTHER"
MODEL_LIMIT = 100  # distinct request models, and as many response models
SERVER_LIMIT = 16  # distinct (server.address, server.port) pairs
STATUS_LIMIT = 32  # distinct HTTP status codes, each in 100..599
MAX_LENGTH = 128  # a longer model or host name is never a real one
_lock = new_lock(sys.modules[__name__])


class BoundedValues:
    """The first ``limit`` distinct values pass; later ones are ``_OTHER``."""

    __slots__ = ("_limit", "_max_length", "_seen")

    def __init__(self, limit: int, max_length: int = MAX_LENGTH) -> None:
        self._limit = limit
        self._max_length = max_length
        self._seen: set[object] = set()

    def admit(self, value: object) -> bool:
        """Whether ``value`` keeps its own series."""
        seen = self._seen
        if value in seen:
            return True
        if isinstance(value, str) and len(value) > self._max_length:
            return False
        with _lock:
            if len(seen) >= self._limit:
                return False
            seen.add(value)
            return True

    def __call__(self, value: str) -> str:
        return value if self.admit(value) else OTHER


class Bounds:
    """One set of bounds per ``instrument()``."""

    __slots__ = ("request_model", "response_model", "server", "status")

    def __init__(self) -> None:
        self.request_model = BoundedValues(MODEL_LIMIT)
        self.response_model = BoundedValues(MODEL_LIMIT)
        self.server = BoundedValues(SERVER_LIMIT)
        self.status = BoundedValues(STATUS_LIMIT)

    def status_code(self, status: int) -> Optional[int]:
        """A status code to write on a metric, or None (not a real one, or over the
        bound: the point keeps ``error.type`` and drops the code)."""
        if not 100 <= status <= 599 or not self.status.admit(status):
            return None
        return status

    def server_pair(self, host: str, port: int) -> tuple[str, Optional[int]]:
        """``(address, port)`` as written on metrics; past the bound ``(_OTHER, None)``."""
        if self.server.admit((host, port)) and len(host) <= MAX_LENGTH:
            return host, port
        return OTHER, None
