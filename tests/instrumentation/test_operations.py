"""Operation and attempt spans and metrics for non-streaming calls, sync and async."""

from __future__ import annotations

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from tests.instrumentation.harness import (
    FAST_RETRY,
    QUOTA,
    RATE,
    async_client,
    chat_body,
    client,
    json_response,
    sequence,
)


def test_success_gives_one_ok_operation_span_and_no_attempt_span(telemetry):
    handler, _ = sequence(json_response(200, chat_body(), {"x-ratelimit-remaining-requests": "59",
                                                          "x-ratelimit-limit-requests": "60"}))
    result = client(handler).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "secret prompt"}]
    )
    assert result.choices[0].message.content == "hi"
    (op,) = telemetry.spans("operation")
    # one attempt that succeeded: no span of its own, the operation carries its status
    assert telemetry.spans("attempt") == []
    assert op.attributes["http.response.status_code"] == 200
    assert op.name == "chat gpt-4o-mini"
    assert op.kind == SpanKind.CLIENT
    assert op.status.status_code == StatusCode.UNSET
    assert op.attributes["gen_ai.provider.name"] == "openai"
    assert op.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024"
    assert op.attributes["gen_ai.response.id"] == "chatcmpl-1"
    assert op.attributes["gen_ai.usage.input_tokens"] == 7
    assert op.attributes["server.address"] == "api.test"
    assert op.attributes["server.port"] == 80
    assert "error.type" not in op.attributes
    assert telemetry.total("openai.client.attempts") == 1
    assert telemetry.total("openai.client.attempts", http__response__status_code=200,
                           openai__retry__will_retry=False) == 1
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert "error.type" not in duration.attributes
    assert duration.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024"
    assert telemetry.total("gen_ai.client.token.usage", gen_ai__token__type="output") == 1
    (remaining,) = telemetry.points("openai.ratelimit.remaining")
    assert remaining.value == 59
    assert remaining.attributes["openai.ratelimit.kind"] == "requests"


def test_429_then_200_is_one_ok_operation_with_two_attempts(telemetry):
    handler, seen = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    client(handler).chat.completions.create(model="gpt-4o-mini", messages=[])
    assert len(seen) == 2
    (op,) = telemetry.spans("operation")
    first, second = sorted(telemetry.spans("attempt"), key=lambda s: s.start_time)
    assert op.status.status_code == StatusCode.UNSET
    assert first.attributes["error.type"] == "rate_limited"
    assert first.attributes["openai.retry.will_retry"] is True
    assert first.status.status_code == StatusCode.ERROR
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes
    assert [e.name for e in op.events] == ["openai.retry"]
    assert op.events[0].attributes["error.type"] == "rate_limited"
    assert telemetry.total("openai.client.attempts") == 2
    assert telemetry.total(
        "openai.client.attempts", error__type="rate_limited", openai__retry__will_retry=True
    ) == 1
    assert telemetry.total("openai.client.retry.delay", error__type="rate_limited") == 1
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert "error.type" not in duration.attributes


def test_quota_exhausted_fails_the_operation_with_its_code(telemetry, logs):
    handler, seen = sequence(json_response(429, QUOTA, {**FAST_RETRY, "x-request-id": "req_q"}))
    with pytest.raises(openai.RateLimitError):
        client(handler).chat.completions.create(model="gpt-4o-mini", messages=[])
    assert len(seen) == 3  # the SDK retries quota twice by default
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.ERROR
    assert op.attributes["error.type"] == "quota_exhausted"
    assert op.attributes["openai.error.code"] == "insufficient_quota"
    assert op.attributes["openai.error.retryable"] is False
    assert op.attributes["openai.request_id"] == "req_q"
    assert op.attributes["http.response.status_code"] == 429
    assert telemetry.total("openai.client.attempts", error__type="quota_exhausted") == 3
    assert telemetry.total(
        "gen_ai.client.operation.duration", error__type="quota_exhausted"
    ) == 1
    warnings = [e for e in logs.named("openai.attempt.failed") if e["log_level"] == "warning"]
    errors = [e for e in logs.named("openai.attempt.failed") if e["log_level"] == "error"]
    assert len(warnings) == 2
    assert len(errors) == 1
    assert errors[0]["error.type"] == "quota_exhausted"
    assert errors[0]["attempt"] == 3
    assert errors[0]["request_id"] == "req_q"
    assert warnings[0]["retry_delay_s"] == pytest.approx(0.001)
    assert len(errors[0]["trace_id"]) == 32


