"""The real SDK builds the exception from a real (in-memory) HTTP answer; we classify it.

Runs under whichever openai major is installed; CI runs it under 1.x, 2.x and 3.x.
"""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from openai_error_telemetry import ErrorCode, classify, classify_exception, is_retryable
from tests.sdk import (
    CHAT,
    OPENAI_MAJOR,
    answer,
    async_client,
    chat_chunk,
    client,
    completion,
    http,
    sse,
)

C = ErrorCode


def _error(code: str | None, type_: str | None, message: str = "m") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


# (status, headers, body, SDK class the SDK raises, our code)
HTTP_CASES = [
    pytest.param(429, {"retry-after-ms": "10", "x-request-id": "req_rl"},
                 _error("rate_limit_exceeded", "tokens"), openai.RateLimitError, C.RATE_LIMITED,
                 id="429-rate-limit"),
    pytest.param(429, {}, _error("insufficient_quota", "insufficient_quota"),
                 openai.RateLimitError, C.QUOTA_EXHAUSTED, id="429-quota"),
    pytest.param(429, {"retry-after": "300"}, _error("slow_down", "rate_limit_error"),
                 openai.RateLimitError, C.RATE_LIMITED, id="429-slow-down"),
    pytest.param(400, {}, _error("context_length_exceeded", "invalid_request_error"),
                 openai.BadRequestError, C.CONTEXT_LENGTH_EXCEEDED, id="400-context"),
    pytest.param(400, {}, _error("unsupported_parameter", "invalid_request_error"),
                 openai.BadRequestError, C.INVALID_REQUEST, id="400-param"),
    pytest.param(400, {}, _error("moderation_blocked", "image_generation_user_error"),
                 openai.BadRequestError, C.CONTENT_FILTERED, id="400-moderation"),
    pytest.param(401, {}, _error("invalid_api_key", "invalid_request_error"),
                 openai.AuthenticationError, C.AUTH_ERROR, id="401"),
    pytest.param(403, {}, _error("unsupported_country_region_territory", "request_forbidden"),
                 openai.PermissionDeniedError, C.PERMISSION_DENIED, id="403"),
    pytest.param(404, {}, _error("model_not_found", "invalid_request_error"),
                 openai.NotFoundError, C.NOT_FOUND, id="404"),
    pytest.param(408, {}, None, openai.APIStatusError, C.TIMEOUT, id="408"),
    pytest.param(409, {}, _error(None, None), openai.ConflictError, C.CONFLICT, id="409"),
    pytest.param(413, {}, "request entity too large", openai.APIStatusError, C.INVALID_REQUEST,
                 id="413"),
    pytest.param(422, {}, _error(None, "invalid_request_error"), openai.UnprocessableEntityError,
                 C.INVALID_REQUEST, id="422"),
    pytest.param(500, {}, _error("server_error", "server_error"), openai.InternalServerError,
                 C.SERVER_ERROR, id="500"),
    pytest.param(502, {"content-type": "text/html"}, "<html><h1>502 Bad Gateway</h1></html>",
                 openai.InternalServerError, C.SERVER_ERROR, id="502-html"),
    pytest.param(503, {}, _error("server_is_overloaded", "service_unavailable_error"),
                 openai.InternalServerError, C.OVERLOADED, id="503"),
    pytest.param(504, {}, "upstream request timeout", openai.InternalServerError, C.TIMEOUT,
                 id="504"),
    pytest.param(529, {}, {"type": "error", "error": {"type": "overloaded_error"}},
                 openai.InternalServerError, C.OVERLOADED, id="529"),
    pytest.param(410, {}, _error(None, None), openai.APIStatusError, C.UNKNOWN, id="410"),
]


