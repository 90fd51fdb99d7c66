"""Stream spans: end on exhaustion, failure, close or abandonment; time to first chunk."""

from __future__ import annotations

import gc
import json
from typing import Any

import openai
import pytest
from opentelemetry.trace import StatusCode

from tests.instrumentation.harness import async_client, client, http, sequence, sse_response


def chunk(text: str, usage: Any = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1,
        "model": "gpt-4o-mini-2024", "usage": usage,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


def response(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "resp_1a", "object": "response", "created_at": 1, "model": "gpt-4o-2024",
            "status": status, "output": [], **extra}


def responses_events(*terminal: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "response.created", "sequence_number": 0,
             "response": response("in_progress")}, *terminal]


FAILED = {"type": "response.failed", "sequence_number": 1,
          "response": response("failed", error={"code": "rate_limit_exceeded",
                                                "message": "slow down"})}
COMPLETED = {"type": "response.completed", "sequence_number": 1,
             "response": response("completed", usage={"input_tokens": 5, "output_tokens": 2,
                                                       "total_tokens": 7})}


def dropping(first: bytes) -> Any:
    """A body that sends ``first`` and then loses the connection."""

    def body():
        yield first
        raise http.RemoteProtocolError("peer closed connection without sending complete body")

    return http.Response(200, headers={"content-type": "text/event-stream"}, content=body())


def dropping_async(first: bytes) -> Any:
    async def body():
        yield first
        raise http.RemoteProtocolError("peer closed connection without sending complete body")

    return http.Response(200, headers={"content-type": "text/event-stream"}, content=body())


async def drain(stream: Any) -> None:
    async for _ in stream:
        pass


