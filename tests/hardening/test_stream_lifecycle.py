"""Streams: however a stream ends, its operation span ends once, with the right status.

Chat and Responses streams, raw (``stream=True``) and through the SDK's stream helpers
(``chat.completions.stream()``, ``responses.stream()``), sync and async, from the real
fault server: read to the end, half read and closed, closed before reading, abandoned
and garbage collected, cut mid-way (a real TCP reset), failed by an error event, and read
from another thread (sync) or another task (async). Afterwards the stream is closed and
collected again, and still exactly one operation span exists, no span was ended twice,
and none is left open.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from openai_error_telemetry.instrumentation import guard
from openai_error_telemetry.telemetry import semconv
from tests.hardening import calls
from tests.instrumentation.harness import Telemetry, instrumented

pytestmark = pytest.mark.integration

KINDS = ("chat", "chat.stream_manager", "responses", "responses.stream_manager")
OK, ERROR = StatusCode.UNSET, StatusCode.ERROR

# scenario -> (fault, outcome, status, error.type)
EXPECTED: dict[str, tuple[str, str, StatusCode, Any]] = {
    "read_to_the_end": ("", "completed", OK, None),
    "half_read_then_closed": ("", "closed", OK, None),
    "closed_before_reading": ("", "closed", OK, None),
    "abandoned": ("", "abandoned", OK, None),
    "cut_mid_way": ("stream_cut=3", "failed", ERROR, "stream_interrupted"),
    "error_event": ("stream_error_event;after=3", "failed", ERROR, "server_error"),
    "read_elsewhere": ("", "completed", OK, None),
}


@pytest.fixture
def telemetry(caplog: pytest.LogCaptureFixture) -> Iterator[Telemetry]:
    caplog.set_level(logging.WARNING)
    guard.reset_reports()
    yield from instrumented(Telemetry())


class Opened:
    """A stream as the user holds it: what they iterate, and how they close it."""

    def __init__(self, client: Any, kind: str, fault: str) -> None:
        headers = calls.fault_headers(fault)
        self.manager: Any = None
        if kind.endswith("stream_manager"):
            make = calls.BY_NAME[kind].make
            self.manager = make(client, headers, None)
        else:
            self.stream = calls.BY_NAME[f"{kind}.create.stream"].make(client, headers, None)

    def enter(self) -> Any:
        if self.manager is not None:
            self.stream = self.manager.__enter__()
        return self.stream

    def close(self) -> None:
        if self.manager is not None:
            self.manager.__exit__(None, None, None)
        else:
            self.stream.close()

    async def aenter(self) -> Any:
        if self.manager is not None:
            self.stream = await self.manager.__aenter__()
        elif asyncio.iscoroutine(self.stream):
            self.stream = await self.stream
        return self.stream

    async def aclose(self) -> None:
        if self.manager is not None:
            await self.manager.__aexit__(None, None, None)
        else:
            await self.stream.close()


def drain(stream: Any) -> None:
    try:
        for _ in stream:
            pass
    except Exception:  # a cut or an error event: the user's except clause
        pass


async def adrain(stream: Any) -> None:
    try:
        async for _ in stream:
            pass
    except Exception:
        pass


def play(opened: Opened, scenario: str) -> None:
    stream = opened.enter()
    if scenario == "half_read_then_closed":
        next(stream)
        next(stream)
        opened.close()
    elif scenario == "closed_before_reading":
        opened.close()
    elif scenario == "abandoned":
        next(stream)
    elif scenario == "read_elsewhere":
        reader = threading.Thread(target=drain, args=(stream,))
        reader.start()
        reader.join(timeout=30)
    else:
        drain(stream)


async def aplay(opened: Opened, scenario: str) -> None:
    stream = await opened.aenter()
    if scenario == "half_read_then_closed":
        await stream.__anext__()
        await stream.__anext__()
        await opened.aclose()
    elif scenario == "closed_before_reading":
        await opened.aclose()
    elif scenario == "abandoned":
        await stream.__anext__()
    elif scenario == "read_elsewhere":
        await asyncio.create_task(adrain(stream))
    else:
        await adrain(stream)


def check_ended_now(telemetry: Telemetry, scenario: str) -> None:
    """Ended when the user is done with it, not later when it is collected; an abandoned
    stream (still referenced here) is ended only by its collection."""
    ended = len(telemetry.spans("operation"))
    assert ended == (0 if scenario == "abandoned" else 1)


def check(telemetry: Telemetry, caplog: pytest.LogCaptureFixture, scenario: str) -> None:
    _, outcome, status, error_type = EXPECTED[scenario]
    (span,) = telemetry.spans("operation")
    attributes = dict(span.attributes or {})
    assert attributes.get(semconv.OPENAI_STREAM_OUTCOME) == outcome
    assert span.status.status_code == status
    assert attributes.get(semconv.ERROR_TYPE) == error_type
    # the stream's one attempt succeeded: it is no span, its status is on the operation
    assert telemetry.spans("attempt") == []
    assert attributes.get("http.response.status_code") == 200
    twice = [r for r in caplog.records if "ended span" in r.getMessage()]
    assert not twice, "a span was ended twice"
    ours = [r for r in caplog.records if r.name == "openai_error_telemetry.instrumentation"]
    assert not ours, "a hook of ours failed"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_sync_stream_span_ends_once(fault_server, telemetry, caplog, kind, scenario):
    with calls.sync_client(fault_server, max_retries=0) as client:
        opened = Opened(client, kind, EXPECTED[scenario][0])
        play(opened, scenario)
        check_ended_now(telemetry, scenario)
        if scenario != "abandoned":
            opened.close()  # closing again after the end changes nothing
        del opened
        gc.collect()
    check(telemetry, caplog, scenario)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
async def test_async_stream_span_ends_once(fault_server, telemetry, caplog, kind, scenario):
    async with calls.async_client(fault_server, max_retries=0) as client:
        opened = Opened(client, kind, EXPECTED[scenario][0])
        await aplay(opened, scenario)
        check_ended_now(telemetry, scenario)
        if scenario != "abandoned":
            await opened.aclose()
        del opened
        gc.collect()
    check(telemetry, caplog, scenario)
