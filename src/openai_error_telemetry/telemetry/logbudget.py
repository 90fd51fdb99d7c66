"""How many failure log events a storm writes: at most ``RATE`` a second per event and code.

A rate-limit storm is thousands of failed attempts a minute. The metrics count every
one and each retried call keeps its spans; a log line for each would cost the
application more than the storm tells. So each (event, code) pair logs at most ``RATE``
events a second, in bursts of up to ``BURST``; the events left out are counted, and the
next one logged says how many (its ``suppressed`` field). Bounded: the keys are event
names times codes, closed sets, and at most ``MAX_KEYS`` are kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Optional

from ..forksafe import new_lock

RATE = 10.0  # events a second, per event name and code
BURST = 20.0
MAX_KEYS = 256


class _Bucket:
    __slots__ = ("stamp", "suppressed", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp
        self.suppressed = 0


class LogBudget:
    """A token bucket per key; ``admit`` says whether to log and how many were left out."""

    def __init__(self, rate: float = RATE, burst: float = BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()
        self._lock = new_lock(self)

    def admit(self, event: str, code: str) -> Optional[int]:
        """None: leave this event out (it is counted). Else log it, saying how many
        events of its key were left out since the last one logged."""
        key = (event, code)
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
                while len(self._buckets) > MAX_KEYS:
                    self._buckets.popitem(last=False)
            else:
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
                bucket.stamp = now
            if bucket.tokens < 1.0:
                bucket.suppressed += 1
                return None
            bucket.tokens -= 1.0
            left_out, bucket.suppressed = bucket.suppressed, 0
            return left_out

    def __len__(self) -> int:
        return len(self._buckets)
