"""Transparency: with or without us, the user's call returns, raises and retries alike.

Each case runs the same call twice against the real fault server, first uninstrumented,
then instrumented, and compares what the user got (value, stream items, raw response,
exception class and attributes, ``__cause__``/``__context__`` classes) and what the
server saw (its own tally of requests per endpoint, fault and status, so the number of
HTTP attempts). The retry guard is off: the SDK's retry decisions must be its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_error_telemetry
from openai_error_telemetry.instrumentation import guard, runtime
from tests.hardening import calls, outcome
from tests.hardening.calls import CALLS
from tests.instrumentation import harness
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

INTERNAL_LOGGER = "openai_error_telemetry.instrumentation"

# Every fault the server offers: error statuses, transport faults, stream and background
# faults, and a header it refuses (its 400 invalid_fault). Rate limits advertise a short
# wait so the SDK's honoured retry stays fast.
HTTP_FAULTS = (
    "rate_limited;retry_after=0.01", "rate_limited_tokens;retry_after=0.01", "quota_exhausted",
    "server_error", "bad_gateway", "overloaded", "auth_error", "context_length_exceeded",
    "content_filtered", "connection_reset", "stream_cut", "no_such_fault",
)
STREAM_FAULTS = ("stream_cut=1", "stream_error_event", "stream_error_event;code=rate_limit_exceeded")
BACKGROUND_FAULTS = (
    "background_failed=insufficient_quota", "background_cancelled", "background_incomplete",
)
# For every call: success, a retry that wins, retries that all lose.
EVERY_CALL = ("", "rate_limited;times=1;retry_after=0.01", "server_error;times=1", "overloaded")


def _cases() -> Iterator[tuple[str, str]]:
    for index, call in enumerate(CALLS):
        for fault in EVERY_CALL:
            yield call.name, fault
        # each error fault on a third of the calls, each call under a third of the faults
        for number, fault in enumerate(HTTP_FAULTS):
            if (index + number) % 3 == 0:
                yield call.name, fault
        if call.streamed:
            for fault in STREAM_FAULTS:
                yield call.name, fault
        if call.responses:
            for fault in BACKGROUND_FAULTS:
                yield call.name, fault


CASES = sorted(set(_cases()))


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's own backoff, shortened the same for both runs (Retry-After still rules)."""
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)


