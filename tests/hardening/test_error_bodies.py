"""No read the SDK would not make: an error body the SDK closes unread stays unread.

On a streamed request the SDK closes a 4xx/5xx answer it will retry without reading its
body. Each case runs plain and instrumented against a scripted loopback server and
compares what the app sees and what the server could send; no case times anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.hardening.rawserver import (
    cut_500,
    held_503,
    huge_503,
    ok_stream,
    raw_server,
)
from tests.instrumentation.harness import Telemetry, instrumented

MESSAGES = [{"role": "user", "content": "hi"}]


@contextlib.contextmanager
def mode(on: bool) -> Iterator[Telemetry | None]:
    if not on:
        yield None
        return
    yield from _once(instrumented(Telemetry()))


def _once(generator: Iterator[Telemetry]) -> Iterator[Telemetry]:
    telemetry = next(generator)
    try:
        yield telemetry
    finally:
        with contextlib.suppress(StopIteration):
            next(generator)


def _sync_stream(base_url: str, retries: int) -> Any:
    client = openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=retries,
                           timeout=60)
    try:
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        return [chunk.choices[0].delta.content for chunk in stream]
    finally:
        client.close()


def _async_stream(base_url: str, retries: int) -> Any:
    async def run() -> Any:
        client = openai.AsyncOpenAI(api_key="sk-test", base_url=base_url,
                                    max_retries=retries, timeout=60)
        try:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES,
                                                          stream=True)
            return [chunk.choices[0].delta.content async for chunk in stream]
        finally:
            await client.close()

    return asyncio.run(run())


CALLERS = {"sync": _sync_stream, "async": _async_stream}


def _fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("on", [False, True], ids=["plain", "instrumented"])
def test_a_retried_error_body_that_never_ends_is_not_waited_for(monkeypatch, caller, on):
    _fast_retry(monkeypatch)
    with raw_server(held_503, ok_stream) as server, mode(on) as telemetry:
        assert CALLERS[caller](server.base_url, 1) == ["hi"]
        # the retry came while the first body was still held open: nobody waited for it
        assert server.notes == ["retry"]
    if telemetry is not None:
        (failed,) = [s for s in telemetry.spans("attempt")
                     if s.attributes.get("http.response.status_code") == 503]
        assert failed.attributes["error.type"] == "overloaded"  # by its status alone


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("on", [False, True], ids=["plain", "instrumented"])
def test_a_huge_retried_error_body_is_not_read(monkeypatch, caller, on):
    _fast_retry(monkeypatch)
    with raw_server(huge_503, ok_stream) as server, mode(on):
        assert CALLERS[caller](server.base_url, 1) == ["hi"]
    # of 300 MB announced, only what the kernel's socket buffers took before the
    # client closed the connection: reading it would have taken all of it
    assert server.sent < 64 * 1024 * 1024, server.sent


def _outcome(call: Any) -> tuple[str, str, str]:
    try:
        call()
    except BaseException as error:  # the exact exception is what is compared
        cause = error.__cause__
        return type(error).__name__, str(error), type(cause).__name__ if cause else "-"
    return "returned", "", ""


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_a_cut_short_final_error_body_raises_what_the_sdk_raises(caller):
    outcomes = []
    for on in (False, True):
        with raw_server(cut_500) as server, mode(on):
            outcomes.append(_outcome(lambda: CALLERS[caller](server.base_url, 0)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] != "returned"


QUOTA = (b'{"error": {"code": "insufficient_quota", "type": "insufficient_quota", '
         b'"message": "You exceeded your current quota"}}')
QUOTA_HEAD = (b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
              + f"content-length: {len(QUOTA)}\r\nconnection: close\r\n\r\n".encode())


def quota_at_once(conn: Any, server: Any) -> None:
    conn.sendall(QUOTA_HEAD + QUOTA)


def quota_held(conn: Any, server: Any) -> None:
    """The headers now, the body only once the test ends."""
    conn.sendall(QUOTA_HEAD)
    server.release.wait(30)
    conn.sendall(QUOTA)


def _quota_attempts(monkeypatch: pytest.MonkeyPatch, caller: str, *scripts: Any) -> list[str]:
    _fast_retry(monkeypatch)
    with raw_server(*scripts) as server, mode(True) as telemetry, pytest.raises(
            openai.RateLimitError):
        CALLERS[caller](server.base_url, 1)
    assert telemetry is not None
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "quota_exhausted"  # the SDK read the last body
    attempts = sorted(telemetry.spans("attempt"), key=lambda s: s.start_time)
    return [s.attributes["error.type"] for s in attempts]


def quota_chunked_gzip(conn: Any, server: Any) -> None:
    body = gzip.compress(QUOTA)
    conn.sendall(b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
                 b"content-encoding: gzip\r\ntransfer-encoding: chunked\r\n"
                 b"connection: close\r\n\r\n"
                 + f"{len(body[:20]):x}\r\n".encode() + body[:20] + b"\r\n"
                 + f"{len(body[20:]):x}\r\n".encode() + body[20:] + b"\r\n0\r\n\r\n")


@pytest.mark.parametrize("script", [quota_at_once, quota_chunked_gzip],
                         ids=["length", "chunked gzip"])
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_a_retried_error_body_already_received_is_read_where_it_lies(monkeypatch, caller,
                                                                     script):
    """A small body that came with its headers is in the parser's buffer: copied, not read."""
    assert _quota_attempts(monkeypatch, caller, script) == [
        "quota_exhausted", "quota_exhausted"]


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_a_retried_error_body_not_yet_received_is_classified_by_its_status(monkeypatch, caller):
    """The retried try's body had not arrived: 429 by its status alone; the last try's
    body the SDK read before raising says quota."""
    assert _quota_attempts(monkeypatch, caller, quota_held, quota_at_once) == [
        "rate_limited", "quota_exhausted"]
