"""Where the demo's telemetry goes: a Prometheus endpoint, the live view, and OTLP if asked.

One ``MeterProvider`` feeds three readers: the Prometheus exporter (scraped over HTTP on
127.0.0.1), an in-memory reader the live view and the summary read, and, when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, a periodic OTLP exporter. The summary therefore
shows exactly the metric points a scrape or a collector receives. Traces and the
structlog failure events go out over OTLP only when that variable is set.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections import Counter
from collections.abc import MutableMapping
from typing import Any, Optional

import structlog
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    InMemoryMetricReader,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from ..telemetry.logs import LOGGER_NAME
from ..telemetry.shutdown import shutdown_telemetry

ENV_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
ENV_OTLP_PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL"
ENV_METRIC_INTERVAL = "OTEL_METRIC_EXPORT_INTERVAL"
SERVICE_NAME = "openai-error-telemetry-demo"
# A demo lasts a minute: the SDK's default 60 s export interval would show one point.
DEFAULT_OTLP_INTERVAL_MS = 5000
# The last OTLP flush may take this long; a collector that is down must not hold the exit
# for the exporters' full retry schedule (about 20 s).
FLUSH_BUDGET_S = 5.0

_SEVERITY = {"warning": SeverityNumber.WARN, "error": SeverityNumber.ERROR}


def _resource() -> Resource:
    """``service.name`` is ours unless the environment names the service."""
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    return Resource.create({} if named else {"service.name": SERVICE_NAME})


def _otlp_exporters(protocol: str) -> tuple[Any, Any, Any]:
    """(span, metric, log) exporters for ``http/protobuf`` (the default) or ``grpc``.

    They read ``OTEL_EXPORTER_OTLP_*`` (endpoint, headers, timeout) themselves.
    """
    base = "opentelemetry.exporter.otlp.proto." + ("grpc" if protocol == "grpc" else "http")
    spans = importlib.import_module(f"{base}.trace_exporter").OTLPSpanExporter()
    metrics = importlib.import_module(f"{base}.metric_exporter").OTLPMetricExporter()
    logs = importlib.import_module(f"{base}._log_exporter").OTLPLogExporter()
    return spans, metrics, logs


def _otlp_interval_ms() -> int:
    try:
        value = int(os.environ.get(ENV_METRIC_INTERVAL, ""))
    except ValueError:
        return DEFAULT_OTLP_INTERVAL_MS
    return value if value > 0 else DEFAULT_OTLP_INTERVAL_MS


class LogSink:
    """The last structlog processor: counts each failure event, sends it on or drops it.

    Without OTLP the events are only counted: printing them would scroll the live
    view away. ``None`` fields are left out (OTLP attributes cannot be null).
    """

    def __init__(self, logger_provider: Optional[LoggerProvider]) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._logger = (
            logger_provider.get_logger(LOGGER_NAME) if logger_provider is not None else None
        )

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> Any:
        event = str(event_dict.pop("event", ""))
        with self._lock:
            self.counts[event] += 1
        if self._logger is not None:
            attributes = {
                key: value for key, value in event_dict.items()
                if isinstance(value, (str, bool, int, float))
            }
            attributes["event.name"] = event
            self._logger.emit(LogRecord(
                timestamp=time.time_ns(),
                severity_text=method_name.upper(),
                severity_number=_SEVERITY.get(method_name, SeverityNumber.ERROR),
                body=event,
                attributes=attributes,
            ))
        raise structlog.DropEvent


class Pipeline:
    """The providers and readers of one demo run; ``shutdown`` flushes and stops them."""

    def __init__(self, metrics_port: int) -> None:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import REGISTRY, start_http_server

        self.otlp_endpoint: Optional[str] = os.environ.get(ENV_OTLP_ENDPOINT) or None
        resource = _resource()
        self.reader = InMemoryMetricReader()
        self._prometheus = PrometheusMetricReader()
        readers: list[MetricReader] = [self.reader, self._prometheus]
        self.tracer_provider: Optional[TracerProvider] = None
        self.logger_provider: Optional[LoggerProvider] = None
        if self.otlp_endpoint is not None:
            protocol = os.environ.get(ENV_OTLP_PROTOCOL, "http/protobuf").strip()
            spans, metrics, logs = _otlp_exporters(protocol)
            readers.append(PeriodicExportingMetricReader(
                metrics, export_interval_millis=_otlp_interval_ms()
            ))
            self.tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
            self.tracer_provider.add_span_processor(BatchSpanProcessor(spans))
            self.logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
            self.logger_provider.add_log_record_processor(BatchLogRecordProcessor(logs))
        self.meter_provider = MeterProvider(
            metric_readers=readers, resource=resource, shutdown_on_exit=False
        )
        try:
            self._http, self._http_thread = start_http_server(
                metrics_port, addr="127.0.0.1", registry=REGISTRY
            )
        except OSError:
            self._shutdown_providers()
            raise
        self.logs = LogSink(self.logger_provider)
        structlog.configure(processors=[structlog.processors.add_log_level, self.logs])
        self.metrics_url = f"http://127.0.0.1:{self._http.server_port}/metrics"

    def stop_serving(self) -> None:
        """Close the Prometheus endpoint."""
        self._http.shutdown()
        self._http.server_close()

    def shutdown(self) -> bool:
        """Close the endpoint, flush OTLP and stop every provider, within ``FLUSH_BUDGET_S``.

        Returns False when a flush was still running at the end of the budget (it goes on
        in a daemon thread and dies with the process).
        """
        self.stop_serving()
        return self._shutdown_providers()

    def _shutdown_providers(self) -> bool:
        providers = [self.meter_provider, self.tracer_provider, self.logger_provider]
        return shutdown_telemetry(*(p for p in providers if p is not None),
                                  timeout_s=FLUSH_BUDGET_S)
