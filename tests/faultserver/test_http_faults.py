"""Each HTTP-status fault, through the real SDK: wire shape, exception, classification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import openai
import pytest

from openai_error_telemetry import classify_exception
from tests.fault_server import FaultServerProcess

pytestmark = pytest.mark.integration

MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]


@dataclass(frozen=True)
class Expected:
    fault: str
    status: int
    exc: type[openai.APIStatusError]
    code: Optional[str]
    type: Optional[str]
    classified: str


EXPECTED = [
    Expected("rate_limited", 429, openai.RateLimitError, "rate_limit_exceeded", "requests",
             "rate_limited"),
    Expected("rate_limited_tokens", 429, openai.RateLimitError, "rate_limit_exceeded", "tokens",
             "rate_limited"),
    Expected("quota_exhausted", 429, openai.RateLimitError, "insufficient_quota",
             "insufficient_quota", "quota_exhausted"),
    Expected("server_error", 500, openai.InternalServerError, "server_error", "server_error",
             "server_error"),
    Expected("overloaded", 503, openai.InternalServerError, "server_is_overloaded",
             "service_unavailable_error", "overloaded"),
    Expected("auth_error", 401, openai.AuthenticationError, "invalid_api_key",
             "invalid_request_error", "auth_error"),
    Expected("context_length_exceeded", 400, openai.BadRequestError, "context_length_exceeded",
             "invalid_request_error", "context_length_exceeded"),
    Expected("content_filtered", 400, openai.BadRequestError, "content_policy_violation",
             "invalid_request_error", "content_filtered"),
]


def _chat(client: openai.OpenAI, fault: str) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fault": fault})


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.fault)
def test_json_error_fault_has_the_promised_shape_and_code(
        client: openai.OpenAI, expected: Expected) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        _chat(client, expected.fault)
    exc = caught.value
    assert type(exc) is expected.exc
    assert exc.status_code == expected.status
    assert exc.code == expected.code
    assert exc.type == expected.type
    assert isinstance(exc.body, dict)
    assert set(exc.body) == {"message", "type", "param", "code"}
    assert exc.body["message"]
    assert exc.response.headers["content-type"].startswith("application/json")
    assert exc.request_id is not None
    assert exc.request_id.startswith("req_")
    assert "x-ratelimit-limit-requests" in exc.response.headers
    assert classify_exception(exc).code == expected.classified


@pytest.mark.parametrize("fault", ["context_length_exceeded", "content_filtered"])
def test_prompt_faults_name_the_prompt_field_of_each_endpoint(
        client: openai.OpenAI, fault: str) -> None:
    with pytest.raises(openai.BadRequestError) as on_chat:
        _chat(client, fault)
    with pytest.raises(openai.BadRequestError) as on_responses:
        client.responses.create(model="gpt-4o-mini", input="hello",
                                extra_headers={"x-fault": fault})
    assert on_chat.value.param == "messages"
    assert on_responses.value.param == "input"


def test_rate_limited_sends_retry_after_and_spent_limit_headers(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        _chat(client, "rate_limited;retry_after=2.5")
    headers = caught.value.response.headers
    assert headers["retry-after-ms"] == "2500"
    assert headers["retry-after"] == "3"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"] == "2.5s"
    assert int(headers["x-ratelimit-remaining-tokens"]) > 0
    assert "Limit" in caught.value.body["message"]  # type: ignore[index]
    classified = classify_exception(caught.value)
    assert classified.retry_after == 2.5
    assert classified.rate_limit_kind == "requests"
    assert classified.request_id == caught.value.request_id


def test_rate_limited_tokens_spends_the_token_limit(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        _chat(client, "rate_limited_tokens;retry_after=0.02")
    headers = caught.value.response.headers
    assert headers["x-ratelimit-remaining-tokens"] == "0"
    assert headers["retry-after-ms"] == "20"
    assert classify_exception(caught.value).rate_limit_kind == "tokens"


def test_quota_exhausted_carries_no_retry_after(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        _chat(client, "quota_exhausted")
    assert "retry-after" not in caught.value.response.headers
    assert "retry-after-ms" not in caught.value.response.headers
    assert classify_exception(caught.value).retryable is False


def test_bad_gateway_is_an_html_page_without_request_id(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        _chat(client, "bad_gateway")
    exc = caught.value
    assert exc.status_code == 502
    assert exc.response.headers["content-type"].startswith("text/html")
    assert "x-request-id" not in exc.response.headers
    assert exc.code is None
    assert isinstance(exc.body, str)
    assert "502 Bad Gateway" in exc.body
    assert classify_exception(exc).code == "server_error"


@pytest.mark.parametrize("endpoint", ["responses", "embeddings", "models", "retrieve"])
def test_http_faults_apply_to_every_endpoint(client: openai.OpenAI, endpoint: str) -> None:
    headers = {"x-fault": "overloaded"}
    calls: dict[str, Callable[[], Any]] = {
        "responses": lambda: client.responses.create(model="gpt-4o-mini", input="hi",
                                                     extra_headers=headers),
        "embeddings": lambda: client.embeddings.create(model="text-embedding-3-small",
                                                       input="hi", extra_headers=headers),
        "models": lambda: client.models.list(extra_headers=headers),
        "retrieve": lambda: client.responses.retrieve("resp_unknown", extra_headers=headers),
    }
    with pytest.raises(openai.InternalServerError) as caught:
        calls[endpoint]()
    assert caught.value.status_code == 503
    assert classify_exception(caught.value).code == "overloaded"


async def test_async_client_sees_the_same_fault(aclient: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        await aclient.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES,
            extra_headers={"x-fault": "quota_exhausted"})
    assert caught.value.code == "insufficient_quota"
    assert classify_exception(caught.value).code == "quota_exhausted"


def test_times_fires_n_times_then_succeeds_and_the_sdk_retry_recovers(
        fault_server: FaultServerProcess, fault_key: str) -> None:
    headers = {"x-fault": "rate_limited;times=2;retry_after=0.01", "x-fault-key": fault_key}
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test",
                       max_retries=2) as retrying:
        raw = retrying.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers=headers)
    assert raw.status_code == 200
    assert raw.retries_taken == 2
    assert raw.parse().choices[0].message.content
    # The countdown is spent for this key, and untouched for another one.
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test",
                       max_retries=0) as single:
        single.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                       extra_headers=headers)
        with pytest.raises(openai.RateLimitError):
            single.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES,
                extra_headers={**headers, "x-fault-key": fault_key + "-other"})


@pytest.mark.parametrize(("header", "problem"), [
    ("no_such_fault", "unknown fault"),
    ("timeout;delay=soon", "not a number"),
    ("rate_limited;times=x", "whole number"),
    ("stream_error_event", "does not apply"),
    ("background_failed", "does not apply"),
    ("background_incomplete=bored", "reason must be"),
])
def test_a_bad_fault_header_is_a_400_that_says_why(
        client: openai.OpenAI, header: str, problem: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                       extra_headers={"x-fault": header})
    assert caught.value.code == "invalid_fault"
    assert caught.value.param == "x-fault"
    assert problem in caught.value.message
