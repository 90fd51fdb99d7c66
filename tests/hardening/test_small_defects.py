"""The small ways we could still break or betray the host app, one test each.

No credential in a recorded exception; no ``BaseException`` of ours; token counts OTLP
can carry; ``copy.copy`` of a stream as plain; clear CLI errors; one warning when nothing
would export what we record; ``--version``.
"""

from __future__ import annotations

import copy
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from tests.instrumentation.harness import (
    Telemetry,
    chat_body,
    client,
    error_body,
    http,
    instrumented,
    json_response,
    sse_response,
)

KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def recording() -> Iterator[Telemetry]:
    yield from instrumented(Telemetry(), record_exceptions=True)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield from instrumented(Telemetry())


def _everything_recorded(telemetry: Telemetry) -> str:
    parts = []
    for span in telemetry.spans():
        parts.append(repr(dict(span.attributes or {})))
        parts.extend(repr(dict(event.attributes or {})) for event in span.events)
    return "\n".join(parts)


@pytest.mark.parametrize("message", [
    "Incorrect API key provided: sk-proj-****1234. You can find your API key at x.",
    f"Incorrect API key provided: {KEY}.",
    f"upstream said: Authorization: Bearer {KEY}",
    "invalid api-key: 0123456789abcdef0123456789abcdef",
])
def test_a_recorded_exception_carries_no_credential(recording, message):
    c = client(lambda r: json_response(401, error_body("invalid_api_key", "invalid_request_error",
                                                       message)), max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        c.chat.completions.create(model="m", messages=MESSAGES)
    text = _everything_recorded(recording)
    assert "exception.message" in text  # the event is there, scrubbed
    assert "sk-proj" not in text
    assert "1234" not in text
    assert "0123456789abcdef" not in text
    assert "[REDACTED]" in text


class Evil(http.RemoteProtocolError):  # type: ignore[misc, name-defined]
    """A transport error whose text cannot be read at all."""

    def __str__(self) -> str:
        raise BaseException("reading me is not allowed")


def _evil_outcome() -> tuple[str, str, int]:
    tries = []

    def handler(request: Any) -> Any:
        tries.append(request)
        raise Evil("x", request=request)

    c = client(handler, max_retries=2)
    try:
        c.chat.completions.create(model="m", messages=MESSAGES)
    except openai.APIConnectionError as error:
        return type(error).__name__, type(error.__cause__).__name__, len(tries)
    return "returned", "-", len(tries)


def test_an_exception_whose_text_raises_changes_nothing(monkeypatch):
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)
    plain = _evil_outcome()
    for _ in instrumented(Telemetry()):
        assert _evil_outcome() == plain == ("APIConnectionError", "Evil", 3)


@pytest.mark.parametrize(("sent", "recorded"), [
    (2**64, 2**63 - 1),  # more than int64: clipped
    (-5, None),  # a negative count is no count
])
def test_token_counts_are_what_otlp_carries(telemetry, caplog, sent, recorded):
    body = chat_body()
    body["usage"] = {"prompt_tokens": sent, "completion_tokens": 3, "total_tokens": 3}
    caplog.set_level(logging.WARNING)
    client(lambda r: json_response(200, body)).chat.completions.create(model="m",
                                                                       messages=MESSAGES)
    (span,) = telemetry.spans("operation")
    assert span.attributes.get("gen_ai.usage.input_tokens") == recorded
    encode_spans(telemetry.spans())  # the OTLP encoder takes every attribute
    telemetry.points("gen_ai.client.token.usage")
    assert [r for r in caplog.records if r.name.startswith("opentelemetry")] == []


def test_a_stream_copies_as_plain(telemetry):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
    c = client(lambda r: sse_response([chunk]))
    stream = c.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert type(copy.copy(stream)) is openai.Stream  # as plain: the SDK's own copy
    with pytest.raises(TypeError):  # as plain: a stream holds a lock
        copy.deepcopy(stream)
    assert [c.choices[0].delta.content for c in stream] == ["hi"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openai_error_telemetry", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_a_clear_error(port):
    result = _cli("fault-server", "--port", port)
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    from openai_error_telemetry import __version__

    result = _cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"openai-error-telemetry {__version__}"


NO_SDK = """
import importlib, openai, openai_error_telemetry
http = importlib.import_module("httpx2" if int(openai.__version__[0]) >= 3 else "httpx")
{setup}
openai_error_telemetry.instrument()
c = openai.OpenAI(api_key="sk-x", base_url="http://api.test/v1", http_client=http.Client(
    transport=http.MockTransport(lambda r: http.Response(200, json={{"object": "list",
                                                                     "data": []}}))))
c.models.list(); c.models.list()
"""
SDK_SET = """
from opentelemetry import trace, metrics
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.metrics import MeterProvider
trace.set_tracer_provider(TracerProvider()); metrics.set_meter_provider(MeterProvider())
"""


@pytest.mark.parametrize(("setup", "warnings"), [("", 1), (SDK_SET, 0)],
                         ids=["no SDK", "SDK set"])
def test_one_warning_when_nothing_would_export(setup, warnings):
    result = subprocess.run([sys.executable, "-c", NO_SDK.format(setup=setup)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("no OpenTelemetry SDK is configured") == warnings
