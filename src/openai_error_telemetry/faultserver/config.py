"""The server's settings, apart from the server, so the CLI can parse them without aiohttp."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Optional

from .scenario import NO_FAULTS, Scenario


@dataclass(frozen=True)
class ServerConfig:
    """Everything the command line can set."""

    scenario: Scenario = NO_FAULTS
    rpm: Optional[int] = None
    tpm: Optional[int] = None
    burst_seconds: float = 60.0
    words: int = 8
    chunk_delay: float = 0.0
    timeout_delay: float = 30.0
    retry_after: float = 1.0
    queued_s: float = 0.2
    run_s: float = 0.5
    max_jobs: int = 10_000
    embedding_dimensions: int = 16
    seed: Optional[int] = None
    # the Standard Webhooks secret /_fault/webhooks signs with (faultserver/webhooks.py)
    webhook_secret: str = "whsec_" + base64.b64encode(b"fault-server-webhook-secret").decode()
