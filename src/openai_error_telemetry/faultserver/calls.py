"""One API request as the fault server's routes see it, and the fault planned for it."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from aiohttp import web

from . import payloads
from .control import FaultSpec
from .faults import Fault


@dataclass(frozen=True)
class Planned:
    """The fault chosen for a request and where the choice came from."""

    fault: Fault
    spec: FaultSpec
    source: str  # "header" | "scenario"


@dataclass
class Call:
    """One API request as the pipeline sees it (never the prompt text itself)."""

    request: web.Request
    endpoint: str
    body: dict[str, Any]
    model: str
    tokens: int
    prompt_param: Optional[str]
    stream: bool
    request_id: str = field(default_factory=lambda: payloads.new_id("req_"))
    started: float = field(default_factory=time.monotonic)
    ratelimit: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        elapsed_ms = int((time.monotonic() - self.started) * 1000)
        return {
            "x-request-id": self.request_id,
            "openai-version": "2020-10-01",
            "openai-processing-ms": str(elapsed_ms),
            **self.ratelimit,
        }


Answer = Callable[[Call, Optional[Planned]], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """The request itself is malformed; answered as a 400 invalid_request_error."""
