"""Side by side with the official OpenTelemetry OpenAI instrumentation.

That is ``opentelemetry-instrumentation-genai-openai``, the successor of the deprecated
``openai-v2``; both are on, each keeps its own spans. Its whole suite with ours on is
``make official-suite`` (benchmarks/sdk_suite.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor
from opentelemetry.trace import StatusCode

from tests.instrumentation.harness import (
    FAST_RETRY,
    RATE,
    Telemetry,
    chat_body,
    client,
    json_response,
    sequence,
    sse_response,
)


@pytest.fixture
def official(telemetry: Telemetry) -> Iterator[None]:
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider,
                            meter_provider=telemetry.meter_provider)
    try:
        yield
    finally:
        instrumentor.uninstrument()


def official_spans(telemetry: Telemetry) -> list:
    return [s for s in telemetry.spans()
            if s.instrumentation_scope.name != "openai_error_telemetry"]


def ours(telemetry: Telemetry) -> list:
    return [s for s in telemetry.spans("operation")
            if s.instrumentation_scope.name == "openai_error_telemetry"]


def test_both_trace_the_same_call_ours_nested_under_theirs(telemetry, official):
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    result = client(handler).chat.completions.create(model="gpt-4o-mini", messages=[])
    assert result.id == "chatcmpl-1"
    (theirs,) = official_spans(telemetry)
    (mine,) = ours(telemetry)
    assert mine.parent.span_id == theirs.context.span_id
    assert len(telemetry.spans("attempt")) == 2
    assert mine.status.status_code == StatusCode.UNSET
    assert telemetry.total("openai.client.attempts", error__type="rate_limited") == 1


def test_both_see_a_failure_ours_with_the_code(telemetry, official):
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY))
    with pytest.raises(Exception, match="Rate limit"):
        client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
    (theirs,) = official_spans(telemetry)
    (mine,) = ours(telemetry)
    assert theirs.attributes["error.type"] == "openai.RateLimitError"  # a class, not a code
    assert mine.attributes["error.type"] == "rate_limited"


def test_streams_pass_through_both(telemetry, official):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}
    handler, _ = sequence(sse_response([chunk, chunk]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    assert len(list(stream)) == 2
    (mine,) = ours(telemetry)
    assert mine.attributes["openai.stream.outcome"] == "completed"
    assert len(official_spans(telemetry)) == 1
