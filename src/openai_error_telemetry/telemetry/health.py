"""How many of OpenAI's health alerts are triggered, as this process heard by webhook.

Each ``health.alert.triggered`` webhook adds its alert's id, each ``resolved`` removes
it; the ``openai.health.alerts.active`` gauge reports how many are held, read at
collection time, from the first such webhook on (before it, the gauge reports nothing:
an application that receives no health webhooks does not claim zero alerts).
Redeliveries change nothing (a set of ids). Bounded: at most
``MAX_ACTIVE`` ids, the oldest forgotten first. Webhooks reach one replica each, so the
dashboards read ``max`` across processes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from weakref import WeakKeyDictionary

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from ..forksafe import new_lock
from . import semconv
from .gauges import Registry, once_per_meter

MAX_ACTIVE = 256


class HealthAlertState:
    """The ids of OpenAI health alerts triggered and not yet resolved."""

    def __init__(self) -> None:
        self._active: OrderedDict[str, None] = OrderedDict()
        self.heard = False  # no webhook yet: the gauge reports nothing, not a false 0
        self._lock = new_lock(self)

    def __len__(self) -> int:
        return len(self._active)

    def update(self, alert_id: str, state: str) -> bool:
        """Record a webhook's news; True when it changed what is known."""
        with self._lock:
            self.heard = True
            if state == "resolved":
                if alert_id not in self._active:
                    return False
                del self._active[alert_id]
                return True
            if alert_id in self._active:
                return False
            self._active[alert_id] = None
            while len(self._active) > MAX_ACTIVE:
                self._active.popitem(last=False)
            return True


class _Gauge:
    def __init__(self, meter: Meter, names: semconv.OwnNames) -> None:
        self.state = HealthAlertState()
        meter.create_observable_gauge(
            names.metric_health_alerts_active, callbacks=[self._observe], unit="{alert}",
            description="OpenAI health alerts triggered and not resolved, from webhooks.",
        )

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        state = self.state
        return [Observation(len(state))] if state.heard else []


_GAUGES: Registry[_Gauge] = WeakKeyDictionary()


def health_alert_state(meter: Meter, names: semconv.OwnNames) -> HealthAlertState:
    """A fresh state, read by ``meter``'s health-alert gauge from now on."""
    gauge = once_per_meter(_GAUGES, meter, names, lambda: _Gauge(meter, names))
    gauge.state = HealthAlertState()
    return gauge.state
