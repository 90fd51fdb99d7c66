"""1,000 concurrent async calls and 32 threads on one client, with mixed faults.

The real SDK calls the real fault server; each call runs inside an application span so
its operation span can be found by parent. Every call gets exactly one operation span
with the code its fault implies and one attempt span per HTTP try, and the metric
counters equal the fault server's own tally of what it sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, Optional

import openai
import pytest

from tests.fault_server import FaultServerProcess
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

MESSAGES = [{"role": "user", "content": "hello"}]


class Plan(NamedTuple):
    """A fault to ask for, and what it must become (with ``max_retries=1``)."""

    fault: Optional[str]  # x-fault header; "{key}" gets a key of the call's own
    code: Optional[str]  # the operation's error.type, None for success
    attempts: tuple[Optional[str], ...]  # error.type of each attempt, in order


PLANS = (
    Plan(None, None, (None,)),
    Plan("rate_limited;times=1;retry_after=0.01", None, ("rate_limited", None)),
    Plan("rate_limited;retry_after=0.01", "rate_limited", ("rate_limited", "rate_limited")),
    Plan("auth_error", "auth_error", ("auth_error",)),
    Plan("context_length_exceeded", "context_length_exceeded", ("context_length_exceeded",)),
    Plan("content_filtered", "content_filtered", ("content_filtered",)),
    Plan(None, None, (None,)),
    Plan("connection_reset", "connection_error", ("connection_error", "connection_error")),
)
# The fault server names what it sent by fault; the code each of those attempts gets.
CODE_OF_FAULT = {"none": None, "rate_limited": "rate_limited", "auth_error": "auth_error",
                 "context_length_exceeded": "context_length_exceeded",
                 "content_filtered": "content_filtered", "connection_reset": "connection_error"}


def headers_for(plan: Plan) -> dict[str, str]:
    headers = {"x-fault-key": uuid.uuid4().hex}
    if plan.fault is not None:
        headers["x-fault"] = plan.fault
    return headers


def check(telemetry: Telemetry, server: FaultServerProcess, plans: list[Plan],
          outcomes: list[Any]) -> None:
    """One operation span per call with its code; attempts and counters match the server."""
    app_spans = {s.context.span_id: i for s in telemetry.spans()
                 if s.name.startswith("app ") for i in [int(s.name[4:])]}
    assert len(app_spans) == len(plans)
    operations: dict[int, list[Any]] = {}
    for op in telemetry.spans("operation"):
        operations.setdefault(app_spans[op.parent.span_id], []).append(op)
    attempts: dict[int, list[Any]] = {}
    for attempt in telemetry.spans("attempt"):
        attempts.setdefault(attempt.parent.span_id, []).append(attempt)
    for i, plan in enumerate(plans):
        (op,) = operations[i]
        assert op.attributes.get("error.type") == plan.code, (i, plan, outcomes[i])
        mine = sorted(attempts.get(op.context.span_id, []), key=lambda s: s.start_time)
        if len(plan.attempts) == 1:  # a lone try, success or not: no span, its status on op
            assert mine == [], (i, plan)
            assert op.attributes["http.response.status_code"] == (
                200 if plan.code is None else {"auth_error": 401}.get(plan.code, 400))
        else:
            assert tuple(a.attributes.get("error.type") for a in mine) == plan.attempts, (
                i, plan)
    assert all(isinstance(o, openai.APIError) or o is None for o in outcomes)
    # Counters against the server's own tally of what it sent.
    tally = server.stats()
    sent: Counter[Optional[str]] = Counter()
    for fault, count in tally["by_fault"].items():
        sent[CODE_OF_FAULT[fault]] += count
    counted: Counter[Optional[str]] = Counter()
    for point in telemetry.points("openai.client.attempts"):
        counted[point.attributes.get("error.type")] += point.value
    assert counted == sent
    assert sum(sent.values()) == tally["requests"] == sum(len(p.attempts) for p in plans)
    durations: Counter[Optional[str]] = Counter()
    for point in telemetry.points("gen_ai.client.operation.duration"):
        durations[point.attributes.get("error.type")] += point.count
    assert durations == Counter(plan.code for plan in plans)


def plans_for(calls: int) -> list[Plan]:
    return [PLANS[i % len(PLANS)] for i in range(calls)]


async def test_1000_concurrent_async_calls(telemetry, fault_server, our_warnings):
    plans = plans_for(1000)
    tracer = telemetry.tracer_provider.get_tracer("app")
    fault_server.reset()
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=1, timeout=30) as sdk:

        async def call(i: int) -> Any:
            with tracer.start_as_current_span(f"app {i}"):
                try:
                    await sdk.chat.completions.create(
                        model="gpt-4o-mini", messages=MESSAGES,
                        extra_headers=headers_for(plans[i]))
                except openai.APIError as error:
                    return error
                return None

        outcomes = await asyncio.gather(*(call(i) for i in range(len(plans))))
    check(telemetry, fault_server, plans, list(outcomes))
    assert not our_warnings


def test_32_threads_share_one_sync_client(telemetry, fault_server, our_warnings):
    plans = plans_for(32 * 8)
    tracer = telemetry.tracer_provider.get_tracer("app")
    fault_server.reset()
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=1,
                       timeout=30) as sdk:

        def call(i: int) -> Any:
            with tracer.start_as_current_span(f"app {i}"):
                try:
                    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                                extra_headers=headers_for(plans[i]))
                except openai.APIError as error:
                    return error
                return None

        with ThreadPoolExecutor(max_workers=32) as pool:
            outcomes = list(pool.map(call, range(len(plans))))
    check(telemetry, fault_server, plans, outcomes)
    assert not our_warnings
