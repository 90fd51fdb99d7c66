"""openai.ratelimit.* are observable gauges: the latest headers, reported at every collection."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import openai_error_telemetry
from openai_error_telemetry.instrumentation.runtime import get_runtime
from openai_error_telemetry.telemetry import ratelimits
from tests.instrumentation.harness import chat_body, client, json_response, sequence

MESSAGES = [{"role": "user", "content": "hi"}]


def _gauges(reader: InMemoryMetricReader) -> dict[tuple[str, str], float]:
    """``{(metric, kind): value}`` of one collection."""
    found: dict[tuple[str, str], float] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name.startswith("openai.ratelimit."):
                    for point in metric.data.data_points:
                        kind = point.attributes["openai.ratelimit.kind"]
                        found[(metric.name, kind)] = point.value
    return found


def _answer(remaining: str) -> Any:
    return json_response(200, chat_body(), {"x-ratelimit-remaining-requests": remaining,
                                            "x-ratelimit-limit-requests": "60"})


def test_latest_value_wins_and_stays_reported_across_collections(telemetry):
    handler, _ = sequence(_answer("59"), _answer("58"))
    sdk = client(handler)
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    first = _gauges(telemetry.reader)
    assert first == {("openai.ratelimit.remaining", "requests"): 58,
                     ("openai.ratelimit.limit", "requests"): 60}
    assert _gauges(telemetry.reader) == first  # no call in between: still there


def test_a_new_instrument_on_the_same_meter_provider_reports_its_own_values():
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    for remaining in ("9", "3"):
        openai_error_telemetry.instrument(meter_provider=provider)
        try:
            handler, _ = sequence(_answer(remaining))
            client(handler).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        finally:
            openai_error_telemetry.uninstrument()
        assert _gauges(reader)[("openai.ratelimit.remaining", "requests")] == int(remaining)


def test_series_are_bounded():
    state = ratelimits.RateLimitState()
    for index in range(ratelimits.MAX_SERIES + 10):
        state.update("api.test", f"model-{index}", {("requests", "remaining"): index})
    assert len(state.attributes) == ratelimits.MAX_SERIES
    assert len(state.remaining) == ratelimits.MAX_SERIES
    assert ("requests", "api.test", "model-0") not in state.remaining


def test_a_call_keeps_the_headers_and_the_collection_parses_them(telemetry):
    handler, _ = sequence(_answer("59"), _answer("58"), _answer("57"))
    sdk = client(handler)
    for _ in range(3):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    runtime = get_runtime()
    assert runtime is not None
    state = runtime.recorder.instruments.ratelimits
    # the calls kept the latest answer of their one source and parsed nothing
    assert len(state.answers) == 1
    assert state.remaining == {}
    assert state.limit == {}
    assert _gauges(telemetry.reader)[("openai.ratelimit.remaining", "requests")] == 57
    assert list(state.remaining.values()) == [57.0]


def test_a_number_the_latest_answer_leaves_out_keeps_its_value(telemetry):
    handler, _ = sequence(
        json_response(200, chat_body(), {"x-ratelimit-remaining-requests": "5",
                                         "x-ratelimit-remaining-tokens": "900"}),
        json_response(200, chat_body(), {"x-ratelimit-remaining-requests": "4",
                                         "x-ratelimit-remaining-tokens": "-1"}))  # Azure
    sdk = client(handler)
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    _gauges(telemetry.reader)
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert _gauges(telemetry.reader) == {("openai.ratelimit.remaining", "requests"): 4,
                                         ("openai.ratelimit.remaining", "tokens"): 900}


def test_the_kept_answers_are_bounded():
    state = ratelimits.RateLimitState()
    for index in range(ratelimits.MAX_SERIES + 10):
        state.answered("api.test", f"model-{index}",
                       {"x-ratelimit-remaining-requests": str(index)})
    assert len(state.answers) == ratelimits.MAX_SERIES
    assert ("api.test", "model-0", None) not in state.answers
    state._read_answers()
    assert len(state.remaining) == ratelimits.MAX_SERIES
