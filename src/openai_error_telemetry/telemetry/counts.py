"""Counters kept as plain integers per attribute set, reported at collection time.

A synchronous ``Counter.add`` pays, on the caller's thread, for the SDK's measurement,
its attribute hashing (recursive, per value), the aggregation and the exemplar offer.
A count of ours is an integer in a dict under a lock held for the increment; an
observable counter's callback turns the totals into points once per collection. The
exported points are the same cumulative sums a ``Counter`` gives (the SDK derives deltas
for exporters that want them). Series are bounded like the SDK's own (2,000 per
instrument); past the bound, new attribute sets go to one ``otel.metric.overflow`` series.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Optional
from weakref import WeakKeyDictionary

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from ..forksafe import new_lock
from .attributes import AttributeValue

MAX_SERIES = 2000
_OVERFLOW: tuple[tuple[str, AttributeValue], ...] = (("otel.metric.overflow", True),)

_Key = tuple[tuple[str, AttributeValue], ...]


class Totals:
    """The running totals of one counter; ``add`` has a synchronous counter's signature."""

    __slots__ = ("__weakref__", "_lock", "_totals")

    def __init__(self) -> None:
        self._totals: dict[_Key, int] = {}
        self._lock = new_lock(self)

    def add(self, amount: int, attributes: Optional[Mapping[str, AttributeValue]] = None) -> None:
        key: _Key = tuple(attributes.items()) if attributes else ()
        with self._lock:
            totals = self._totals
            total = totals.get(key)
            if total is None:
                total = 0
                if len(totals) >= MAX_SERIES:
                    key = _OVERFLOW
                    total = totals.get(key, 0)
            totals[key] = total + amount

    def observe(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            items = list(self._totals.items())
        return [Observation(total, dict(key)) for key, total in items]


class _Counter:
    """One observable counter of a meter, reading whichever ``Totals`` is current."""

    def __init__(self, meter: Meter, name: str, unit: str, description: str) -> None:
        self.totals = Totals()
        meter.create_observable_counter(name, callbacks=[self._observe], unit=unit,
                                        description=description)

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        return self.totals.observe(options)


# A meter hands back its first instrument of a name (and keeps its callbacks) when asked
# again, so each counter is made once per meter and a new instrument() gets new totals.
_COUNTERS: WeakKeyDictionary[Meter, dict[str, _Counter]] = WeakKeyDictionary()


def observable_totals(meter: Meter, name: str, *, unit: str, description: str) -> Totals:
    """Fresh totals, reported from now on by ``meter``'s observable counter ``name``."""
    counters: Optional[dict[str, _Counter]]
    try:
        counters = _COUNTERS.get(meter)
    except TypeError:  # a meter that cannot be weakly referenced: no reuse
        counters = None
    if counters is None:
        counters = {}
        with contextlib.suppress(TypeError):
            _COUNTERS[meter] = counters
    counter = counters.get(name)
    if counter is None:
        counter = counters[name] = _Counter(meter, name, unit, description)
    counter.totals = Totals()
    return counter.totals
