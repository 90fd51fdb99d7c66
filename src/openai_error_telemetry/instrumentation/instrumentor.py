"""The ``BaseInstrumentor``: what ``opentelemetry-instrument`` and ``instrument()`` call."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)

from .. import __version__
from ..telemetry import semconv
from ..telemetry.events import exception_logger
from ..telemetry.metrics import create_instruments
from . import patches, runtime, sdk
from .config import load_settings

_INSTRUMENTS = ("openai >= 1.76",)


class OpenAIErrorTelemetryInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Spans, metrics and logs with a stable error code for every OpenAI call and attempt.

    Keyword arguments of ``instrument()``: ``tracer_provider``, ``meter_provider``,
    ``logger_provider`` (for the ``gen_ai.client.operation.exception`` log events),
    ``retry_guard``, ``record_exceptions``, ``logs``, ``latest_genai_names``,
    ``background_max_tracked`` (see docs/configuration.md).
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        layout = sdk.detect()
        settings = load_settings(kwargs)
        tracer = trace.get_tracer(
            "openai_error_telemetry", __version__, kwargs.get("tracer_provider"),
            schema_url=semconv.SCHEMA_URL,
        )
        instruments = create_instruments(
            kwargs.get("meter_provider"), settings.latest_genai_names
        )
        runtime.set_runtime(runtime.Runtime(
            tracer, instruments, settings, layout,
            exception_logger(kwargs.get("logger_provider")),
            explicit_providers=kwargs.get("tracer_provider") is not None
            or kwargs.get("meter_provider") is not None,
        ))
        self._patches: list[patches.Patch] = patches.apply(layout, settings)

    def _uninstrument(self, **kwargs: Any) -> None:
        patches.remove(getattr(self, "_patches", []))
        self._patches = []
        runtime.set_runtime(None)
