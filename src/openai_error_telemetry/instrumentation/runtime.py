"""What the hooks need at call time, built once by ``instrument()``.

The hooks read the current ``Runtime`` from here; when it is None (uninstrumented, or
a wrapper left in place under someone else's) they pass calls straight through.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Optional

from opentelemetry.trace import Tracer

from ..telemetry.metrics import Instruments
from .background import BackgroundTracker
from .config import Settings
from .sdk import SdkLayout

if TYPE_CHECKING:
    from .operation import Operation


class Runtime:
    """Tracer, instruments, settings, SDK layout and the background-job tracker."""

    __slots__ = ("instruments", "layout", "settings", "tracer", "tracker")

    def __init__(
        self,
        tracer: Tracer,
        instruments: Instruments,
        settings: Settings,
        layout: SdkLayout,
    ) -> None:
        self.tracer = tracer
        self.instruments = instruments
        self.settings = settings
        self.layout = layout
        self.tracker = BackgroundTracker(settings.background_max_tracked)


_runtime: Optional[Runtime] = None

# The operation whose request() is running in this thread or task: the attempt and
# retry hooks, deeper in the same call, attach to it.
CURRENT: ContextVar[Optional[Operation]] = ContextVar(
    "openai_error_telemetry_operation", default=None
)


def get_runtime() -> Optional[Runtime]:
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
