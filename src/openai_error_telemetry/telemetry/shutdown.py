"""Flush and stop the OpenTelemetry providers at exit, within a time budget.

``TracerProvider.shutdown()`` and ``LoggerProvider.shutdown()`` take no timeout: with a
collector that accepts and never answers, each waits for the export in flight and then
for every queued batch in turn, each up to the exporter's timeout (the batch processor
stops trying after 30 s). An application that must exit promptly whatever the backend
does calls ``shutdown_telemetry(timeout_s=...)``: every provider shuts down at once in
a daemon thread of its own, and the call returns by the budget. A flush still running
then goes on until the process exits, and dies with it (daemon threads are not joined);
the providers' own ``atexit`` hooks find them already shut down and return at once.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from typing import Any

DEFAULT_TIMEOUT_S = 5.0

_log = logging.getLogger("openai_error_telemetry")


def _global_providers() -> list[Any]:
    from opentelemetry import _logs, metrics, trace

    return [trace.get_tracer_provider(), metrics.get_meter_provider(),
            _logs.get_logger_provider()]


def _stop(provider: Any, timeout_s: float) -> None:
    shutdown = provider.shutdown
    try:
        takes_timeout = "timeout_millis" in inspect.signature(shutdown).parameters
    except (TypeError, ValueError):
        takes_timeout = False
    if takes_timeout:  # MeterProvider honours its own deadline; the others have none
        shutdown(timeout_millis=timeout_s * 1000)
    else:
        shutdown()


def shutdown_telemetry(*providers: Any, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool:
    """Shut ``providers`` (default: the global tracer, meter and logger providers) down
    in parallel; return within ``timeout_s`` (plus thread start-up), True when every one
    finished. Providers without a ``shutdown`` (the API's no-op ones) are skipped; an
    exception from one is its own thread's and is not raised here."""
    chosen = list(providers) if providers else _global_providers()
    budget = max(0.0, float(timeout_s))
    threads = []
    for provider in chosen:
        if not callable(getattr(provider, "shutdown", None)):
            continue
        thread = threading.Thread(target=_quietly, args=(provider, budget),
                                  name="otel-shutdown", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + budget
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def _quietly(provider: Any, timeout_s: float) -> None:
    try:
        _stop(provider, timeout_s)
    except Exception:  # an exporter's failure at exit must not become the app's
        _log.warning(
            "openai_error_telemetry: %s.shutdown() failed", type(provider).__name__,
            exc_info=True)
