"""The token-bucket limiter: unit tests on a fake clock, then 429s from real load."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any, Optional

import openai
import pytest

from openai_error_telemetry import classify_exception
from openai_error_telemetry.classify.headers import rate_limit_numbers
from openai_error_telemetry.faultserver.payloads import count_tokens
from openai_error_telemetry.faultserver.ratelimiter import RateLimiter, go_duration
from tests.fault_server import FaultServerProcess, run_fault_server

MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("seconds", "text"), [
    (0.012, "12ms"), (0.0, "0ms"), (1.0, "1s"), (17.5, "17.5s"), (360.0, "6m0s"),
    (90.25, "1m30.25s"),
])
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_requests_count_down_refuse_and_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=3, clock=clock)
    remaining = [limiter.admit("m", 1).headers["x-ratelimit-remaining-requests"]
                 for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = limiter.admit("m", 1)
    assert not refused.allowed
    assert refused.kind == "requests"
    assert refused.retry_after == pytest.approx(20.0)  # 3 per minute: one every 20 s
    assert refused.headers["x-ratelimit-reset-requests"] == "1m0s"
    clock.now += 20.0
    assert limiter.admit("m", 1).allowed
    assert not limiter.admit("m", 1).allowed


def test_tokens_limit_refuses_what_does_not_fit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tpm=600, clock=clock)
    assert limiter.admit("m", 500).allowed
    refused = limiter.admit("m", 200)
    assert refused.kind == "tokens"
    assert refused.retry_after == pytest.approx(10.0)  # 100 more tokens at 10 per second
    assert refused.headers["x-ratelimit-remaining-tokens"] == "100"
    clock.now += 10.0
    assert limiter.admit("m", 200).allowed


def test_models_have_separate_buckets() -> None:
    limiter = RateLimiter(rpm=1, clock=FakeClock())
    assert limiter.admit("a", 1).allowed
    assert limiter.admit("b", 1).allowed
    assert not limiter.admit("a", 1).allowed


def test_advisory_mode_counts_but_never_refuses() -> None:
    limiter = RateLimiter(clock=FakeClock())
    verdicts = [limiter.admit("m", 1_000_000) for _ in range(20)]
    assert all(v.allowed for v in verdicts)
    assert verdicts[-1].headers["x-ratelimit-remaining-tokens"] == "0"


def test_burst_seconds_quantises_the_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=600, burst_seconds=1, clock=clock)
    allowed = sum(limiter.admit("m", 1).allowed for _ in range(30))
    assert allowed == 10
    refused = limiter.admit("m", 1)
    assert refused.retry_after == pytest.approx(0.1)


@pytest.fixture(scope="module")
def limited_server() -> Iterator[FaultServerProcess]:
    """600 RPM enforced as 10 per second, 60 000 TPM as 1 000 per second."""
    with run_fault_server("--rpm", "600", "--tpm", "60000", "--burst-seconds", "1") as server:
        yield server


@pytest.mark.integration
def test_remaining_headers_count_down_on_success() -> None:
    # 60 RPM with a whole minute's bucket refills one request a second: three quick
    # requests see 59, 58, 57 (a refill would need a second between two of them).
    with run_fault_server("--rpm", "60", "--tpm", "100000") as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        seen = []
        for _ in range(3):
            raw = client.chat.completions.with_raw_response.create(
                model="count-down", messages=MESSAGES)
            numbers = rate_limit_numbers(raw.headers)
            seen.append(numbers[("requests", "remaining")])
            assert numbers[("requests", "limit")] == 60
            assert numbers[("tokens", "limit")] == 100000
            assert numbers[("tokens", "remaining")] < 100000
    assert seen == [59, 58, 57]


@pytest.mark.integration
def test_limiter_429_shape(limited_server: FaultServerProcess) -> None:
    limited_server.reset()
    caught: Optional[openai.RateLimitError] = None
    with openai.OpenAI(base_url=limited_server.base_url, api_key="sk-test",
                       max_retries=0) as client:
        # spend the bucket: 10 calls do when they take under 100 ms in all; a loaded
        # machine refills a token each 100 ms, so call until the limiter answers
        for _ in range(200):
            try:
                client.chat.completions.create(model="shape", messages=MESSAGES)
            except openai.RateLimitError as error:
                caught = error
                break
    assert caught is not None, "the limiter never answered 429"
    exc = caught
    assert exc.code == "rate_limit_exceeded"
    assert exc.type == "requests"
    assert "Limit 600" in exc.message
    retry_after_ms = int(exc.response.headers["retry-after-ms"])
    assert 1 <= retry_after_ms <= 100
    assert exc.response.headers["retry-after"] == "1"
    classified = classify_exception(exc)
    assert classified.code == "rate_limited"
    assert classified.rate_limit_kind == "requests"
    assert classified.retry_after == pytest.approx(retry_after_ms / 1000)
    stats = limited_server.stats()
    assert stats["by_source"]["limiter"] == 1
    assert stats["by_source"]["none"] >= 10  # the whole bucket was spent first
    assert stats["by_endpoint_fault_status"]["chat.completions rate_limited 429"] == 1


@pytest.mark.integration
def test_sdk_waits_the_retry_after_and_then_succeeds() -> None:
    with run_fault_server("--rpm", "60", "--burst-seconds", "1") as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        client.chat.completions.create(model="wait", messages=MESSAGES)  # the one token
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model="wait", messages=MESSAGES)
        wait_s = int(caught.value.response.headers["retry-after-ms"]) / 1000
        assert 0.5 < wait_s <= 1.0  # one request a second
        started = time.monotonic()
        raw = client.with_options(max_retries=2).chat.completions.with_raw_response.create(
            model="wait", messages=MESSAGES)
        elapsed = time.monotonic() - started
    assert raw.status_code == 200
    assert raw.retries_taken == 1  # one 429, then exactly the advised wait was enough
    assert elapsed >= wait_s - 0.1


@pytest.mark.integration
def test_tokens_limit_429(limited_server: FaultServerProcess) -> None:
    limited_server.reset()
    with openai.OpenAI(base_url=limited_server.base_url, api_key="sk-test",
                       max_retries=0) as client:
        client.chat.completions.create(model="tokens", messages=MESSAGES, max_tokens=990)
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model="tokens", messages=MESSAGES, max_tokens=500)
    assert caught.value.type == "tokens"
    assert f"Requested {count_tokens(MESSAGES) + 500}." in caught.value.message
    assert classify_exception(caught.value).rate_limit_kind == "tokens"


@pytest.mark.integration
async def test_concurrent_load_meets_429s_and_retries_get_through() -> None:
    # 1200 RPM enforced as 2 at once, refilled at 20 a second: 30 clients at once must
    # meet 429s (even if a loaded machine spreads their arrival over a second, only 22
    # fit), and the SDK's honouring of retry-after must get every one through.
    with run_fault_server("--rpm", "1200", "--burst-seconds", "0.1") as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test",
                                      max_retries=100) as client:
            answers = await asyncio.gather(*(
                client.chat.completions.with_raw_response.create(model="load",
                                                                 messages=MESSAGES)
                for _ in range(30)
            ))
        stats = server.stats()
    assert all(a.status_code == 200 for a in answers)
    retries = sum(a.retries_taken for a in answers)
    assert retries >= 5  # 2 fit at once, 1 more per 50 ms: most of the other 28 must wait
    assert stats["by_fault"]["none"] == 30
    assert stats["by_source"]["limiter"] == retries
    assert stats["by_fault"]["rate_limited"] == retries
