"""A fault-injecting OpenAI-compatible server: failures on demand, shaped like the real ones.

Run it with ``openai-error-telemetry fault-server``; see ``docs/fault-server.md``. Needs the
``demo`` extra (``aiohttp``).
"""

from __future__ import annotations

from .control import FAULT_HEADER, FAULT_KEY_HEADER
from .faults import FAULTS

__all__ = ["FAULTS", "FAULT_HEADER", "FAULT_KEY_HEADER"]