def test_rate_limit_and_quota_are_split(telemetry):
    rate, _ = sequence(json_response(429, RATE, FAST_RETRY))
    quota, _ = sequence(json_response(429, QUOTA, FAST_RETRY))
    for handler in (rate, quota):
        with pytest.raises(openai.RateLimitError):
            client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
    codes = sorted(s.attributes["error.type"] for s in telemetry.spans("operation"))
    assert codes == ["quota_exhausted", "rate_limited"]
    assert telemetry.total("openai.client.attempts", error__type="rate_limited") == 1
    assert telemetry.total("openai.client.attempts", error__type="quota_exhausted") == 1


def test_connection_error_is_classified_per_attempt(telemetry):
    def refuse(request):
        raise http.ConnectError("refused", request=request)

    from tests.instrumentation.harness import http

    with pytest.raises(openai.APIConnectionError):
        client(refuse, max_retries=1).embeddings.create(model="emb", input="x")
    attempts = telemetry.spans("attempt")
    assert [a.attributes["error.type"] for a in attempts] == ["connection_error"] * 2
    (op,) = telemetry.spans("operation")
    assert op.name == "embeddings emb"
    assert op.attributes["error.type"] == "connection_error"


async def test_async_429_then_200(telemetry):
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    result = await async_client(handler).chat.completions.create(model="gpt-4o-mini", messages=[])
    assert result.id == "chatcmpl-1"
    (op,) = telemetry.spans("operation")
    assert op.status.status_code == StatusCode.UNSET
    assert len(telemetry.spans("attempt")) == 2
    assert telemetry.total("openai.client.attempts", error__type="rate_limited") == 1
    assert telemetry.total("openai.client.retry.delay") == 1


async def test_async_failure_keeps_the_exception(telemetry):
    handler, _ = sequence(json_response(404, {"error": {"code": "model_not_found",
                                                         "type": "invalid_request_error",
                                                         "message": "no"}}))
    with pytest.raises(openai.NotFoundError) as caught:
        await async_client(handler).chat.completions.create(model="nope", messages=[])
    assert caught.value.code == "model_not_found"
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "not_found"


def test_raw_response_and_other_endpoints_are_covered(telemetry):
    handler, _ = sequence(json_response(200, {"object": "list", "data": []}))
    c = client(handler)
    raw = c.models.with_raw_response.list()
    assert raw.status_code == 200
    c.files.with_raw_response.retrieve("file-abc123")
    names = sorted(s.attributes["gen_ai.operation.name"] for s in telemetry.spans("operation"))
    assert names == ["files.retrieve", "models.list"]


def test_azure_client_is_named_as_azure(telemetry):
    handler, _ = sequence(json_response(200, chat_body()))
    from tests.instrumentation.harness import http

    azure = openai.AzureOpenAI(
        api_key="k", api_version="2024-06-01", azure_endpoint="https://x.openai.azure.com",
        http_client=http.Client(transport=http.MockTransport(handler)),
    )
    azure.chat.completions.create(model="dep", messages=[])
    (op,) = telemetry.spans("operation")
    assert op.attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert op.attributes["server.address"] == "x.openai.azure.com"
    assert op.attributes["gen_ai.operation.name"] == "chat"


def test_parse_that_stops_at_the_length_limit_is_output_truncated(telemetry, logs):
    body = chat_body()
    body["choices"][0]["finish_reason"] = "length"
    handler, _ = sequence(json_response(200, body))
    with pytest.raises(openai.LengthFinishReasonError):
        client(handler).chat.completions.parse(model="gpt-4o-mini", messages=[])
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "output_truncated"
    # the HTTP answer itself was fine: a lone successful attempt, no attempt span
    assert telemetry.spans("attempt") == []
    assert op.attributes["http.response.status_code"] == 200
    assert [e["error.type"] for e in logs.named("openai.operation.failed")] == [
        "output_truncated"]
