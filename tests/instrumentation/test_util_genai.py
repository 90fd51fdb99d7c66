"""Our codes in the official instrumentation's error.type, with only the official one on."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor
from opentelemetry.util.genai.handler import TelemetryHandler

from openai_error_telemetry import util_genai
from openai_error_telemetry.instrumentation import guard
from tests.instrumentation.harness import QUOTA, RATE, Telemetry, client, json_response, sequence


@pytest.fixture
def official() -> Iterator[Telemetry]:
    """Only the official instrumentation, into fresh in-memory providers: ours is off."""
    telemetry = Telemetry()
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider,
                            meter_provider=telemetry.meter_provider)
    try:
        yield telemetry
    finally:
        instrumentor.uninstrument()
        util_genai.uninstall()


def fail_once(telemetry: Telemetry, body: dict) -> str:
    handler, _ = sequence(json_response(429, body))
    with pytest.raises(openai.RateLimitError):
        client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
    (span,) = telemetry.spans()  # theirs alone
    assert span.instrumentation_scope.name.startswith("opentelemetry.instrumentation.genai")
    return str(span.attributes["error.type"])


def test_without_the_resolver_both_429s_are_one_class_name(official):
    assert fail_once(official, QUOTA) == "openai.RateLimitError"


@pytest.mark.parametrize(("body", "code"), [(QUOTA, "quota_exhausted"),
                                            (RATE, "rate_limited")])
def test_with_it_the_official_span_and_metric_carry_our_code(official, body, code):
    util_genai.install()
    assert fail_once(official, body) == code
    assert official.total("gen_ai.client.operation.duration", error__type=code) == 1


def test_install_is_idempotent_and_uninstall_gives_the_methods_back():
    own = {name: getattr(TelemetryHandler, name) for name in util_genai.RESOLVING_METHODS}
    util_genai.install()
    util_genai.install()
    try:
        wrapped = TelemetryHandler.inference
        assert wrapped is not own["inference"]
        assert wrapped.__wrapped__ is own["inference"]
    finally:
        util_genai.uninstall()
    assert {name: getattr(TelemetryHandler, name) for name in own} == own
    assert not util_genai.installed()


def test_a_resolver_the_caller_gives_wins(official):
    util_genai.install()
    given = []
    handler = TelemetryHandler(tracer_provider=official.tracer_provider)
    invocation = handler.inference("openai", request_model="m",
                                   error_type_resolver=lambda e: given.append(e) or "theirs")
    invocation.fail(ValueError("x"))
    assert len(given) == 1
    (span,) = official.spans()
    assert span.attributes["error.type"] == "theirs"


def test_what_we_cannot_classify_keeps_the_helpers_name():
    assert util_genai.error_type_resolver(ValueError("not an API failure")) is None


def test_a_classifier_failure_is_reported_once_and_answers_none(monkeypatch):
    def broken(exception):
        raise RuntimeError("bug in us")

    guard.reset_reports()
    monkeypatch.setattr(util_genai, "classify_exception", broken)
    assert util_genai.error_type_resolver(ValueError("x")) is None
    assert "util_genai.error_type_resolver" in guard._reported
