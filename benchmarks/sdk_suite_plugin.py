"""pytest plugin: the SDK's own test suite, run with openai-error-telemetry on.

Loaded with ``-p sdk_suite_plugin`` (``benchmarks/`` on ``PYTHONPATH``) by
``benchmarks/sdk_suite.py``. It instruments the SDK before any test imports a client, with
real OpenTelemetry SDK providers whose exporters count what they are given and keep
nothing, so that the suite runs exactly as a user's program would with us on. At the end
each process appends how many spans it saw to ``$SDK_SUITE_SPANS``: proof that we were on.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from openai_error_telemetry.instrumentation import instrument


class CountingExporter(SpanExporter):
    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


EXPORTER = CountingExporter()


def pytest_configure(config: Any) -> None:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)


def pytest_unconfigure(config: Any) -> None:
    target = os.environ.get("SDK_SUITE_SPANS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(f"{EXPORTER.spans}\n")
