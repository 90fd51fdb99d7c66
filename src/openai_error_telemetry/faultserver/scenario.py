"""Scenarios: which faults a request gets by chance, and how that changes over time.

A scenario is a list of phases; each phase lasts ``duration`` seconds (the last may last
forever) and gives each fault a rate (probability per request). Phases let a demo stage a
spike: calm, then 40 % ``rate_limited`` for 20 s, then calm again. Faults are written the
same way as in the ``x-fault`` header, so ``stream_cut;after=3`` can be given a rate too.

File format (TOML, or JSON with the same structure)::

    seed = 7            # optional: the same dice every run
    loop = true         # optional: start over after the last phase
    [[phase]]
    name = "calm"
    duration = 30
    rates = { server_error = 0.01 }
    [[phase]]
    name = "spike"
    duration = 20
    rates = { rate_limited = 0.4, "stream_cut;after=3" = 0.05 }
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .control import FaultSpec, FaultSpecError, parse_fault_spec
from .faults import checked

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python < 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]


class ScenarioError(ValueError):
    """A scenario that cannot be run: bad rates, bad phases, unknown faults."""


@dataclass(frozen=True)
class Phase:
    """A stretch of time with fixed fault rates; ``duration`` None lasts forever."""

    name: str
    duration: Optional[float]
    rates: tuple[tuple[FaultSpec, float], ...]


@dataclass(frozen=True)
class Scenario:
    """Phases in order; ``pick`` rolls the dice for one request."""

    phases: tuple[Phase, ...]
    loop: bool = False
    seed: Optional[int] = None

    def phase_at(self, elapsed: float) -> Phase:
        """The phase in force ``elapsed`` seconds after start."""
        total = sum(p.duration or 0.0 for p in self.phases)
        if self.loop and total > 0 and all(p.duration for p in self.phases):
            elapsed %= total
        for phase in self.phases:
            if phase.duration is None or elapsed < phase.duration:
                return phase
            elapsed -= phase.duration
        return self.phases[-1]

    def pick(self, elapsed: float, rng: random.Random) -> Optional[FaultSpec]:
        """A fault for this request by its phase's rates, or None for a normal answer."""
        rates = self.phase_at(elapsed).rates
        if not rates:
            return None
        roll = rng.random()
        for spec, rate in rates:
            if roll < rate:
                return spec
            roll -= rate
        return None


NO_FAULTS = Scenario(phases=(Phase("calm", None, ()),))


def _rates(raw: Mapping[str, Any], where: str) -> tuple[tuple[FaultSpec, float], ...]:
    rates = []
    for text, value in raw.items():
        try:
            spec = parse_fault_spec(str(text))
            checked(spec)
        except FaultSpecError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if spec.times is not None:
            raise ScenarioError(f"{where}: times= belongs in the x-fault header, not a rate")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ScenarioError(f"{where}: rate for {text!r} must be a number in [0, 1]")
        rates.append((spec, float(value)))
    if sum(rate for _, rate in rates) > 1 + 1e-9:
        raise ScenarioError(f"{where}: rates add up to more than 1")
    return tuple(rates)


def _phase(raw: Any, index: int, last: bool) -> Phase:
    where = f"phase {index + 1}"
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a table")
    duration = raw.get("duration")
    if duration is None and not last:
        raise ScenarioError(f"{where}: only the last phase may omit duration")
    if duration is not None and (isinstance(duration, bool)
                                 or not isinstance(duration, (int, float)) or duration <= 0):
        raise ScenarioError(f"{where}: duration must be a number of seconds > 0")
    rates = raw.get("rates", {})
    if not isinstance(rates, Mapping):
        raise ScenarioError(f"{where}: rates must be a table of fault = rate")
    name = str(raw.get("name", f"phase{index + 1}"))
    return Phase(name, None if duration is None else float(duration), _rates(rates, where))


def scenario_from_mapping(raw: Mapping[str, Any]) -> Scenario:
    """Build a scenario from parsed TOML/JSON (see the module docstring for the shape)."""
    phases_raw = raw.get("phase", raw.get("phases"))
    if phases_raw is None and "rates" in raw:
        phases_raw = [{"rates": raw["rates"]}]
    if not isinstance(phases_raw, Sequence) or isinstance(phases_raw, str) or not phases_raw:
        raise ScenarioError("a scenario needs at least one [[phase]] (or a top-level rates)")
    phases = tuple(
        _phase(p, i, i == len(phases_raw) - 1) for i, p in enumerate(phases_raw)
    )
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ScenarioError("seed must be an integer")
    return Scenario(phases=phases, loop=bool(raw.get("loop", False)), seed=seed)


def load_scenario(path: Path) -> Scenario:
    """Read a ``.toml`` or ``.json`` scenario file."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{path}: expected a table at the top level")
    return scenario_from_mapping(raw)


def scenario_from_flags(items: Iterable[str], seed: Optional[int] = None) -> Scenario:
    """One endless phase from ``--fault SPEC:RATE`` flags (e.g. ``rate_limited:0.1``)."""
    rates: dict[str, float] = {}
    for item in items:
        text, sep, rate = item.rpartition(":")
        if not sep:
            raise ScenarioError(f"--fault {item!r}: expected FAULT:RATE, e.g. server_error:0.05")
        try:
            rates[text] = float(rate)
        except ValueError:
            raise ScenarioError(f"--fault {item!r}: {rate!r} is not a number") from None
    return Scenario(phases=(Phase("flags", None, _rates(rates, "--fault")),), seed=seed)
