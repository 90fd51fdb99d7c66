"""A storm logs at most RATE events a second per event and code; every failure is counted.

With the real SDK against the fault server, 60 calls that each get three 429s are 180
failed attempts in well under a second: the attempt counter says 180, the log says at
most the burst plus what the rate refills, and the next event logged after a quiet
moment says how many were left out.
"""

from __future__ import annotations

import contextlib
import uuid

import openai
import pytest

from openai_error_telemetry.instrumentation.runtime import get_runtime
from openai_error_telemetry.telemetry.logbudget import BURST, MAX_KEYS, LogBudget
from tests.fault_server import FaultServerProcess

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_admits_a_burst_then_the_rate_and_counts_the_rest():
    clock = Clock()
    budget = LogBudget(rate=10.0, burst=20.0, clock=clock)
    admitted = [budget.admit("openai.attempt.failed", "rate_limited") for _ in range(50)]
    assert admitted[:20] == [0] * 20
    assert admitted[20:] == [None] * 30
    clock.now = 0.1  # one token back
    assert budget.admit("openai.attempt.failed", "rate_limited") == 30  # says who was left out
    assert budget.admit("openai.attempt.failed", "rate_limited") is None
    # another code, another event: budgets of their own
    assert budget.admit("openai.attempt.failed", "server_error") == 0
    assert budget.admit("openai.operation.failed", "rate_limited") == 0


def test_the_budget_keeps_a_bounded_number_of_keys():
    budget = LogBudget()
    for n in range(MAX_KEYS + 50):
        budget.admit("event", f"code{n}")
    assert len(budget) == MAX_KEYS


def test_a_storm_is_counted_in_full_and_logged_within_budget(
        telemetry, logs, fault_server: FaultServerProcess):
    runtime = get_runtime()
    assert runtime is not None
    clock = Clock()  # the storm takes no time at all, however busy the machine
    runtime.recorder.log_budget = LogBudget(clock=clock)
    calls = 60
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", timeout=10) as c:
        for _ in range(calls):
            with contextlib.suppress(openai.RateLimitError):
                c.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                    extra_headers={"x-fault": "rate_limited;retry_after=0.001",
                                   "x-fault-key": uuid.uuid4().hex})
    failed = telemetry.total("openai.client.attempts", error__type="rate_limited")
    assert failed == calls * 3  # the metrics see every failed attempt
    logged = logs.named("openai.attempt.failed")
    assert len(logged) == BURST  # the burst, then nothing while the storm lasts
    assert not any("suppressed" in entry for entry in logged)
    clock.now = 1.0  # a second later, one more 429: it says how many were left out
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", timeout=10,
                       max_retries=0) as c, contextlib.suppress(openai.RateLimitError):
        c.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
            extra_headers={"x-fault": "rate_limited", "x-fault-key": uuid.uuid4().hex})
    last = logs.named("openai.attempt.failed")[-1]
    assert last["suppressed"] == failed - BURST