@pytest.mark.parametrize(("status", "headers", "body", "sdk_class", "code"), HTTP_CASES)
def test_status_errors_built_by_the_sdk(
    status: int, headers: dict[str, str], body: Any, sdk_class: type, code: ErrorCode
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client(answer(status, body, headers)).chat.completions.create(**CHAT)
    assert isinstance(caught.value, sdk_class)
    result = classify_exception(caught.value)
    assert result.code is code
    assert result.http_status == status
    assert result.retryable is code.info.retryable or (code is C.UNKNOWN and not result.retryable)
    assert classify(caught.value) == result


def test_rate_limit_details_come_from_headers_and_body() -> None:
    headers = {"retry-after-ms": "1500", "x-request-id": "req_123",
               "x-ratelimit-remaining-requests": "0"}
    with pytest.raises(openai.RateLimitError) as caught:
        client(answer(429, _error("rate_limit_exceeded", "requests"), headers)).chat.completions.create(
            **CHAT
        )
    result = classify_exception(caught.value)
    assert (result.retry_after, result.request_id, result.rate_limit_kind) == (1.5, "req_123", "requests")
    assert result.provider_code == "rate_limit_exceeded"
    assert result.provider_type == "requests"


def test_integer_codes_become_strings_on_every_major() -> None:
    # openai < 3.14 keeps an int code as int; we always report a string.
    with pytest.raises(openai.BadRequestError) as caught:
        client(answer(400, {"error": {"message": "x", "code": 1234}})).chat.completions.create(**CHAT)
    assert classify_exception(caught.value).provider_code == "1234"


def test_quota_is_not_retryable_while_a_rate_limit_is() -> None:
    errors = []
    for body in (_error("insufficient_quota", "insufficient_quota"), _error("rate_limit_exceeded", "tokens")):
        with pytest.raises(openai.RateLimitError) as caught:
            client(answer(429, body)).chat.completions.create(**CHAT)
        errors.append(caught.value)
    assert [is_retryable(e) for e in errors] == [False, True]


def _raising(exc: BaseException) -> Any:
    def handle(request: Any) -> Any:
        raise exc

    return handle


def test_connect_error_is_a_connection_error() -> None:
    with pytest.raises(openai.APIConnectionError) as caught:
        client(_raising(http.ConnectError("refused"))).chat.completions.create(**CHAT)
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert classify_exception(caught.value).code is C.CONNECTION_ERROR


def test_read_timeout_is_a_timeout() -> None:
    with pytest.raises(openai.APITimeoutError) as caught:
        client(_raising(http.ReadTimeout("slow"))).chat.completions.create(**CHAT)
    assert isinstance(caught.value.__cause__, http.ReadTimeout)
    assert classify_exception(caught.value).code is C.TIMEOUT


def test_error_chunk_mid_stream_is_a_bare_api_error_classified_by_its_code() -> None:
    handler = sse(chat_chunk("Hel"), {"error": {"message": "Rate limit reached", "type": "tokens",
                                                "code": "rate_limit_exceeded"}})
    stream = client(handler).chat.completions.create(**CHAT, stream=True)
    with pytest.raises(openai.APIError) as caught:
        list(stream)
    assert not isinstance(caught.value, openai.APIStatusError)
    result = classify_exception(caught.value)
    assert (result.code, result.http_status, result.rate_limit_kind) == (C.RATE_LIMITED, None, "tokens")


def test_transport_drop_mid_stream_is_stream_interrupted() -> None:
    drop = http.RemoteProtocolError(
        "peer closed connection without sending complete message body (incomplete chunked read)"
    )
    stream = client(sse(chat_chunk("Hel"), chat_chunk("lo"), then=drop)).chat.completions.create(
        **CHAT, stream=True
    )
    received: list[object] = []
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class differs by major
        received.extend(stream)
    assert len(received) == 2
    # openai >= 3.14 wraps it in APIConnectionError; older versions let httpx's escape.
    if OPENAI_MAJOR >= 3:
        assert isinstance(caught.value, openai.APIConnectionError)
    else:
        assert isinstance(caught.value, http.RemoteProtocolError)
    assert classify_exception(caught.value).code is C.STREAM_INTERRUPTED
    assert classify_exception(caught.value, after_response=True).code is C.STREAM_INTERRUPTED


class Answer(BaseModel):
    text: str


@pytest.mark.parametrize(
    ("finish", "sdk_class", "code"),
    [
        ("length", openai.LengthFinishReasonError, C.OUTPUT_TRUNCATED),
        ("content_filter", openai.ContentFilterFinishReasonError, C.CONTENT_FILTERED),
    ],
)
def test_parse_finish_reason_errors(finish: str, sdk_class: type, code: ErrorCode) -> None:
    handler = answer(200, completion('{"text": "trunc', finish))
    with pytest.raises(sdk_class) as caught:
        client(handler).chat.completions.parse(**CHAT, response_format=Answer)
    assert classify_exception(caught.value).code is code


def test_response_validation_error() -> None:
    strict = client(answer(200, {"unexpected": True}), _strict_response_validation=True)
    with pytest.raises(openai.APIResponseValidationError) as caught:
        strict.chat.completions.create(**CHAT)
    assert classify_exception(caught.value).code is C.RESPONSE_VALIDATION


def test_responses_stream_helper_without_completed_event_is_stream_interrupted() -> None:
    created = {"type": "response.created", "sequence_number": 0, "response": {
        "id": "resp_1", "object": "response", "created_at": 1, "status": "in_progress",
        "model": "gpt-4o-mini", "output": [], "parallel_tool_calls": True, "tool_choice": "auto",
        "tools": []}}
    handler = sse(("response.created", created))
    with client(handler).responses.stream(model="gpt-4o-mini", input="hi") as stream:
        for _ in stream:
            pass
        with pytest.raises(RuntimeError) as caught:
            stream.get_final_response()
    assert classify_exception(caught.value).code is C.STREAM_INTERRUPTED


def test_missing_api_key_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(openai.OpenAIError) as caught:
        openai.OpenAI()
    assert classify_exception(caught.value).code is C.AUTH_ERROR


async def test_async_client_errors_classify_the_same() -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        await async_client(answer(429, _error("insufficient_quota", "insufficient_quota"))).chat.completions.create(
            **CHAT
        )
    assert classify_exception(caught.value).code is C.QUOTA_EXHAUSTED


async def test_cancelled_call_is_cancelled() -> None:
    async def never(request: Any) -> Any:
        await asyncio.sleep(3600)

    task = asyncio.ensure_future(async_client(never).chat.completions.create(**CHAT))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await task
    assert classify_exception(caught.value).code is C.CANCELLED
