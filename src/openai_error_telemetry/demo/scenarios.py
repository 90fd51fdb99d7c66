"""The demo's built-in scenarios: fault-server phases sized to the run's duration.

Each scenario is a list of (name, share of the duration, rates). ``server_scenario``
turns it into the fault server's scenario mapping (seconds, not shares), so the spike
lands at the same point of the story however long the run is. Only faults that show on
an HTTP attempt are staged here; stream and background faults come from the workload's
own dice (``x-fault`` header), because a scenario cannot know which request streams.

A phase may also change the load: ``surge`` makes the callers pause that many times less
between calls and ``max_tokens`` makes chat calls ask for longer answers, so the fault
server's real token limiter (``SERVER_TPM``) runs dry and the 429s and the headroom come
from load, the way a batch job starting up makes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

Rates = Mapping[str, float]

# A low background of failures so no phase is perfectly clean.
_BASELINE: Rates = {"server_error": 0.005}
# The fault server's tokens-per-minute limit per model, in buckets of 5 s: the calm
# workload (32-token answers) uses a fifth of it; the spike's long answers run it dry.
SERVER_TPM = 200_000
SERVER_BURST_S = 5
CALM_MAX_TOKENS = 32


@dataclass(frozen=True)
class Load:
    """How hard the callers push: a traffic multiplier and chat calls' ``max_tokens``;
    ``own_faults``: whether the callers ask for the faults a scenario cannot place
    (stream cuts, failing background jobs and agent turns)."""

    surge: float = 1.0
    max_tokens: int = CALM_MAX_TOKENS
    own_faults: bool = True


CALM = Load()
# A calm phase is calm: no stream cut, no failing job, only the low baseline of server
# errors every phase has. (So the demo can show alerts staying quiet.)
QUIET = Load(own_faults=False)


@dataclass(frozen=True)
class StagedPhase:
    """A phase of a built-in scenario: its share of the run, its fault rates, its surge."""

    name: str
    share: float
    rates: Rates
    load: Load = CALM


SCENARIOS: dict[str, tuple[StagedPhase, ...]] = {
    # The whole story, in the order an on-call engineer meets it.
    "story": (
        StagedPhase("calm", 0.15, _BASELINE, QUIET),
        StagedPhase("rate-limit spike", 0.20,
                    {"rate_limited": 0.05}, Load(surge=2.0, max_tokens=400)),
        StagedPhase("server errors", 0.20,
                    {"server_error": 0.08, "overloaded": 0.05, "bad_gateway": 0.02}),
        StagedPhase("timeouts", 0.15, {"timeout": 0.05, "connection_reset": 0.03}),
        StagedPhase("quota exhausted", 0.15, {"quota_exhausted": 0.60}),
        StagedPhase("recovered", 0.15, _BASELINE, QUIET),
    ),
    "calm": (StagedPhase("calm", 1.0, _BASELINE, QUIET),),
    "rate-limits": (
        StagedPhase("calm", 0.25, _BASELINE, QUIET),
        StagedPhase("rate-limit spike", 0.50,
                    {"rate_limited": 0.10}, Load(surge=2.0, max_tokens=400)),
        StagedPhase("recovered", 0.25, _BASELINE, QUIET),
    ),
    "outage": (
        StagedPhase("calm", 0.20, _BASELINE, QUIET),
        StagedPhase("outage", 0.60, {"server_error": 0.20, "overloaded": 0.15,
                                     "bad_gateway": 0.05, "timeout": 0.05,
                                     "connection_reset": 0.05}),
        StagedPhase("recovered", 0.20, _BASELINE, QUIET),
    ),
    "quota": (
        StagedPhase("calm", 0.30, _BASELINE, QUIET),
        StagedPhase("quota exhausted", 0.70, {"quota_exhausted": 0.90}),
    ),
}
DEFAULT_SCENARIO = "story"


def server_scenario(name: str, duration: float, seed: Optional[int]) -> dict[str, Any]:
    """The fault server's scenario mapping for a built-in scenario over ``duration`` s.

    The last phase has no duration, so calls still in flight after the end (the drain)
    meet the same rates as the end of the story.
    """
    phases = SCENARIOS[name]
    staged: list[dict[str, Any]] = []
    for index, phase in enumerate(phases):
        entry: dict[str, Any] = {"name": phase.name, "rates": dict(phase.rates)}
        if index < len(phases) - 1:
            entry["duration"] = max(phase.share * duration, 0.1)
        staged.append(entry)
    mapping: dict[str, Any] = {"phase": staged}
    if seed is not None:
        mapping["seed"] = seed
    return mapping


def load_at(name: str, duration: float, elapsed: float) -> Load:
    """The load ``elapsed`` s into a built-in scenario (calm for scenario files)."""
    phases = SCENARIOS.get(name)
    if phases is None:
        return CALM
    for phase in phases[:-1]:
        length = max(phase.share * duration, 0.1)
        if elapsed < length:
            return phase.load
        elapsed -= length
    return phases[-1].load
