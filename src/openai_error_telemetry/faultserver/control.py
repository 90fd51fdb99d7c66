"""Per-request control: the ``x-fault`` header and its ``times=N`` countdown.

Tests must be deterministic, so a caller can name the fault a request gets instead of
leaving it to the scenario's dice: ``x-fault: <fault>[=<arg>][;times=N][;key=value...]``.
``times=N`` fires the fault for the first N requests that carry the same header value and
the same ``x-fault-key`` header, then lets requests through; the countdown lives here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

FAULT_HEADER = "x-fault"
FAULT_KEY_HEADER = "x-fault-key"
MAX_COUNTDOWNS = 10_000


class FaultSpecError(ValueError):
    """The ``x-fault`` text (or a scenario key) does not parse or names no fault."""


@dataclass(frozen=True)
class FaultSpec:
    """One fault as asked for: its name, its ``=arg``, its ``key=value`` parameters."""

    name: str
    arg: Optional[str] = None
    params: Mapping[str, str] = field(default_factory=dict)
    times: Optional[int] = None
    text: str = ""

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        return self.params.get(key, default)

    def number(self, key: str, default: float) -> float:
        """A non-negative number parameter; a bad value is the caller's error, not ours."""
        raw = self.params.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise FaultSpecError(f"{key}={raw!r} is not a number") from None
        if not value >= 0 or value == float("inf"):
            raise FaultSpecError(f"{key}={raw!r} must be a finite number >= 0")
        return value

    def count(self, key: str, default: int) -> int:
        return int(self.number(key, default))


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse ``name[=arg][;times=N][;key=value...]``; the name is checked by the caller."""
    parts = [part.strip() for part in text.split(";")]
    head = parts[0]
    if not head:
        raise FaultSpecError("empty fault name")
    name, _, arg = head.partition("=")
    params: dict[str, str] = {}
    for part in parts[1:]:
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise FaultSpecError(f"parameter {part!r} is not key=value")
        params[key.strip().lower()] = value.strip()
    times: Optional[int] = None
    if "times" in params:
        raw = params.pop("times")
        if not raw.isdigit():
            raise FaultSpecError(f"times={raw!r} is not a whole number")
        times = int(raw)
    return FaultSpec(
        name=name.strip().lower(),
        arg=arg.strip() or None,
        params=params,
        times=times,
        text=text.strip(),
    )


class Countdown:
    """How many more times each ``times=N`` fault fires; bounded, oldest keys forgotten."""

    def __init__(self, max_keys: int = MAX_COUNTDOWNS) -> None:
        self._left: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._max_keys = max_keys

    def fire(self, spec: FaultSpec, key: str) -> bool:
        """True when this request gets the fault; spends one of its ``times``."""
        if spec.times is None:
            return True
        slot = (spec.text, key)
        left = self._left.pop(slot, spec.times)
        self._left[slot] = max(left - 1, 0)
        while len(self._left) > self._max_keys:
            self._left.popitem(last=False)
        return left > 0

    def reset(self) -> None:
        self._left.clear()

    def __len__(self) -> int:
        return len(self._left)
