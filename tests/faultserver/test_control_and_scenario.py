"""The x-fault grammar, the times= countdown, scenarios and their phases."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_error_telemetry.faultserver.control import (
    Countdown,
    FaultSpecError,
    parse_fault_spec,
)
from openai_error_telemetry.faultserver.faults import FAULTS, lookup
from openai_error_telemetry.faultserver.jobs import Job, JobStore, Outcome
from openai_error_telemetry.faultserver.scenario import (
    ScenarioError,
    load_scenario,
    scenario_from_flags,
    scenario_from_mapping,
)


def test_parse_fault_spec() -> None:
    spec = parse_fault_spec(" Background_Failed=rate_limit_exceeded ; times=2; Run=0.5 ")
    assert spec.name == "background_failed"
    assert spec.arg == "rate_limit_exceeded"
    assert spec.times == 2
    assert spec.params == {"run": "0.5"}
    assert spec.number("run", 9.0) == 0.5
    assert spec.number("queued", 9.0) == 9.0


@pytest.mark.parametrize("text", ["", ";times=1", "rate_limited;times=-1", "x;novalue"])
def test_parse_fault_spec_rejects(text: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_spec(text)


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_numbers_must_be_finite_and_non_negative(value: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_spec(f"timeout;delay={value}").number("delay", 1.0)


def test_every_fault_name_is_known_and_unknown_ones_are_refused() -> None:
    for name in FAULTS:
        assert lookup(parse_fault_spec(name)).name == name
    with pytest.raises(FaultSpecError, match="unknown fault"):
        lookup(parse_fault_spec("gremlins"))


def test_countdown_fires_n_times_per_key() -> None:
    countdown = Countdown()
    spec = parse_fault_spec("server_error;times=2")
    assert [countdown.fire(spec, "a") for _ in range(4)] == [True, True, False, False]
    assert countdown.fire(spec, "b")
    assert countdown.fire(parse_fault_spec("server_error"), "a")  # no times: always
    countdown.reset()
    assert countdown.fire(spec, "a")


def test_countdown_is_bounded() -> None:
    countdown = Countdown(max_keys=3)
    spec = parse_fault_spec("server_error;times=1")
    for key in "abcde":
        countdown.fire(spec, key)
    assert len(countdown) == 3
    assert countdown.fire(spec, "a")  # forgotten, so it fires again


def test_job_store_is_bounded_and_jobs_move_through_their_stages() -> None:
    store = JobStore(max_jobs=2)
    jobs = [Job(id=f"resp_{i}", model="m", created_at=0, started=10.0, background=True,
                input_tokens=1, outcome=Outcome("failed", error_code="server_error"),
                queued_s=1.0, run_s=2.0) for i in range(3)]
    for job in jobs:
        store.add(job)
    assert len(store) == 2
    assert store.get("resp_0") is None
    job = jobs[2]
    assert [job.status(t) for t in (10.0, 11.0, 12.9, 13.0)] == [
        "queued", "in_progress", "in_progress", "failed"]
    assert not job.cancel(13.5)
    assert jobs[1].cancel(11.5)
    assert jobs[1].status(20.0) == "cancelled"


def test_flags_make_one_endless_phase_and_rates_hold() -> None:
    scenario = scenario_from_flags(["rate_limited:0.3", "stream_cut;after=1:0.2"])
    rng = random.Random(1)
    picks = Counter((s.name if s else None) for s in
                    (scenario.pick(1e6, rng) for _ in range(10_000)))
    assert picks["rate_limited"] == pytest.approx(3000, abs=300)
    assert picks["stream_cut"] == pytest.approx(2000, abs=300)
    assert picks[None] == pytest.approx(5000, abs=300)


def test_phases_follow_time_and_loop() -> None:
    scenario = scenario_from_mapping({
        "loop": True,
        "phase": [
            {"name": "calm", "duration": 10, "rates": {}},
            {"name": "spike", "duration": 5, "rates": {"overloaded": 1.0}},
        ],
    })
    rng = random.Random(0)
    assert [scenario.phase_at(t).name for t in (0, 9.9, 10, 14.9, 15, 26)] == [
        "calm", "calm", "spike", "spike", "calm", "spike"]
    assert scenario.pick(3, rng) is None
    spike = scenario.pick(12, rng)
    assert spike is not None
    assert spike.name == "overloaded"


def test_last_phase_lasts_forever_without_loop() -> None:
    scenario = scenario_from_mapping({"phase": [
        {"duration": 1, "rates": {"server_error": 1.0}}, {"rates": {"timeout=2": 0.5}}]})
    assert scenario.phase_at(1e9).rates[0][1] == 0.5


@pytest.mark.parametrize(("raw", "problem"), [
    ({}, "at least one"),
    ({"phase": [{"rates": {"gremlins": 0.1}}]}, "unknown fault"),
    ({"phase": [{"rates": {"server_error": 1.5}}]}, "in [0, 1]"),
    ({"phase": [{"rates": {"server_error": 0.6, "overloaded": 0.6}}]}, "more than 1"),
    ({"phase": [{"rates": {}}, {"rates": {}}]}, "only the last phase"),
    ({"phase": [{"duration": -1}]}, "duration"),
    ({"phase": [{"rates": {"server_error;times=1": 0.1}}]}, "times="),
    ({"rates": {}, "seed": "x"}, "seed"),
])
def test_bad_scenarios_say_why(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ScenarioError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        scenario_from_mapping(raw)


def test_scenario_files_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "spike.toml"
    toml.write_text('seed = 7\nloop = true\n[[phase]]\nname = "calm"\nduration = 30\n'
                    'rates = { server_error = 0.01 }\n[[phase]]\nname = "spike"\n'
                    'duration = 20\nrates = { rate_limited = 0.4, "stream_cut;after=3" = 0.05 }\n')
    scenario = load_scenario(toml)
    assert scenario.seed == 7
    assert scenario.loop
    assert [p.name for p in scenario.phases] == ["calm", "spike"]
    as_json = tmp_path / "spike.json"
    as_json.write_text(json.dumps({"seed": 7, "loop": True, "phase": [
        {"name": p.name, "duration": p.duration,
         "rates": {spec.text: rate for spec, rate in p.rates}} for p in scenario.phases]}))
    assert load_scenario(as_json) == scenario
    broken = tmp_path / "broken.toml"
    broken.write_text("[[phase]\n")
    with pytest.raises(ScenarioError):
        load_scenario(broken)


def test_the_shipped_example_scenario_loads() -> None:
    example = Path(__file__).parents[2] / "examples" / "scenarios" / "spike.toml"
    scenario = load_scenario(example)
    assert [p.name for p in scenario.phases][:2] == ["calm", "rate-limit spike"]
    assert scenario.loop


@given(st.text(max_size=80))
def test_any_header_text_parses_or_is_refused_with_a_reason(text: str) -> None:
    try:
        name, reason = lookup(parse_fault_spec(text)).name, ""
    except FaultSpecError as exc:  # the only exception allowed out
        name, reason = "", str(exc)
    assert name in FAULTS if name else reason


@given(st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=40))
def test_times_fires_exactly_n_times(times: int, requests: int) -> None:
    countdown = Countdown()
    spec = parse_fault_spec(f"server_error;times={times}")
    fired = [countdown.fire(spec, "k") for _ in range(requests)]
    assert fired == [True] * min(times, requests) + [False] * max(requests - times, 0)


def test_scenario_fault_parameters_are_checked_at_load() -> None:
    with pytest.raises(ScenarioError, match="delay"):
        scenario_from_flags(["timeout=soon:0.1"])
    with pytest.raises(ScenarioError, match="reason must be"):
        scenario_from_flags(["background_incomplete=bored:0.1"])
