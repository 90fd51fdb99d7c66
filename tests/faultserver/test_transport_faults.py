"""Faults below HTTP status: slow answers, resets, streams cut or carrying an error."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

from openai_error_telemetry import classify_exception, classify_stream_event
from tests.fault_server import FaultServerProcess

pytestmark = pytest.mark.integration

MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]
# What a dropped stream raises: httpx(2).ReadError on openai < 3.14, wrapped after.
MID_STREAM_DROP = {"ReadError", "APIConnectionError"}


def _drain(stream: Any, into: list[Any]) -> None:
    for item in stream:
        into.append(item)


async def _adrain(stream: Any, into: list[Any]) -> None:
    async for item in stream:
        into.append(item)


def _wait_for_tally(server: FaultServerProcess, key: str, at_least: int) -> int:
    deadline = time.monotonic() + 30
    while True:
        count = int(server.stats()["by_endpoint_fault_status"].get(key, 0))
        if count >= at_least or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_timeout_fault_outlasts_the_client_timeout(
        fault_server: FaultServerProcess, client: openai.OpenAI) -> None:
    key = "chat.completions timeout 200"
    before = fault_server.stats()["by_endpoint_fault_status"].get(key, 0)
    with pytest.raises(openai.APITimeoutError) as caught:
        client.with_options(timeout=0.3).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fault": "timeout=600"})
    # APITimeoutError is the SDK's own: the client gave up at its 0.3 s, not the server.
    assert classify_exception(caught.value).code == "timeout"
    # The server cancels the handler when the client goes, and counts the request then
    # (status "200": what it would have sent), long before the ten minutes are up.
    assert _wait_for_tally(fault_server, key, before + 1) == before + 1
    assert fault_server.stats()["in_flight"] == 0


def test_timeout_fault_answers_after_its_delay_when_the_client_waits(
        client: openai.OpenAI) -> None:
    started = time.monotonic()
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fault": "timeout;delay=0.3"})
    assert time.monotonic() - started >= 0.3
    assert answer.choices[0].message.content


def test_connection_reset_gives_connection_error(
        fault_server: FaultServerProcess, client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIConnectionError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                       extra_headers={"x-fault": "connection_reset"})
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert classify_exception(caught.value).code == "connection_error"
    assert _wait_for_tally(fault_server, "chat.completions connection_reset reset", 1) >= 1


async def test_connection_reset_async(aclient: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.APIConnectionError) as caught:
        await aclient.embeddings.create(model="text-embedding-3-small", input="x",
                                        extra_headers={"x-fault": "connection_reset"})
    assert classify_exception(caught.value).code == "connection_error"


def test_body_cut_mid_way_on_a_plain_request_is_a_connection_error(
        client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIConnectionError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                       extra_headers={"x-fault": "stream_cut"})
    assert classify_exception(caught.value).code == "connection_error"


@pytest.mark.parametrize("after", [0, 1, 3])
def test_chat_stream_cut_after_n_chunks(client: openai.OpenAI, after: int) -> None:
    received = []
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True,
        extra_headers={"x-fault": f"stream_cut;after={after}"})
    # openai 1.x/2.x let httpx's ReadError (connection reset) escape; 3.14+ wraps it.
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class differs per major
        _drain(stream, received)
    assert len(received) == after
    assert type(caught.value).__name__ in MID_STREAM_DROP
    assert classify_exception(caught.value, after_response=True).code == "stream_interrupted"


async def test_responses_stream_cut_async(aclient: openai.AsyncOpenAI) -> None:
    events = []
    stream = await aclient.responses.create(
        model="gpt-4o-mini", input="hi", stream=True,
        extra_headers={"x-fault": "stream_cut=4"})
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class differs per major
        await _adrain(stream, events)
    assert type(caught.value).__name__ in MID_STREAM_DROP
    assert [e.type for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added",
    ]
    assert classify_exception(caught.value, after_response=True).code == "stream_interrupted"


@pytest.mark.parametrize(("code", "classified"), [
    ("server_error", "server_error"),
    ("rate_limit_exceeded", "rate_limited"),
    ("context_length_exceeded", "context_length_exceeded"),
])
def test_chat_stream_error_event_raises_api_error(
        client: openai.OpenAI, code: str, classified: str) -> None:
    received = []
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True,
        extra_headers={"x-fault": f"stream_error_event={code};after=2"})
    with pytest.raises(openai.APIError) as caught:
        _drain(stream, received)
    assert len(received) == 2
    exc = caught.value
    assert not isinstance(exc, openai.APIStatusError)  # mid-stream errors carry no status
    assert exc.code == code
    assert classify_exception(exc, after_response=True).code == classified


def test_responses_stream_error_event_is_yielded_as_an_event(client: openai.OpenAI) -> None:
    stream = client.responses.create(
        model="gpt-4o-mini", input="hi", stream=True,
        extra_headers={"x-fault": "stream_error_event;code=rate_limit_exceeded;after=3"})
    events = list(stream)
    assert [e.type for e in events] == ["response.created", "response.in_progress",
                                        "response.output_item.added", "error"]
    error = events[-1]
    assert error.code == "rate_limit_exceeded"  # type: ignore[union-attr]
    classified = classify_stream_event(error)
    assert classified is not None
    assert classified.code == "rate_limited"
    assert all(classify_stream_event(e) is None for e in events[:-1])


# What a stream that goes quiet raises: httpx(2).ReadTimeout on openai < 3.14, wrapped after.
MID_STREAM_STALL = {"ReadTimeout", "APITimeoutError"}


def test_stream_that_goes_quiet_after_n_chunks_times_out(client: openai.OpenAI) -> None:
    received: list[Any] = []
    stream = client.with_options(timeout=0.4).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True,
        extra_headers={"x-fault": "timeout;after=2;delay=30"})
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class differs per major
        _drain(stream, received)
    assert len(received) == 2
    assert type(caught.value).__name__ in MID_STREAM_STALL
    assert classify_exception(caught.value, after_response=True).code == "timeout"


async def test_stream_stall_shorter_than_the_timeout_completes(
        aclient: openai.AsyncOpenAI) -> None:
    started = time.monotonic()
    stream = await aclient.responses.create(
        model="gpt-4o-mini", input="hi", stream=True,
        extra_headers={"x-fault": "timeout;after=3;delay=0.3"})
    events: list[Any] = []
    await _adrain(stream, events)
    assert events[-1].type == "response.completed"
    assert time.monotonic() - started >= 0.3
