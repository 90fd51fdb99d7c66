"""Observable gauges made once per meter and naming mode; their state is fresh per
``instrument()``.

A meter hands back its first instrument of a name (and keeps its callbacks) when asked
again, so a second ``instrument()`` on the same meter must reuse the gauges and only swap
the state they read.
"""

from __future__ import annotations

from typing import Callable, TypeVar
from weakref import WeakKeyDictionary

from opentelemetry.metrics import Meter

from .semconv import OwnNames

G = TypeVar("G")
Registry = WeakKeyDictionary[Meter, dict[OwnNames, G]]


def once_per_meter(registry: Registry[G], meter: Meter, names: OwnNames,
                   make: Callable[[], G]) -> G:
    """The gauges ``make()`` built the first time for this meter and naming mode."""
    try:
        by_names = registry.setdefault(meter, {})
    except TypeError:  # a meter that cannot be weakly referenced: no reuse
        by_names = {}
    gauges = by_names.get(names)
    if gauges is None:
        gauges = by_names[names] = make()
    return gauges
