"""Each alert in the scenario it exists for, on telemetry measured from the real SDK.

For each scenario a workload runs the instrumented SDK against a fault server started
with that scenario's faults; the series it exports become a timeline (calm, the
scenario, calm again) that promtool evaluates the shipped rules over, minute by minute.
What a person on call needs is asserted: an outage pages within 10 min and the page
resolves within 10 min of recovery; quota pages within 3 min; a rate-limit spike warns
within 6 min and is quiet 5 min after; a retired model and a failed Batch raise a ticket
within 30 min; low headroom warns within 15 min; 3 hours of calm fire nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from tests.dashboards.dashtools import OUT
from tests.dashboards.scenarios import Call, Phase, Profile, firing, first, measure, timeline

pytestmark = pytest.mark.integration

MODEL, RETIRED = "gpt-4o-mini", "gpt-3.5-turbo-0301"
RULES = [OUT / "classic" / "prometheus_alerts.yaml", OUT / "classic" / "prometheus_rules.yaml"]
ALERTS = [rule["alert"] for group in yaml.safe_load(RULES[0].read_text())["groups"]
          for rule in group["rules"]]
CRITICAL = {rule["alert"] for group in yaml.safe_load(RULES[0].read_text())["groups"]
            for rule in group["rules"] if rule["labels"]["severity"] == "critical"}
ONSET = 30  # minutes of calm before each scenario


def chat(model: str = MODEL, fault: str = "") -> Call:
    headers = {"x-fault": fault} if fault else {}
    return lambda c: c.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "status?"}], max_tokens=16,
        extra_headers=headers)


def paced(client: openai.OpenAI) -> Any:
    """A caller that thinks 50 ms between calls."""
    time.sleep(0.05)
    return chat()(client)


def failed_batch(client: openai.OpenAI) -> None:
    batch = client.batches.create(
        input_file_id="file-in1", endpoint="/v1/chat/completions", completion_window="24h",
        extra_headers={"x-fault": "job_failed=token_limit_exceeded;queued=0;run=0.05"})
    deadline = time.monotonic() + 30
    while client.batches.retrieve(batch.id).status != "failed":
        assert time.monotonic() < deadline


CALM = ["--fault", "server_error:0.005", "--seed", "7"]
WORKLOADS: dict[str, tuple[list[str], list[Call], dict[str, Any]]] = {
    "calm": (CALM, [chat()] * 400, {"read_gauges_every": 10}),
    "outage": (["--fault", "server_error:0.20", "--fault", "overloaded:0.15",
                "--fault", "bad_gateway:0.05", "--fault", "timeout:0.05",
                "--fault", "connection_reset:0.05", "--timeout-delay", "2", "--seed", "7"],
               [chat()] * 300, {"timeout_s": 0.3}),
    "quota": (["--fault", "quota_exhausted:0.9", "--seed", "7"], [chat()] * 200, {}),
    "rate-limits": (["--fault", "rate_limited:0.3", "--retry-after", "0.01", "--seed", "7"],
                    [chat()] * 300, {}),
    # 4% of the calls go to a model that was retired: every one of them is not_found
    "retired": (CALM, ([chat()] * 24 + [chat(RETIRED, "model_not_found")]) * 12, {}),
    # paced load well above a token limit (so a loaded machine still drains it): the
    # bucket drains, refills, drains
    "headroom": (["--tpm", "20000", "--burst-seconds", "1", "--retry-after", "0.05"],
                 [paced] * 300, {"read_gauges_every": 3, "workers": 4, "warmup": 0.3}),
    "batch": ([], [failed_batch], {"workers": 1}),
}


@pytest.fixture(scope="module")
def profiles() -> Iterator[dict[str, Profile]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield {name: measure(monkeypatch, flags, calls, **options)
               for name, (flags, calls, options) in WORKLOADS.items()}


def within(times: list[int], minutes: int) -> bool:
    """The alert fired, and first within ``minutes`` of the onset."""
    since = first(times, ONSET)
    return since is not None and since <= minutes


def run(promtool: str, tmp_path: Path, phases: list[Phase]) -> dict[str, list[int]]:
    minutes = sum(phase.minutes for phase in phases)
    return firing(promtool, RULES, timeline(phases), ALERTS, minutes, tmp_path)


def report(name: str, fired: dict[str, list[int]]) -> None:
    """What fired when, in minutes from the onset (kept for the notes)."""
    spans = {alert: [times[0] - ONSET, times[-1] - ONSET] for alert, times in fired.items()
             if times}
    print(f"scenario {name}: " + json.dumps(spans))


def test_an_outage_pages_within_10_minutes_and_resolves_within_10(promtool, tmp_path,
                                                                  profiles):
    calm, outage = profiles["calm"], profiles["outage"]
    fired = run(promtool, tmp_path, [Phase(calm, ONSET), Phase(outage, 15), Phase(calm, 30)])
    report("outage", fired)
    page = fired["OpenAIProviderOutage"]
    assert within(page, 10), fired
    assert max(page) <= ONSET + 15 + 10, fired


def test_quota_pages_within_3_minutes(promtool, tmp_path, profiles):
    fired = run(promtool, tmp_path, [Phase(profiles["calm"], ONSET),
                                     Phase(profiles["quota"], 10), Phase(profiles["calm"], 20)])
    report("quota", fired)
    assert within(fired["OpenAIQuotaExhausted"], 3), fired
    assert {a for a, t in fired.items() if t} & CRITICAL <= {
        "OpenAIQuotaExhausted", "OpenAIErrorBudgetBurnFast"}, fired


def test_a_rate_limit_spike_warns_within_6_minutes_and_is_quiet_5_after(promtool, tmp_path,
                                                                         profiles):
    fired = run(promtool, tmp_path, [Phase(profiles["calm"], ONSET),
                                     Phase(profiles["rate-limits"], 8),
                                     Phase(profiles["calm"], 20)])
    report("rate-limit spike", fired)
    spike = fired["OpenAIRateLimitSpike"]
    assert within(spike, 6), fired
    assert max(spike) < ONSET + 8 + 5, fired
    assert not {a for a, t in fired.items() if t} & CRITICAL - {
        "OpenAIErrorBudgetBurnFast"}, fired


def test_a_retired_model_raises_a_ticket_within_30_minutes(promtool, tmp_path, profiles):
    fired = run(promtool, tmp_path, [Phase(profiles["calm"], ONSET),
                                     Phase(profiles["retired"], 60)])
    report("retired model", fired)
    assert within(fired["OpenAIModelRejected"], 30), fired
    assert not {a for a, t in fired.items() if t} & CRITICAL, fired


def test_a_failed_batch_raises_a_ticket_within_30_minutes(promtool, tmp_path, profiles):
    calm = profiles["calm"]
    fired = run(promtool, tmp_path, [Phase(calm, ONSET),
                                     Phase(calm, 40, once=profiles["batch"])])
    report("failed batch", fired)
    assert within(fired["OpenAIJobFailed"], 30), fired
    assert not {a for a, t in fired.items() if t} & CRITICAL, fired


def test_low_headroom_warns_within_15_minutes(promtool, tmp_path, profiles):
    fired = run(promtool, tmp_path, [Phase(profiles["calm"], ONSET),
                                     Phase(profiles["headroom"], 20),
                                     Phase(profiles["calm"], 20)])
    report("low headroom", fired)
    assert within(fired["OpenAIRateLimitHeadroomLow"], 15), fired


def test_three_hours_of_calm_fire_nothing(promtool, tmp_path, profiles):
    fired = run(promtool, tmp_path, [Phase(profiles["calm"], 180)])
    report("calm", fired)
    assert {alert: times for alert, times in fired.items() if times} == {}


def test_the_probe_sees_an_alert_fire(promtool, tmp_path, profiles):
    """The probe can fail: quota exhausted for the whole timeline is seen firing."""
    fired = run(promtool, tmp_path, [Phase(profiles["quota"], 10)])
    assert fired["OpenAIQuotaExhausted"], fired
