"""The one guard at every hook boundary: our failure is logged once, the call goes on.

A hook that raises must never change what the user's call does. Each hook name is
reported once per process (not once per call), so a broken hook cannot flood logs.
"""

from __future__ import annotations

import logging
import sys

from ..forksafe import new_lock

_log = logging.getLogger("openai_error_telemetry.instrumentation")
_reported: set[str] = set()
_lock = new_lock(sys.modules[__name__])  # re-made in a forked child


def report(hook: str, error: BaseException) -> None:
    """Log our own exception the first time ``hook`` fails; stay silent afterwards."""
    with _lock:
        if hook in _reported:
            return
        _reported.add(hook)
    _log.warning(
        "openai_error_telemetry: hook %r failed; the OpenAI call proceeds untouched",
        hook, exc_info=(type(error), error, error.__traceback__),
    )


def reset_reports() -> None:
    """Forget which hooks failed (for tests)."""
    with _lock:
        _reported.clear()
