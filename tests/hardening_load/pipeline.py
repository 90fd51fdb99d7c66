"""The application's telemetry pipeline, as a user sets it up, pointed at any backend.

Real OTLP exporters (HTTP/protobuf or gRPC) behind the SDK's batching parts: a
``BatchSpanProcessor``, a ``PeriodicExportingMetricReader``, a ``BatchLogRecordProcessor``
fed by the structlog failure events (the demo's ``LogSink``). Short delays make the
exporters busy within a test; the export timeout is the one setting shutdown depends on.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

import structlog
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import openai_error_telemetry
from openai_error_telemetry.demo.pipeline import LogSink
from openai_error_telemetry.instrumentation import guard

_SIGNALS = (("trace_exporter", "OTLPSpanExporter", "traces"),
            ("metric_exporter", "OTLPMetricExporter", "metrics"),
            ("_log_exporter", "OTLPLogExporter", "logs"))


def exporters(protocol: str, address: str, timeout_s: float) -> list[Any]:
    """(span, metric, log) OTLP exporters of ``protocol`` ("http" or "grpc") at ``address``."""
    found = []
    for module, name, path in _SIGNALS:
        cls = getattr(importlib.import_module(
            f"opentelemetry.exporter.otlp.proto.{protocol}.{module}"), name)
        if protocol == "grpc":
            found.append(cls(endpoint=f"http://{address}", insecure=True, timeout=timeout_s))
        else:
            found.append(cls(endpoint=f"http://{address}/v1/{path}", timeout=timeout_s))
    return found


class Pipeline:
    """Tracer, meter and logger providers exporting over OTLP to ``address``."""

    def __init__(self, protocol: str, address: str, timeout_s: float, *,
                 max_queue_size: int = 2048, max_export_batch_size: int = 512,
                 internal_metrics: Optional[MeterProvider] = None) -> None:
        spans, metrics, logs = exporters(protocol, address, timeout_s)
        # signal -> idents of the threads each export ran on (recorded at its start)
        self.export_threads: dict[str, set[int]] = {}
        for signal, exporter in (("traces", spans), ("metrics", metrics), ("logs", logs)):
            self._record_threads(signal, exporter)
        timeout_ms = int(timeout_s * 1000)
        self.tracer_provider = TracerProvider(shutdown_on_exit=False)
        self.tracer_provider.add_span_processor(BatchSpanProcessor(
            spans, max_queue_size=max_queue_size, schedule_delay_millis=50,
            max_export_batch_size=max_export_batch_size, export_timeout_millis=timeout_ms,
            meter_provider=internal_metrics,
        ))
        self.meter_provider = MeterProvider(
            metric_readers=[PeriodicExportingMetricReader(
                metrics, export_interval_millis=100, export_timeout_millis=timeout_ms)],
            shutdown_on_exit=False,
        )
        self.logger_provider = LoggerProvider(shutdown_on_exit=False)
        self.logger_provider.add_log_record_processor(BatchLogRecordProcessor(
            logs, schedule_delay_millis=50, export_timeout_millis=timeout_ms))

    def _record_threads(self, signal: str, exporter: Any) -> None:
        threads = self.export_threads.setdefault(signal, set())
        export = exporter.export

        @functools.wraps(export)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            threads.add(threading.get_ident())
            return export(*args, **kwargs)

        exporter.export = recorded  # the instance attribute wins over the method

    @property
    def providers(self) -> tuple[Any, Any, Any]:
        return self.tracer_provider, self.meter_provider, self.logger_provider


@contextmanager
def instrumented_into(tracer_provider: Any, meter_provider: Any,
                      logger_provider: Optional[LoggerProvider] = None) -> Iterator[LogSink]:
    """``instrument()`` into these providers, structlog events into the log pipeline."""
    saved = structlog.get_config()
    sink = LogSink(logger_provider)
    structlog.configure(processors=[structlog.processors.add_log_level, sink])
    guard.reset_reports()
    openai_error_telemetry.instrument(tracer_provider=tracer_provider,
                                      meter_provider=meter_provider)
    try:
        yield sink
    finally:
        openai_error_telemetry.uninstrument()
        structlog.configure(**saved)
