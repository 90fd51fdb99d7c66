"""What the hooks need at call time, built once by ``instrument()``.

The hooks read the current ``Runtime`` from here; when it is None (uninstrumented, or
a wrapper left in place under someone else's) they pass calls straight through.
"""

from __future__ import annotations

from typing import Optional

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

    __slots__ = ("instruments", "layout", "pages", "recorder", "settings", "tracer",
                 "tracker")

    def __init__(
        self,
        tracer: Tracer,
        instruments: Instruments,
        settings: Settings,
        layout: SdkLayout,
        exception_logger: Optional[Logger] = None,
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


_runtime: Optional[Runtime] = None

def get_runtime() -> Optional[Runtime]:
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
