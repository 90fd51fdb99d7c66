"""Rate-limit gauges read when the metrics are collected, not set on every call.

A synchronous gauge point costs the SDK's attribute hashing, aggregation and exemplar
offer on the caller's thread, and a success with all four ``x-ratelimit-*`` headers
made four of them. Here a call only keeps its answer's headers (the few the classifier
reads, already picked out) as the latest of its series, a dict store; the observable
gauges' callbacks parse the numbers and turn them into points once per collection.
Every series seen is reported at every collection, so none goes stale while the process
lives. A number the latest answer leaves out keeps the value last collected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Optional
from weakref import WeakKeyDictionary

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from ..classify.headers import HeaderMap, rate_limit_numbers
from . import semconv
from .attributes import Attributes
from .gauges import Registry, once_per_meter

MAX_SERIES = 256  # (kind, server, model) triples kept; the oldest is forgotten first

_Series = tuple[str, str, Optional[str], Optional[str]]  # kind, server, model, provider
_Source = tuple[str, Optional[str], Optional[str]]  # server, model, provider


class RateLimitState:
    """The latest ``remaining`` and ``limit`` per series, written by calls, read by callbacks."""

    __slots__ = ("answers", "attributes", "kind_name", "limit", "remaining")

    def __init__(self, kind_name: str = semconv.OPENAI_RATELIMIT_KIND) -> None:
        self.kind_name = kind_name  # the rate-limit kind's attribute name in this mode
        # each source's latest answer's headers, parsed at every collection (bounded)
        self.answers: dict[_Source, HeaderMap] = {}
        self.remaining: dict[_Series, float] = {}
        self.limit: dict[_Series, float] = {}
        self.attributes: dict[_Series, Attributes] = {}

    def answered(self, server: str, model: Optional[str], headers: HeaderMap,
                 provider: Optional[str] = None) -> None:
        """Keep an answer's headers (``headers.normalize``'s pick) for the next collection."""
        answers = self.answers
        source = (server, model, provider)
        if source not in answers and len(answers) >= MAX_SERIES:
            # another thread may change the dict under the iterator: this call then leaves
            # the rest of the eviction to the next new source
            with contextlib.suppress(RuntimeError):
                while len(answers) >= MAX_SERIES:
                    answers.pop(next(iter(answers)), None)
        answers[source] = headers

    def _read_answers(self) -> None:
        """The numbers of each source's latest answer, into the series. The answers stay
        (read again at the next collection, the same numbers): taking them away would
        race with a call storing a newer one, and a lock would cost every call."""
        # list(): one atomic copy, so calls may go on storing while we read
        for (server, model, provider), headers in list(self.answers.items()):
            self.update(server, model, rate_limit_numbers(headers), provider)

    def update(self, server: str, model: Optional[str],
               numbers: Mapping[tuple[str, str], float], provider: Optional[str] = None) -> None:
        """Store what one answer's headers said (``{(kind, field): value}``)."""
        for (kind, field), value in numbers.items():
            series = (kind, server, model, provider)
            if series not in self.attributes:
                self._add(series)
            (self.remaining if field == "remaining" else self.limit)[series] = value

    def _add(self, series: _Series) -> None:
        if len(self.attributes) >= MAX_SERIES:
            oldest = next(iter(self.attributes))
            for table in (self.attributes, self.remaining, self.limit):
                table.pop(oldest, None)
        kind, server, model, provider = series
        attributes: Attributes = {
            self.kind_name: kind,
            semconv.SERVER_ADDRESS: server,
        }
        if model is not None:
            attributes[semconv.GEN_AI_REQUEST_MODEL] = model
        if provider is not None:
            attributes[semconv.GEN_AI_PROVIDER_NAME] = provider
        self.attributes[series] = attributes

    def _observe(self, values: dict[_Series, float]) -> Iterable[Observation]:
        attributes = self.attributes
        # list(): one atomic copy, so calls may go on writing while we read
        return [Observation(value, attributes.get(series))
                for series, value in list(values.items())]


class RateLimitGauges:
    """The two observable gauges of one meter; ``state`` is swapped by each instrument()."""

    def __init__(self, meter: Meter, names: semconv.OwnNames) -> None:
        self.state = RateLimitState(names.ratelimit_kind)
        meter.create_observable_gauge(
            names.metric_ratelimit_remaining, callbacks=[self._remaining], unit="{1}",
            description="x-ratelimit-remaining-* of the latest response.",
        )
        meter.create_observable_gauge(
            names.metric_ratelimit_limit, callbacks=[self._limit], unit="{1}",
            description="x-ratelimit-limit-* of the latest response.",
        )

    def _remaining(self, options: CallbackOptions) -> Iterable[Observation]:
        self.state._read_answers()
        return self.state._observe(self.state.remaining)

    def _limit(self, options: CallbackOptions) -> Iterable[Observation]:
        self.state._read_answers()
        return self.state._observe(self.state.limit)


_GAUGES: Registry[RateLimitGauges] = WeakKeyDictionary()


def rate_limit_state(meter: Meter,
                     names: semconv.OwnNames = semconv.OLDER_NAMES) -> RateLimitState:
    """A fresh state, read by ``meter``'s rate-limit gauges from now on."""
    gauges = once_per_meter(_GAUGES, meter, names, lambda: RateLimitGauges(meter, names))
    gauges.state = RateLimitState(names.ratelimit_kind)
    return gauges.state