class Side:
    """Instrumentation on for a block, with in-memory telemetry and our own-failure logs."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.telemetry = Telemetry()

    def __enter__(self) -> Telemetry:
        assert runtime.get_runtime() is None, "the plain run must be uninstrumented"
        guard.reset_reports()
        self.caplog.clear()
        openai_error_telemetry.instrument(
            tracer_provider=self.telemetry.tracer_provider,
            meter_provider=self.telemetry.meter_provider,
            retry_guard=False,  # the SDK's retry decisions stay its own
        )
        return self.telemetry

    def __exit__(self, error_type: Any, *exc: Any) -> None:
        openai_error_telemetry.uninstrument()
        ours = [r for r in self.caplog.records if r.name == INTERNAL_LOGGER]
        if error_type is None:  # never hide the block's own failure behind this one
            assert not ours, f"a hook of ours failed: {ours[0].getMessage()}"


@pytest.fixture
def side(caplog: pytest.LogCaptureFixture) -> Side:
    caplog.set_level(logging.WARNING, logger=INTERNAL_LOGGER)
    return Side(caplog)


def check_recorded(telemetry: Telemetry) -> None:
    """The instrumented run really was instrumented."""
    assert telemetry.spans("operation"), "no operation span: the instrumented run saw nothing"


@pytest.mark.parametrize(("name", "fault"), CASES)
def test_sync_call_is_the_same_with_and_without_us(fault_server, side, name, fault):
    call = calls.BY_NAME[name]
    plain = calls.run_sync(fault_server, call, fault)
    with side as telemetry:
        traced = calls.run_sync(fault_server, call, fault)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


@pytest.mark.parametrize(("name", "fault"), CASES)
async def test_async_call_is_the_same_with_and_without_us(fault_server, side, name, fault):
    call = calls.BY_NAME[name]
    plain = await calls.run_async(fault_server, call, fault)
    with side as telemetry:
        traced = await calls.run_async(fault_server, call, fault)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


TIMEOUT_CASES = (
    ("chat.create", "timeout=5"),
    ("chat.create.stream", "timeout=5;after=1"),
    ("responses.stream_manager", "timeout=5;after=2"),
    ("embeddings.raw", "timeout=5"),
)


@pytest.mark.parametrize(("name", "fault"), TIMEOUT_CASES)
def test_sync_timeouts_are_the_same_with_and_without_us(fault_server, side, name, fault):
    call = calls.BY_NAME[name]
    plain = calls.run_sync(fault_server, call, fault, timeout=0.2)
    with side as telemetry:
        traced = calls.run_sync(fault_server, call, fault, timeout=0.2)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


@pytest.mark.parametrize(("name", "fault"), TIMEOUT_CASES)
async def test_async_timeouts_are_the_same_with_and_without_us(fault_server, side, name, fault):
    call = calls.BY_NAME[name]
    plain = await calls.run_async(fault_server, call, fault, timeout=0.2)
    with side as telemetry:
        traced = await calls.run_async(fault_server, call, fault, timeout=0.2)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


# -- endpoints the fault server does not serve, through an in-memory transport ----------

MODERATION = {"id": "modr-1", "model": "omni-moderation-latest", "results": [
    {"flagged": False, "categories": {"violence": False}, "category_scores": {"violence": 0.01}}]}
FILES = {"object": "list", "has_more": False, "data": [
    {"id": "file-1", "object": "file", "bytes": 12, "created_at": 1, "filename": "a.jsonl",
     "purpose": "batch", "status": "processed"}]}
FAIL = {"fail": "1"}


def in_memory_server(seen: list[Any]) -> Any:
    """Moderations and files, a 429 (retried) on ``?fail=1``, a 404 for anything else."""

    def handle(request: Any) -> Any:
        seen.append(f"{request.method} {request.url.path}")
        if b"fail" in request.url.query:
            return harness.json_response(429, harness.RATE, harness.FAST_RETRY)
        if request.url.path.endswith("/moderations"):
            return harness.json_response(200, MODERATION)
        if request.url.path.endswith("/files"):
            return harness.json_response(200, FILES)
        return harness.json_response(404, harness.error_body("not_found", "invalid_request_error"))

    return handle


BASE_CLIENT_CALLS: dict[str, Any] = {
    "moderations.create": lambda c: c.moderations.create(input="hi"),
    "moderations.raw": lambda c: c.moderations.with_raw_response.create(input="hi"),
    "moderations.failing": lambda c: c.moderations.create(input="hi", extra_query=FAIL),
    "files.list": lambda c: c.files.list(),
    "files.streaming_response": lambda c: c.files.with_streaming_response.list(),
    "files.retrieve.404": lambda c: c.files.retrieve("file-missing"),
}


def in_memory_sync(name: str) -> Any:
    seen: list[Any] = []
    client = harness.client(in_memory_server(seen), max_retries=1)
    result = outcome.attempt(lambda: outcome.describe(BASE_CLIENT_CALLS[name](client)))
    return {"user": result, "server": seen}


async def in_memory_async(name: str) -> Any:
    seen: list[Any] = []
    client = harness.async_client(in_memory_server(seen), max_retries=1)
    result = await outcome.aattempt(lambda: outcome.adescribe(BASE_CLIENT_CALLS[name](client)))
    return {"user": result, "server": seen}


@pytest.mark.parametrize("name", sorted(BASE_CLIENT_CALLS))
def test_sync_base_client_endpoints_are_the_same_with_and_without_us(side, name):
    plain = in_memory_sync(name)
    with side as telemetry:
        traced = in_memory_sync(name)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


@pytest.mark.parametrize("name", sorted(BASE_CLIENT_CALLS))
async def test_async_base_client_endpoints_are_the_same_with_and_without_us(side, name):
    plain = await in_memory_async(name)
    with side as telemetry:
        traced = await in_memory_async(name)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)


IN_A_LOOP = ("chat.create", "chat.create.stream", "responses.stream_manager", "embeddings.raw")


@pytest.mark.parametrize("fault", ["", "server_error", "stream_cut=2"])
@pytest.mark.parametrize("name", IN_A_LOOP)
async def test_sync_calls_inside_a_running_event_loop_are_the_same(fault_server, side, name,
                                                                    fault):
    """A sync client called from async code (blocking the loop, as apps do)."""
    call = calls.BY_NAME[name]
    plain = calls.run_sync(fault_server, call, fault)
    with side as telemetry:
        traced = calls.run_sync(fault_server, call, fault)
    assert traced == plain, outcome.differences(plain, traced)
    check_recorded(telemetry)
