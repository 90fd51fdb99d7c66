"""structlog events and processor; settings from arguments and environment; newer names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog
from opentelemetry import trace

from openai_error_telemetry.instrumentation.config import Settings, load_settings
from openai_error_telemetry.telemetry.logs import add_trace_context
from tests.instrumentation.harness import (
    FAST_RETRY,
    QUOTA,
    RATE,
    Telemetry,
    chat_body,
    client,
    instrumented,
    json_response,
    sequence,
    sse_response,
)


def test_add_trace_context_adds_ids_of_the_current_span():
    tracer = Telemetry().tracer_provider.get_tracer("t")
    with tracer.start_as_current_span("work") as span:
        event = add_trace_context(None, "info", {"event": "mine"})
    context = span.get_span_context()
    assert event["trace_id"] == format(context.trace_id, "032x")
    assert event["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in add_trace_context(None, "info", {"event": "outside"})
    kept = add_trace_context(None, "info", {"event": "x", "trace_id": "given"})
    assert kept["trace_id"] == "given"


def test_instrumenting_does_not_configure_structlog(telemetry):
    before = structlog.get_config()
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    client(handler).chat.completions.create(model="m", messages=[])
    assert structlog.get_config() == before


def test_attempt_events_warn_on_retry_and_error_on_give_up(telemetry, logs):
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY), json_response(429, QUOTA))
    with pytest.raises(Exception, match="quota"):
        client(handler, max_retries=1).chat.completions.create(model="gpt-x", messages=[])
    first, last = logs.named("openai.attempt.failed")
    assert (first["log_level"], first["error.type"], first["will_retry"]) == (
        "warning", "rate_limited", True)
    assert (last["log_level"], last["error.type"], last["will_retry"]) == (
        "error", "quota_exhausted", False)
    assert first["attempt"] == 1
    assert last["attempt"] == 2
    assert first["model"] == "gpt-x"
    assert first["operation"] == "chat"
    assert first["http_status"] == 429
    assert first["provider_code"] == "rate_limit_exceeded"
    (op,) = telemetry.spans("operation")
    assert last["trace_id"] == format(op.context.trace_id, "032x")
    assert last["duration_s"] >= 0


def test_logs_can_be_turned_off(logs):
    for _ in instrumented(Telemetry(), logs=False):
        handler, _ = sequence(json_response(429, QUOTA))
        with pytest.raises(Exception, match="quota"):
            client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
    assert logs.entries == []


def test_settings_arguments_win_over_environment():
    env = {"OPENAI_ERROR_TELEMETRY_RETRY_GUARD": "true",
           "OPENAI_ERROR_TELEMETRY_RECORD_EXCEPTIONS": "1",
           "OPENAI_ERROR_TELEMETRY_LOGS": "off",
           "OPENAI_ERROR_TELEMETRY_BACKGROUND_MAX_TRACKED": "7",
           "OTEL_SEMCONV_STABILITY_OPT_IN": "http,gen_ai_latest_experimental"}
    assert load_settings({}, env) == Settings(True, True, False, True, 7)
    assert load_settings({"retry_guard": False, "logs": True}, env).retry_guard is False
    assert load_settings({}, {}) == Settings()
    assert load_settings({}, {"OPENAI_ERROR_TELEMETRY_BACKGROUND_MAX_TRACKED": "x"}) == Settings()


@pytest.fixture
def latest() -> Iterator[Telemetry]:
    yield from instrumented(Telemetry(), latest_genai_names=True)


def test_the_opt_in_records_inference_under_the_latest_names_only(latest):
    handler, _ = sequence(json_response(200, chat_body()))
    client(handler).chat.completions.create(model="m", messages=[])
    assert latest.total("gen_ai.client.inference.duration") == 1
    assert latest.points("gen_ai.client.operation.duration") == []  # not both
    assert latest.points("gen_ai.client.token.usage") == []
    (tokens,) = latest.points("gen_ai.client.inference.usage.input_tokens")
    assert tokens.value == 7  # a counter now, by modality: the SDK's totals have none
    assert tokens.attributes["gen_ai.token.modality"] == "unknown"
    assert "gen_ai.token.type" not in tokens.attributes


def test_the_opt_in_keeps_operation_duration_for_what_is_not_inference(latest):
    body = {"object": "list", "model": "e",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
            "usage": {"prompt_tokens": 3, "total_tokens": 3}}
    handler, _ = sequence(json_response(200, body))
    client(handler).embeddings.create(model="e", input="x", encoding_format="float")
    assert latest.total("gen_ai.client.operation.duration", gen_ai__operation__name="embeddings") == 1
    assert latest.points("gen_ai.client.inference.duration") == []


def test_the_opt_in_writes_the_latest_time_to_first_chunk_alone(latest):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}
    handler, _ = sequence(sse_response([chunk]))
    list(client(handler).chat.completions.create(model="m", messages=[], stream=True))
    (op,) = latest.spans("operation")
    assert op.attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert "openai.stream.time_to_first_chunk" not in op.attributes
    assert latest.total("gen_ai.client.inference.time_to_first_chunk") == 1
    assert latest.points("gen_ai.client.operation.time_to_first_chunk") == []


def test_by_default_the_older_names_are_recorded_and_not_the_latest(telemetry):
    handler, _ = sequence(json_response(200, chat_body()))
    client(handler).chat.completions.create(model="m", messages=[])
    assert telemetry.points("gen_ai.client.inference.duration") == []
    assert telemetry.points("gen_ai.client.inference.usage.input_tokens") == []
    assert telemetry.total("gen_ai.client.operation.duration") == 1
    assert telemetry.total("gen_ai.client.token.usage", gen_ai__token__type="input") == 1


def test_record_exceptions_is_opt_in():
    for telemetry in instrumented(Telemetry(), record_exceptions=True):
        handler, _ = sequence(json_response(429, QUOTA))
        with pytest.raises(Exception, match="quota"):
            client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
        (op,) = telemetry.spans("operation")
        assert [e.name for e in op.events] == ["exception"]


def test_current_span_during_the_call_is_ours():
    seen = []

    def handler(request):
        seen.append(trace.get_current_span().get_span_context().span_id)
        return json_response(200, chat_body())

    for telemetry in instrumented(Telemetry()):
        client(handler).chat.completions.create(model="m", messages=[])
        (op,) = telemetry.spans("operation")
        assert seen == [op.context.span_id]
