"""What the conventions ask a call to say about itself beyond its failure: finish reasons,
the OpenAI API type, service tier and fingerprint (spans only), and one
``gen_ai.client.operation.exception`` log event per exception raised to the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from opentelemetry._logs import NoOpLogger, SeverityNumber
from opentelemetry.context import Context
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from openai_error_telemetry import classify_http
from openai_error_telemetry.telemetry import events, semconv
from tests.instrumentation.harness import (
    QUOTA,
    Telemetry,
    chat_body,
    client,
    instrumented,
    json_response,
    response_body,
    sequence,
    sse_response,
)

PROMPT = "the prompt text that must stay in the process"


def chunk(content: str | None, finish: str | None, index: int = 0) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "system_fingerprint": "fp_1",
            "choices": [{"index": index, "delta": {"content": content},
                         "finish_reason": finish}]}


def test_a_chat_completion_says_how_it_finished_and_which_api(telemetry: Telemetry) -> None:
    body = {**chat_body(), "service_tier": "default", "system_fingerprint": "fp_44709d6fcb"}
    body["choices"] = [body["choices"][0], {**body["choices"][0], "index": 1,
                                            "finish_reason": "length"}]
    handler, _ = sequence(json_response(200, body))
    client(handler).chat.completions.create(model="m", messages=[], service_tier="auto")
    (span,) = telemetry.spans()
    assert span.attributes[semconv.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop", "length")
    assert span.attributes[semconv.OPENAI_API_TYPE] == "chat_completions"
    assert span.attributes[semconv.OPENAI_REQUEST_SERVICE_TIER] == "auto"
    assert span.attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] == "default"
    assert span.attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] == "fp_44709d6fcb"
    point = telemetry.points("gen_ai.client.operation.duration")[0]
    for name in (semconv.OPENAI_API_TYPE, semconv.OPENAI_REQUEST_SERVICE_TIER,
                 semconv.OPENAI_RESPONSE_SERVICE_TIER):
        assert name not in point.attributes  # spans only: metric sets unchanged


def test_a_stream_collects_the_finish_reason_of_each_choice(telemetry: Telemetry) -> None:
    handler, _ = sequence(sse_response([
        chunk("a", None), chunk("b", None, 1), chunk(None, "stop"), chunk(None, "length", 1),
    ]))
    list(client(handler).chat.completions.create(model="m", messages=[], stream=True))
    (span,) = telemetry.spans()
    assert span.attributes[semconv.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop", "length")
    assert span.attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] == "fp_1"


def test_the_api_type_is_said_only_for_the_two_apis_that_have_one(telemetry: Telemetry) -> None:
    embedding = {"object": "list", "model": "e", "data": [
        {"object": "embedding", "index": 0, "embedding": [0.1]}],
        "usage": {"prompt_tokens": 1, "total_tokens": 1}}
    handler, _ = sequence(json_response(200, embedding), json_response(200, response_body()))
    c = client(handler)
    c.embeddings.create(model="e", input="x")
    c.responses.create(model="m", input="x")
    embeddings, responses = telemetry.spans()
    assert semconv.OPENAI_API_TYPE not in embeddings.attributes
    assert responses.attributes[semconv.OPENAI_API_TYPE] == "responses"


def test_hostile_facts_are_not_recorded(telemetry: Telemetry) -> None:
    body = {**chat_body(), "service_tier": "x" * 500, "system_fingerprint": 7}
    body["choices"] = [{**body["choices"][0], "finish_reason": None}]
    handler, _ = sequence(json_response(200, body))
    client(handler).chat.completions.create(model="m", messages=[], service_tier="y" * 500)
    (span,) = telemetry.spans()
    for name in (semconv.GEN_AI_RESPONSE_FINISH_REASONS, semconv.OPENAI_REQUEST_SERVICE_TIER,
                 semconv.OPENAI_RESPONSE_SERVICE_TIER,
                 semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT):
        assert name not in span.attributes


@pytest.fixture
def with_logs() -> Iterator[tuple[Telemetry, InMemoryLogRecordExporter]]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    for telemetry in instrumented(Telemetry(), logger_provider=provider):
        yield telemetry, exporter


def test_an_exception_raised_to_the_caller_is_one_log_event(
        with_logs: tuple[Telemetry, InMemoryLogRecordExporter]) -> None:
    telemetry, exporter = with_logs
    handler, _ = sequence(json_response(429, QUOTA), json_response(200, chat_body()))
    c = client(handler, max_retries=0)
    with pytest.raises(openai.RateLimitError):
        c.chat.completions.create(model="m", messages=[{"role": "user", "content": PROMPT}])
    c.chat.completions.create(model="m", messages=[])  # a success logs nothing
    (finished,) = exporter.get_finished_logs()
    record = finished.log_record
    assert record.event_name == semconv.EVENT_OPERATION_EXCEPTION
    assert record.severity_number == SeverityNumber.WARN
    attributes = dict(record.attributes or {})
    assert attributes[semconv.EXCEPTION_TYPE] == "openai.RateLimitError"
    assert attributes[semconv.ERROR_TYPE] == "quota_exhausted"
    assert attributes[semconv.GEN_AI_OPERATION_NAME] == "chat"
    assert "exception.message" not in attributes
    assert "exception.stacktrace" not in attributes
    assert PROMPT not in str(attributes)
    assert record.body is None  # the provider's message stays out
    failed = telemetry.spans("operation")[0]  # the first call, the one that raised
    assert record.trace_id == failed.context.trace_id
    assert record.span_id == failed.context.span_id


def test_a_failure_that_raises_nothing_is_no_exception_event(
        with_logs: tuple[Telemetry, InMemoryLogRecordExporter]) -> None:
    _, exporter = with_logs
    failed = response_body(id="resp_9", status="failed", background=True,
                           error={"code": "server_error", "message": "boom"})
    handler, _ = sequence(json_response(200, failed))
    client(handler).responses.retrieve("resp_9")
    assert exporter.get_finished_logs() == ()


def test_a_resumed_fetch_says_it_streams_and_from_where(telemetry: Telemetry) -> None:
    done = response_body()
    handler, _ = sequence(
        sse_response([{"type": "response.completed", "sequence_number": 6, "response": done}],
                     done=False),
        json_response(200, done),
    )
    c = client(handler)
    list(c.responses.retrieve("resp_1", stream=True, starting_after=5))
    c.responses.retrieve("resp_1")
    resumed, plain = telemetry.spans()
    assert resumed.attributes[semconv.GEN_AI_OPERATION_NAME] == "fetch_response"
    assert resumed.attributes[semconv.GEN_AI_REQUEST_STREAM] is True
    assert resumed.attributes[semconv.GEN_AI_REQUEST_STREAM_CURSOR] == "5"
    assert semconv.GEN_AI_REQUEST_STREAM not in plain.attributes
    assert semconv.GEN_AI_REQUEST_STREAM_CURSOR not in plain.attributes
    point = telemetry.points("gen_ai.client.operation.duration")[0]
    assert semconv.GEN_AI_REQUEST_STREAM_CURSOR not in point.attributes


def test_a_logger_that_is_not_enabled_is_never_handed_a_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With no LoggerProvider anywhere (the API's no-op logger), the event is not built."""
    built: list[Any] = []
    real = events._record

    def record(**fields: Any) -> Any:
        built.append(fields)
        return real(**fields)

    monkeypatch.setattr(events, "_record", record)
    failure = classify_http(429, {}, b"")
    for logger, expected in ((NoOpLogger("x"), 0), (LoggerProvider().get_logger("x"), 0)):
        events.emit_operation_exception(logger, Exception(), failure, dict, Context())
        assert len(built) == expected
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(InMemoryLogRecordExporter()))
    events.emit_operation_exception(provider.get_logger("x"), Exception(), failure, dict,
                                    Context())
    assert len(built) == 1
