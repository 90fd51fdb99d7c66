"""OpenTelemetry auto-instrumentation of the ``openai`` SDK, tagged with our error codes.

``instrument()`` (or ``opentelemetry-instrument``, entry point ``openai_error_telemetry``)
wraps the SDK's client so that every endpoint, every HTTP attempt, every stream and
every background response shows up as spans, metrics and logs.
"""

from __future__ import annotations

from typing import Any

from .instrumentor import OpenAIErrorTelemetryInstrumentor

__all__ = ["OpenAIErrorTelemetryInstrumentor", "instrument", "uninstrument"]


def instrument(**options: Any) -> OpenAIErrorTelemetryInstrumentor:
    """Instrument the ``openai`` SDK; calling it again changes nothing (idempotent)."""
    instrumentor = OpenAIErrorTelemetryInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(**options)
    return instrumentor


def uninstrument() -> None:
    """Restore the SDK's original methods; calling it again changes nothing."""
    instrumentor = OpenAIErrorTelemetryInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
