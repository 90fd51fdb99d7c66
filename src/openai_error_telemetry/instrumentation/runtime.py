"""What the hooks need at call time, built once by ``instrument()``.

The hooks read the current ``Runtime`` from here; when it is None (uninstrumented, or
a wrapper left in place under someone else's) they pass calls straight through.
"""

from __future__ import annotations

import logging
from typing import Optional

from opentelemetry import metrics, trace
from opentelemetry._logs import Logger
from opentelemetry.trace import Tracer

from ..telemetry.metrics import Instruments
from ..telemetry.recorder import Recorder
from .config import Settings
from .jobs import JobTracker
from .resources import PageNames
from .sdk import SdkLayout


class Runtime:
    """Tracer, instruments, the recorder, settings, SDK layout, the job tracker and the
    names of paginated listings."""

    __slots__ = ("instruments", "layout", "pages", "providers_unchecked", "recorder",
                 "settings", "tracer", "tracker")

    def __init__(
        self,
        tracer: Tracer,
        instruments: Instruments,
        settings: Settings,
        layout: SdkLayout,
        exception_logger: Optional[Logger] = None,
        explicit_providers: bool = False,
    ) -> None:
        self.tracer = tracer
        self.instruments = instruments
        self.settings = settings
        self.layout = layout
        self.tracker = JobTracker(settings.background_max_tracked)
        self.recorder = Recorder(tracer, instruments, logs=settings.logs,
                                 record_exceptions=settings.record_exceptions,
                                 exception_logger=exception_logger)
        self.pages = PageNames(layout.page_types)
        # at the first call, whether anything will export what we record
        self.providers_unchecked = not explicit_providers

    def check_providers(self) -> None:
        """Warn once when no OpenTelemetry SDK provider was ever set: the API's proxies
        then drop every span and metric point (only the structlog events remain). Checked
        at the first call, not at ``instrument()``: setting the providers after
        ``instrument()`` is fine, the proxies then forward to them."""
        self.providers_unchecked = False
        if (isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
                and type(metrics.get_meter_provider()).__name__ == "_ProxyMeterProvider"):
            _warn_once(
                "openai_error_telemetry: no OpenTelemetry SDK is configured: spans and "
                "metrics of OpenAI calls go nowhere. Set a TracerProvider and a "
                "MeterProvider (opentelemetry.sdk, trace.set_tracer_provider / "
                "metrics.set_meter_provider), pass tracer_provider= and meter_provider= "
                "to instrument(), or run under opentelemetry-instrument "
                "(docs/configuration.md).")


_runtime: Optional[Runtime] = None
_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message in _warned:
        return
    _warned.add(message)
    logging.getLogger("openai_error_telemetry.instrumentation").warning(message)


def get_runtime() -> Optional[Runtime]:
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
