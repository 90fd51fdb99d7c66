"""Nothing secret leaves: no key, organization, project, prompt or completion in any output.

Calls carrying a distinctive API key, organization, project, user and prompt run against
the real fault server (successes, retries, failures, streams whole, cut and failing,
background jobs polled to their end, with every option of ours on) and against an
in-memory server that echoes the prompt in its error messages and answers with a
distinctive completion. Then everything we produced is gathered: every span as JSON
(attributes, events, links, status, resource), the spans and metrics as OTLP protobuf
bytes, every metric point, the structlog events rendered as JSON, and whatever reached
stdout, stderr and the standard logging. None of the secrets appears anywhere in it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import structlog
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

import openai_error_telemetry
from openai_error_telemetry.instrumentation import guard
from openai_error_telemetry.telemetry.logs import add_trace_context
from tests.hardening import calls
from tests.instrumentation.harness import Telemetry, client, error_body, json_response, sse_response

pytestmark = pytest.mark.integration

API_KEY = "sk-proj-SECRETKEY0123456789"
ORGANIZATION = "org-SECRETORGANIZATION"
PROJECT = "proj_SECRETPROJECT"
USER = "SECRET-END-USER"
PROMPT = "SECRET-PROMPT: my card number is 4111 1111 1111 1111"
INSTRUCTIONS = "SECRET-INSTRUCTIONS"
COMPLETION = "SECRET-COMPLETION: your card is on file"
SECRETS = (API_KEY, ORGANIZATION, PROJECT, USER, PROMPT, INSTRUCTIONS, COMPLETION,
           "SECRETKEY", "SECRETORG", "SECRETPROJ", "SECRET-PROMPT", "Bearer")
# Our loggers. (The SDK's own DEBUG logging prints request options, prompts included:
# that is the application's choice to turn on, not ours.)
OUR_LOGGERS = "openai_error_telemetry"
MESSAGES = [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": PROMPT}]


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)


class Output:
    """Everything we emit, as text and bytes."""

    def __init__(self) -> None:
        self.telemetry = Telemetry()
        self.rendered_logs = io.StringIO()
        self.received: list[str] = []  # completion text the user got (must not leak either)

    def gather(self, stdio: str, logging_text: str) -> tuple[str, bytes]:
        spans = list(self.telemetry.exporter.get_finished_spans())
        metrics = self.telemetry.reader.get_metrics_data()
        text = "\n".join([
            *(span.to_json() for span in spans),
            metrics.to_json() if metrics is not None else "",
            self.rendered_logs.getvalue(), stdio, logging_text,
        ])
        blobs = encode_spans(spans).SerializeToString()
        if metrics is not None:
            blobs += encode_metrics(metrics).SerializeToString()
        return text, blobs


@contextlib.contextmanager
def everything_recorded(**options: Any) -> Iterator[Output]:
    """Instrumented, with structlog rendering JSON into a buffer (trace ids added)."""
    output = Output()
    previous = structlog.get_config()
    structlog.configure(
        processors=[add_trace_context, structlog.processors.TimeStamper(),
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(file=output.rendered_logs))
    guard.reset_reports()
    openai_error_telemetry.instrument(tracer_provider=output.telemetry.tracer_provider,
                                      meter_provider=output.telemetry.meter_provider, **options)
    try:
        yield output
    finally:
        openai_error_telemetry.uninstrument()
        structlog.configure(**previous)


def completion_of(value: Any) -> str:
    if isinstance(value, openai.types.chat.ChatCompletion):
        return value.choices[0].message.content or ""
    return str(getattr(value, "output_text", "") or "")


def drain(stream: Any, output: Output) -> None:
    parts: list[str] = []
    try:
        for event in stream:
            choices = getattr(event, "choices", None)
            if choices:
                parts.append(choices[0].delta.content or "")
            elif getattr(event, "type", "") == "response.output_text.delta":
                parts.append(event.delta)
    except Exception:  # a cut stream (httpx's ReadError on openai 1.x/2.x) or an error event
        pass
    output.received.append("".join(parts))


def fault_server_workload(sdk: openai.OpenAI, output: Output) -> None:
    def chat(fault: str = "", **kw: Any) -> Any:
        return sdk.chat.completions.create(
            model=calls.MODEL, messages=MESSAGES, user=USER,
            extra_headers=calls.fault_headers(fault), **kw)

    output.received.append(completion_of(chat("rate_limited;times=1;retry_after=0.01")))
    for fault in ("server_error", "quota_exhausted", "auth_error", "context_length_exceeded",
                  "content_filtered", "connection_reset", "bad_gateway"):
        with contextlib.suppress(openai.APIError):
            chat(fault)
    for fault in ("", "stream_cut=2", "stream_error_event"):
        drain(chat(fault, stream=True, stream_options={"include_usage": True}), output)
    response = sdk.responses.create(model=calls.MODEL, input=PROMPT, instructions=INSTRUCTIONS)
    output.received.append(completion_of(response))
    for fault in ("", "stream_error_event", "stream_cut=3"):
        drain(sdk.responses.create(model=calls.MODEL, input=PROMPT, stream=True,
                                   extra_headers=calls.fault_headers(fault)), output)
    poll_background(sdk, "background_failed=insufficient_quota;queued=0.02;run=0.02")
    poll_background(sdk, "background_incomplete;queued=0.02;run=0.02")
    sdk.embeddings.create(model="text-embedding-3-small", input=[PROMPT], user=USER)


def poll_background(sdk: openai.OpenAI, fault: str) -> None:
    job = sdk.responses.create(model=calls.MODEL, input=PROMPT, background=True,
                               extra_headers=calls.fault_headers(fault))
    deadline = time.monotonic() + 10
    while job.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.01)
        job = sdk.responses.retrieve(job.id)
    assert job.status in ("failed", "incomplete")


def echoing_server(request: Any) -> Any:
    """A provider that repeats the prompt in its errors and answers a known secret."""
    if b"fail" in request.url.query:
        echoed = error_body("invalid_value", "invalid_request_error",
                            f"Invalid value in messages: '{PROMPT}' (key {API_KEY[:12]}...)")
        return json_response(400, echoed)
    if b'"stream":true' in request.content.replace(b" ", b""):
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": COMPLETION},
                              "finish_reason": None}]}
        return sse_response([chunk])
    body = {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": COMPLETION}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}
    return json_response(200, body)


def echoing_workload(output: Output) -> None:
    sdk = client(echoing_server, max_retries=0, organization=ORGANIZATION, project=PROJECT)
    sdk.api_key = API_KEY
    output.received.append(completion_of(sdk.chat.completions.create(
        model="m", messages=MESSAGES, user=USER)))
    drain(sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True), output)
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model="m", messages=MESSAGES, extra_query={"fail": "1"})


def check_nothing_leaked(output: Output, capsys: Any, caplog: Any) -> None:
    stdio = capsys.readouterr()
    ours = "\n".join(caplog.handler.format(r) for r in caplog.records
                     if r.name.startswith(OUR_LOGGERS))
    text, blobs = output.gather(stdio.out + stdio.err, ours)
    assert "error.type" in text, "nothing was recorded: the search below proves nothing"
    assert "attempt.failed" in text, "no log event was rendered"  # either naming mode
    received = [r for r in output.received if len(r) >= 20]  # a cut stream's "The" is no secret
    assert received, "no completion reached the user"
    for secret in (*SECRETS, *received):
        assert secret not in text, f"{secret!r} leaked"
        assert secret.encode() not in blobs, f"{secret!r} leaked into OTLP bytes"


@pytest.mark.parametrize("options", [
    {},
    {"record_exceptions": True, "retry_guard": True, "latest_genai_names": True},
], ids=["defaults", "every-option"])
def test_fault_server_calls_leak_nothing(fault_server, capsys, caplog, options):
    caplog.set_level(logging.DEBUG, logger=OUR_LOGGERS)
    sdk = calls.sync_client(fault_server, api_key=API_KEY, organization=ORGANIZATION,
                            project=PROJECT)
    with sdk, everything_recorded(**options) as output:
        fault_server_workload(sdk, output)
    check_nothing_leaked(output, capsys, caplog)


def test_an_echoing_provider_leaks_nothing(capsys, caplog):
    caplog.set_level(logging.DEBUG, logger=OUR_LOGGERS)
    with everything_recorded() as output:
        echoing_workload(output)
    assert COMPLETION in output.received
    check_nothing_leaked(output, capsys, caplog)