def test_chat_stream_span_ends_when_exhausted(telemetry):
    usage = {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
    handler, _ = sequence(sse_response([chunk("a"), chunk("b"), chunk("", usage)]))
    stream = client(handler).chat.completions.create(model="gpt-4o-mini", messages=[],
                                                     stream=True)
    assert telemetry.spans("operation") == []  # still open while the stream is unread
    texts = [c.choices[0].delta.content for c in stream]
    assert texts == ["a", "b", ""]
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.UNSET
    assert op.attributes["openai.stream.outcome"] == "completed"
    assert op.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024"
    assert op.attributes["gen_ai.usage.output_tokens"] == 2
    assert op.attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert telemetry.total("gen_ai.client.operation.time_to_first_chunk") == 1


def test_chat_stream_error_chunk_fails_with_its_code(telemetry):
    error = {"error": {"code": "server_error", "type": "server_error", "message": "boom"}}
    handler, _ = sequence(sse_response([chunk("a"), error]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    with pytest.raises(openai.APIError):
        list(stream)
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.ERROR
    assert op.attributes["error.type"] == "server_error"


def test_mid_stream_drop_is_stream_interrupted(telemetry, logs):
    first = f"data: {json.dumps(chunk('a'))}\n\n".encode()
    handler, _ = sequence(dropping(first))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    received = []
    with pytest.raises(Exception) as caught:  # noqa: PT011 - raw httpx on <3.14, APIError after
        received.extend(stream)
    assert len(received) == 1
    assert "RemoteProtocolError" in type(caught.value).__name__ or isinstance(
        caught.value, openai.APIConnectionError)
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "stream_interrupted"
    assert telemetry.total("gen_ai.client.operation.duration",
                           error__type="stream_interrupted") == 1
    (event,) = logs.named("openai.stream.failed")
    assert event["error.type"] == "stream_interrupted"


async def test_async_mid_stream_drop_is_stream_interrupted(telemetry):
    first = f"data: {json.dumps(chunk('a'))}\n\n".encode()
    handler, _ = sequence(dropping_async(first))
    stream = await async_client(handler).chat.completions.create(model="m", messages=[],
                                                                 stream=True)
    with pytest.raises(Exception):  # noqa: PT011,B017 - the class differs by SDK version
        await drain(stream)
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "stream_interrupted"


def test_responses_stream_failed_event_marks_the_span(telemetry, logs):
    handler, _ = sequence(sse_response(responses_events(FAILED), done=False))
    events = list(client(handler).responses.create(model="gpt-4o", input="x", stream=True))
    assert [e.type for e in events] == ["response.created", "response.failed"]
    (op,) = telemetry.spans("operation")
    assert op.name == "generate_content gpt-4o"
    assert op.status.status_code == StatusCode.ERROR
    assert op.attributes["error.type"] == "rate_limited"
    assert op.attributes["openai.stream.outcome"] == "failed"
    assert [e["error.type"] for e in logs.named("openai.stream.failed")] == ["rate_limited"]


def test_responses_stream_helper_completed(telemetry):
    handler, _ = sequence(sse_response(responses_events(COMPLETED), done=False))
    with client(handler).responses.stream(model="gpt-4o", input="x") as stream:
        for _ in stream:
            pass
    gc.collect()
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.UNSET
    assert op.attributes["gen_ai.usage.input_tokens"] == 5
    assert op.attributes["gen_ai.response.id"] == "resp_1a"


def test_responses_stream_without_terminal_event_is_interrupted(telemetry):
    handler, _ = sequence(sse_response(responses_events(), done=False))
    list(client(handler).responses.create(model="gpt-4o", input="x", stream=True))
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "stream_interrupted"


async def test_async_responses_stream_failed(telemetry):
    handler, _ = sequence(sse_response(responses_events(FAILED), done=False))
    stream = await async_client(handler).responses.create(model="gpt-4o", input="x",
                                                          stream=True)
    types = [e.type async for e in stream]
    assert types[-1] == "response.failed"
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "rate_limited"


def test_abandoned_stream_ends_its_span(telemetry):
    handler, _ = sequence(sse_response([chunk("a"), chunk("b")]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    next(iter(stream))
    del stream
    gc.collect()
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "abandoned"
    assert op.status.status_code == StatusCode.UNSET


def test_closed_stream_ends_its_span(telemetry):
    handler, _ = sequence(sse_response([chunk("a"), chunk("b")]))
    with client(handler).chat.completions.create(model="m", messages=[], stream=True) as s:
        next(iter(s))
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "closed"


async def test_async_stream_completed(telemetry):
    handler, _ = sequence(sse_response([chunk("a"), chunk("b")]))
    stream = await async_client(handler).chat.completions.create(model="m", messages=[],
                                                                 stream=True)
    assert type(stream.response) is http.Response  # the SDK's own response, not a proxy
    assert [c.choices[0].delta.content async for c in stream] == ["a", "b"]
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "completed"
    assert isinstance(stream, openai.AsyncStream)


def test_uninstrumenting_mid_stream_leaves_the_stream_working(telemetry):
    import openai_error_telemetry

    handler, _ = sequence(sse_response([chunk("a"), chunk("b"), chunk("c")]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    first = next(iter(stream))
    openai_error_telemetry.uninstrument()
    rest = list(stream)
    assert [c.choices[0].delta.content for c in [first, *rest]] == ["a", "b", "c"]
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "completed"


def test_a_streams_response_keeps_its_type_and_identity(telemetry):
    handler, _ = sequence(sse_response(responses_events(COMPLETED), done=False))
    stream = client(handler).responses.create(model="gpt-4o", input="x", stream=True)
    assert type(stream.response) is http.Response
    assert stream.response is stream.__wrapped__.response
    assert [e.type for e in stream][-1] == "response.completed"
    (op,) = telemetry.spans("operation")
    # the SDK's generator closes the response as it ends: that is completion, not a close
    assert op.attributes["openai.stream.outcome"] == "completed"


async def test_the_sdks_own_cleanup_of_an_abandoned_stream_is_not_a_close(telemetry):
    # the SDK's generator closes (3.x: drains) the response in its finally when it is
    # finalized; that happens to an abandoned stream, which must end as abandoned
    handler, _ = sequence(sse_response([chunk("a"), chunk("b")]))
    stream = await async_client(handler).chat.completions.create(model="m", messages=[],
                                                                 stream=True)
    await stream.__anext__()
    await stream.__wrapped__._iterator.aclose()
    assert telemetry.spans("operation") == []
    del stream
    gc.collect()
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "abandoned"


def test_closing_the_response_alone_ends_the_span_as_closed(telemetry):
    # what the SDK's stream helpers do: close the stream's response, not the stream
    handler, _ = sequence(sse_response([chunk("a"), chunk("b")]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    next(iter(stream))
    assert telemetry.spans("operation") == []
    stream.response.close()
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "closed"


async def test_async_helper_closing_early_ends_the_span_as_closed(telemetry):
    handler, _ = sequence(sse_response(responses_events(COMPLETED), done=False))
    async with async_client(handler).responses.stream(model="gpt-4o", input="x") as stream:
        assert type(stream._response) is http.Response
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "closed"


def test_nothing_of_ours_keeps_a_finished_streams_response_alive(telemetry):
    import weakref

    def handler(request: Any) -> Any:  # a new response each time, held by nobody else
        return sse_response([chunk("a")])

    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    list(stream)
    response = weakref.ref(stream.response)
    del stream
    gc.collect()
    assert response() is None
