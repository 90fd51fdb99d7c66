"""The issue's "what must show", with the real SDK talking HTTP to the real fault server."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest
from opentelemetry.trace import StatusCode

from tests.fault_server import FaultServerProcess
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

MESSAGES = [{"role": "user", "content": "hello"}]
BACKGROUND_FAST = "queued=0.05;run=0.1"


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def sdk(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=2,
                       timeout=10) as client:
        yield client


@pytest.fixture
async def asdk(fault_server: FaultServerProcess) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=2, timeout=10) as client:
        yield client


def check_429_then_200(telemetry: Telemetry) -> None:
    (op,) = telemetry.spans("operation")
    attempts = sorted(telemetry.spans("attempt"), key=lambda s: s.start_time)
    assert op.status.status_code == StatusCode.UNSET
    assert "error.type" not in op.attributes
    assert [a.attributes.get("error.type") for a in attempts] == ["rate_limited", None]
    assert [a.attributes["http.response.status_code"] for a in attempts] == [429, 200]
    assert all(a.parent.span_id == op.context.span_id for a in attempts)
    assert telemetry.total("openai.client.attempts") == 2
    assert telemetry.total("openai.client.attempts", error__type="rate_limited",
                           openai__retry__will_retry=True) == 1
    assert telemetry.total("openai.client.retry.delay") == 1
    assert telemetry.total("openai.client.retry.delay", error__type="rate_limited") == 1
    (remaining,) = [p for p in telemetry.points("openai.ratelimit.remaining")
                    if p.attributes["openai.ratelimit.kind"] == "requests"]
    assert remaining.attributes["server.address"] == "127.0.0.1"


def test_429_then_200_is_one_ok_operation_with_two_attempts(telemetry, sdk, key):
    sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES,
        extra_headers={"x-fault": "rate_limited;times=1;retry_after=0.01", "x-fault-key": key})
    check_429_then_200(telemetry)


async def test_async_429_then_200_is_one_ok_operation_with_two_attempts(telemetry, asdk, key):
    await asdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES,
        extra_headers={"x-fault": "rate_limited;times=1;retry_after=0.01", "x-fault-key": key})
    check_429_then_200(telemetry)


def poll_until_terminal(sdk: openai.OpenAI, response_id: str, at_least: int) -> list[str]:
    statuses: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses.append(str(sdk.responses.retrieve(response_id).status))
        if statuses[-1] in {"completed", "failed", "cancelled", "incomplete"} and (
                len(statuses) >= at_least):
            break
        time.sleep(0.05)
    return statuses


def test_failed_background_job(telemetry, sdk, logs):
    created = sdk.responses.create(
        model="gpt-4o-mini", input="hi", background=True,
        extra_headers={"x-fault": f"background_failed=rate_limit_exceeded;{BACKGROUND_FAST}"})
    assert created.status == "queued"
    statuses = poll_until_terminal(sdk, created.id, at_least=3)
    while statuses.count("failed") < 3:
        statuses.append(str(sdk.responses.retrieve(created.id).status))
    retrieves = [s for s in telemetry.spans("operation")
                 if s.attributes["gen_ai.operation.name"] == "fetch_response"]
    failed = [s for s in retrieves if s.attributes["gen_ai.response.status"] == "failed"]
    assert len(failed) == 3
    # three reads of one failed job: three successful reads, one job failure
    assert all(s.status.status_code == StatusCode.UNSET for s in retrieves)
    assert all("error.type" not in s.attributes for s in retrieves)
    assert [len([e for e in s.events if e.name == "openai.job.ended"]) for s in failed] == [
        1, 0, 0]
    (create,) = [s for s in telemetry.spans("operation")
                 if s.attributes["gen_ai.operation.name"] == "generate_content"]
    assert all(s.links[0].context.span_id == create.context.span_id for s in retrieves)
    assert telemetry.total("openai.jobs.ended") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__status="failed",
                           error__type="rate_limited") == 1
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1
    assert telemetry.total("gen_ai.client.operation.duration", error__type="rate_limited") == 0
    assert len(logs.named("openai.job.failed")) == 1
    assert not logs.named("openai.operation.failed")


def test_mid_stream_drop_is_stream_interrupted(telemetry, sdk, logs):
    stream = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True,
        extra_headers={"x-fault": "stream_cut;after=2"})
    received: list[Any] = []
    with pytest.raises(Exception):  # noqa: PT011,B017 - raw httpx before openai 3.14
        received.extend(stream)
    assert len(received) == 2
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.ERROR
    assert op.attributes["error.type"] == "stream_interrupted"
    assert op.attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert telemetry.total("gen_ai.client.operation.duration",
                           error__type="stream_interrupted") == 1
    assert [e["error.type"] for e in logs.named("openai.stream.failed")] == [
        "stream_interrupted"]


def test_quota_and_rate_limit_are_split_on_spans_metrics_and_logs(telemetry, sdk, logs):
    single = sdk.with_options(max_retries=0)
    for fault in ("quota_exhausted", "rate_limited"):
        with pytest.raises(openai.RateLimitError):
            single.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                           extra_headers={"x-fault": fault})
    by_code = {s.attributes["error.type"]: s for s in telemetry.spans("operation")}
    assert set(by_code) == {"quota_exhausted", "rate_limited"}
    assert by_code["quota_exhausted"].attributes["openai.error.retryable"] is False
    assert by_code["rate_limited"].attributes["openai.error.retryable"] is True
    assert by_code["rate_limited"].attributes["openai.ratelimit.kind"] == "requests"
    for code in ("quota_exhausted", "rate_limited"):
        assert telemetry.total("openai.client.attempts", error__type=code) == 1
        assert telemetry.total("gen_ai.client.operation.duration", error__type=code) == 1
    assert sorted(e["error.type"] for e in logs.named("openai.attempt.failed")) == [
        "quota_exhausted", "rate_limited"]


def test_rate_limited_attempts_say_which_limit_ran_out(telemetry, sdk):
    single = sdk.with_options(max_retries=0)
    for fault in ("rate_limited", "rate_limited_tokens", "rate_limited_tokens", "quota_exhausted"):
        with pytest.raises(openai.RateLimitError):
            single.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                           extra_headers={"x-fault": fault})
    assert telemetry.total("openai.client.attempts", error__type="rate_limited",
                           openai__ratelimit__kind="requests") == 1
    assert telemetry.total("openai.client.attempts", error__type="rate_limited",
                           openai__ratelimit__kind="tokens") == 2
    quota = [p for p in telemetry.points("openai.client.attempts")
             if p.attributes.get("error.type") == "quota_exhausted"]
    assert quota
    assert all("openai.ratelimit.kind" not in p.attributes for p in quota)


def test_retry_guard_stops_at_the_first_quota_attempt(guarded_telemetry, sdk, key,
                                                      fault_server):
    with pytest.raises(openai.RateLimitError) as caught:
        sdk.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES,
            extra_headers={"x-fault": "quota_exhausted", "x-fault-key": key})
    assert caught.value.code == "insufficient_quota"
    # one try: no attempt span; the operation span says the guard stopped the retries
    assert guarded_telemetry.spans("attempt") == []
    (op,) = guarded_telemetry.spans("operation")
    assert op.attributes["openai.retry.guard_stopped"] is True
    assert guarded_telemetry.total("openai.client.attempts") == 1
    assert guarded_telemetry.total("openai.client.retry.delay") == 0


def test_without_the_guard_the_sdk_retries_quota(telemetry, sdk):
    with pytest.raises(openai.RateLimitError):
        sdk.with_options(max_retries=1).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fault": "quota_exhausted"})
    assert telemetry.total("openai.client.attempts", error__type="quota_exhausted") == 2
