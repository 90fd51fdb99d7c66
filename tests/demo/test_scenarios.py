"""Built-in scenarios: valid fault-server scenarios whose phases fill the run."""

from __future__ import annotations

import random

import pytest

from openai_error_telemetry.demo.scenarios import (
    CALM,
    QUIET,
    SCENARIOS,
    load_at,
    server_scenario,
)
from openai_error_telemetry.demo.workload import next_call
from openai_error_telemetry.faultserver.scenario import scenario_from_mapping


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_builtin_scenario_loads_and_spans_the_duration(name: str) -> None:
    assert sum(phase.share for phase in SCENARIOS[name]) == pytest.approx(1.0)
    scenario = scenario_from_mapping(server_scenario(name, 60.0, seed=3))
    assert scenario.seed == 3
    assert [p.name for p in scenario.phases] == [p.name for p in SCENARIOS[name]]
    assert scenario.phases[-1].duration is None  # the drain meets the last phase's rates
    assert sum(p.duration or 0.0 for p in scenario.phases) == pytest.approx(
        60.0 * (1 - SCENARIOS[name][-1].share)
    )


def test_the_story_spikes_the_load_only_in_its_spike() -> None:
    # story: calm 15% (9 s of 60), then the spike for 20% (12 s)
    assert load_at("story", 60.0, 5.0) == QUIET
    spike = load_at("story", 60.0, 10.0)
    assert spike.surge > 1
    assert spike.max_tokens > CALM.max_tokens
    assert load_at("story", 60.0, 22.0) == CALM
    assert load_at("story", 60.0, 500.0) == QUIET  # recovered: calm again
    assert load_at("some/file.toml", 60.0, 10.0) == CALM


def test_calm_phases_are_calm_and_the_callers_add_no_faults_then() -> None:
    """Every phase named calm or recovered adds only the baseline: no stream cuts, no
    failing jobs (the alerts can be seen staying quiet)."""
    for phases in SCENARIOS.values():
        for phase in phases:
            if phase.name in ("calm", "recovered"):
                assert phase.load == QUIET, phase
    rng = random.Random(5)
    quiet = [next_call(rng, QUIET) for _ in range(2000)]
    assert all(not call.headers for call in quiet)
    rng = random.Random(5)
    assert any(call.headers for call in (next_call(rng, CALM) for _ in range(2000)))


def test_an_agent_turn_stands_in_as_a_background_response_with_its_fault() -> None:
    """On SDKs without the Agents API the turn is a background Response: its job fault
    becomes the Response's (a job fault on a Response create would be a 400)."""
    from openai_error_telemetry.demo.workload import _as_background

    assert _as_background({"x-fault": "job_failed=server_overloaded"}) == {
        "x-fault": "background_failed=server_overloaded"}
    assert _as_background({}) == {}
    assert _as_background({"x-fault": "background_failed=server_error"}) == {
        "x-fault": "background_failed=server_error"}
