"""Faults inside us: each of our own parts raises, and the user's calls never notice.

For each part (classification, attribute building, metric recording, logging, span start
and end, operation naming, rate-limit header reading, the background tracker, the stream
watcher, the retry guard's decision) a workload of calls runs uninstrumented, then several rounds instrumented with
that part broken. Every round must return, raise and retry exactly as the plain run did,
and the guard must log one warning per failing hook point, the first time only: the
count after many rounds equals the count after the first.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Callable

import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

import openai_error_telemetry
from openai_error_telemetry.instrumentation import (
    guard,
    hooks,
    jobs,
    operation,
    runtime,
    streams,
)
from openai_error_telemetry.telemetry import logs, ratelimits, recorder
from tests.hardening import calls, outcome
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

INTERNAL_LOGGER = "openai_error_telemetry.instrumentation"
ROUNDS = 3

# (call, fault): success, retries that win and lose, streams whole, cut and failing,
# a raw response, a background job and a poll of it.
WORKLOAD = (
    ("chat.create", ""),
    ("chat.create", "server_error"),
    ("chat.raw", "rate_limited;times=1;retry_after=0.01"),
    ("chat.create.stream", ""),
    ("chat.create.stream", "stream_cut=1"),
    ("responses.stream_manager", "stream_error_event"),
    ("responses.background", "background_failed"),
    ("responses.retrieve", ""),
    ("embeddings.create", "quota_exhausted"),
)


class Boom(RuntimeError):
    """Our own bug, as raised by a broken part."""


def boom(*args: Any, **kwargs: Any) -> Any:
    raise Boom("instrumentation bug")


class Exploding:
    """Stands in for the instruments: every add/record/set raises."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise Boom("metric recording bug")


class RaisingProcessor(SpanProcessor):
    """A span processor that raises when a span starts or ends (as a buggy exporter may)."""

    def __init__(self, on: str) -> None:
        self.on = on

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        if self.on == "start":
            raise Boom("span start bug")

    def on_end(self, span: ReadableSpan) -> None:
        if self.on == "end":
            raise Boom("span end bug")


class Opened(SpanProcessor):
    """Remembers every span started, to check that each one ended."""

    def __init__(self) -> None:
        self.spans: list[Any] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.spans.append(span)

    def left_open(self) -> list[str]:
        return [span.name for span in self.spans if span.end_time is None]


Breaker = Callable[[pytest.MonkeyPatch, Telemetry], None]


def _classification(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    for name in ("classify_exception", "classify_http", "classify_job_facts"):
        mp.setattr(operation, name, boom)
    mp.setattr(streams, "classify_stream_event", boom)


def _attributes(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    mp.setattr(recorder, "error_attributes", boom)
    mp.setattr(recorder, "with_error", boom)


def _metrics(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    current = runtime.get_runtime()
    assert current is not None
    mp.setattr(current.recorder, "instruments", Exploding())


def _logging(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    mp.setattr(logs, "emit", boom)


def _span_processor(on: str) -> Breaker:
    def breaker(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
        telemetry.tracer_provider.add_span_processor(RaisingProcessor(on))

    return breaker


def _naming(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    mp.setattr(hooks, "called_method", boom)
    mp.setattr(operation, "job_path", boom)


def _rate_limit_headers(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    mp.setattr(ratelimits.RateLimitState, "answered", boom)


def _background_tracker(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    for name in ("created", "first_terminal", "link_for"):
        mp.setattr(jobs.JobTracker, name, boom)


def _stream_watcher(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    for name in ("item", "exhausted", "raised", "stopped"):
        mp.setattr(streams.StreamWatcher, name, boom)


def _retry_guard(mp: pytest.MonkeyPatch, telemetry: Telemetry) -> None:
    mp.setattr(operation.Operation, "guard_stops", boom)


BREAKERS: dict[str, Breaker] = {
    "retry guard": _retry_guard,
    "classification": _classification,
    "attribute building": _attributes,
    "metric recording": _metrics,
    "logging": _logging,
    "span start": _span_processor("start"),
    "span end": _span_processor("end"),
    "operation naming": _naming,
    "rate-limit headers": _rate_limit_headers,
    "background tracker": _background_tracker,
    "stream watcher": _stream_watcher,
}


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)


def reports(caplog: pytest.LogCaptureFixture) -> Counter[str]:
    """How often each hook point reported our failure."""
    return Counter(str(r.args[0]) for r in caplog.records  # type: ignore[index]
                   if r.name == INTERNAL_LOGGER)


def check_reports(caplog: pytest.LogCaptureFixture, after_first: Counter[str]) -> None:
    found = reports(caplog)
    assert found, "the broken part was never reached: the test proves nothing"
    assert all(count == 1 for count in found.values()), found
    assert found == after_first, "a later round logged again: one warning per call"
    for record in caplog.records:
        if record.name == INTERNAL_LOGGER:
            assert record.levelno == logging.WARNING
            assert record.exc_info is not None
            assert isinstance(record.exc_info[1], Boom)


def instrumented_with(breaker: Breaker, mp: pytest.MonkeyPatch) -> Opened:
    assert runtime.get_runtime() is None
    guard.reset_reports()
    telemetry = Telemetry()
    opened = Opened()
    telemetry.tracer_provider.add_span_processor(opened)
    openai_error_telemetry.instrument(tracer_provider=telemetry.tracer_provider,
                                      meter_provider=telemetry.meter_provider,
                                      retry_guard=breaker is _retry_guard)
    breaker(mp, telemetry)
    return opened


def check_spans_ended(opened: Opened, part: str) -> None:
    """Whatever broke, a span we started is ended (a span whose start raised never
    reached us: nothing can end it)."""
    if part != "span start":
        assert opened.left_open() == []


@pytest.mark.parametrize("part", sorted(BREAKERS))
def test_a_broken_part_never_changes_sync_calls(fault_server, monkeypatch, caplog, part):
    caplog.set_level(logging.WARNING, logger=INTERNAL_LOGGER)
    plain = [calls.run_sync(fault_server, calls.BY_NAME[name], fault) for name, fault in WORKLOAD]
    opened = instrumented_with(BREAKERS[part], monkeypatch)
    try:
        after_first: Counter[str] = Counter()
        for round_number in range(ROUNDS):
            for expected, (name, fault) in zip(plain, WORKLOAD):
                seen = calls.run_sync(fault_server, calls.BY_NAME[name], fault)
                assert seen == expected, outcome.differences(expected, seen)
            if round_number == 0:
                after_first = reports(caplog)
    finally:
        monkeypatch.undo()
        openai_error_telemetry.uninstrument()
    check_reports(caplog, after_first)
    check_spans_ended(opened, part)


@pytest.mark.parametrize("part", sorted(BREAKERS))
async def test_a_broken_part_never_changes_async_calls(fault_server, monkeypatch, caplog, part):
    caplog.set_level(logging.WARNING, logger=INTERNAL_LOGGER)
    plain = [await calls.run_async(fault_server, calls.BY_NAME[name], fault)
             for name, fault in WORKLOAD]
    opened = instrumented_with(BREAKERS[part], monkeypatch)
    try:
        after_first: Counter[str] = Counter()
        for round_number in range(ROUNDS):
            for expected, (name, fault) in zip(plain, WORKLOAD):
                seen = await calls.run_async(fault_server, calls.BY_NAME[name], fault)
                assert seen == expected, outcome.differences(expected, seen)
            if round_number == 0:
                after_first = reports(caplog)
    finally:
        monkeypatch.undo()
        openai_error_telemetry.uninstrument()
    check_reports(caplog, after_first)
    check_spans_ended(opened, part)
