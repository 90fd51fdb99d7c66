"""Turning each tool on inside a worker: ours, the floor, each peer, or nothing (plain).

Every OpenTelemetry-based tool exports to the same in-memory pipeline (a
``SimpleSpanProcessor`` into an ``InMemorySpanExporter``, an ``InMemoryMetricReader``),
so what is timed is the tool's own work on the calling thread, not an exporter's.
Peers run with their defaults as installed (several capture prompts and completions by
default); nothing of theirs is switched off to make them look slower or faster.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Optional

from opentelemetry import trace
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode


class Pipeline:
    """The in-memory destination; ``spans()`` counts and clears what arrived."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.counted = True  # False where the tool keeps its spans to itself (ddtrace)
        self.foreign_spans = 0  # ... and counts them here instead

    def spans(self) -> Optional[int]:
        count = len(self.exporter.get_finished_spans())
        self.exporter.clear()
        self.reader.get_metrics_data()  # collect, so points do not pile up across rounds
        if not self.counted:
            count, self.foreign_spans = self.foreign_spans, 0
        return count


def _plain(pipeline: Pipeline) -> None:
    """The uninstrumented SDK."""


def _ours(pipeline: Pipeline) -> None:
    import structlog

    import openai_error_telemetry

    # the application's choice in real life; here what a production service typically
    # configures (level, ISO time, one JSON line), rendered and then dropped
    structlog.configure(
        processors=[structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso"),
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.ReturnLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    openai_error_telemetry.instrument(tracer_provider=pipeline.tracer_provider,
                                      meter_provider=pipeline.meter_provider)


def _floor(pipeline: Pipeline) -> None:
    """The bare OpenTelemetry work ours does per call: the operation span, an attempt
    span only when the SDK made more than one try (a lone try, success or failure, has
    none, as ours; a retried one is written when the SDK sleeps before its retry), the
    attempt count, the duration and the token points (a time-to-first-chunk point for a
    stream, a job count for a retrieved failed job), with attributes built in advance
    and nothing else: no classification, no logs, no context."""
    import openai

    tracer = pipeline.tracer_provider.get_tracer("floor")
    meter = pipeline.meter_provider.get_meter("floor")
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
    first_chunk = meter.create_histogram("openai.client.stream.time_to_first_chunk", unit="s")
    # as ours: the attempt count is an integer on the path, reported at collection
    attempt_total = [0]
    meter.create_observable_counter(
        "openai.client.attempts", unit="{attempt}",
        callbacks=[lambda options: [Observation(attempt_total[0], base)]])

    class _Attempts:
        @staticmethod
        def add(amount: int, attributes: Any) -> None:
            attempt_total[0] += amount

    attempts = _Attempts()
    background = meter.create_counter("openai.client.background.responses")
    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            "server.address": "bench.test", "server.port": 80,
            "gen_ai.request.model": "gpt-4o-mini"}
    failed = {**base, "error.type": "rate_limited"}
    attempt_attrs = {"http.request.method": "POST", "server.address": "bench.test",
                     "server.port": 80, "url.path": "/v1/chat/completions"}
    token_in = {**base, "gen_ai.token.type": "input"}
    token_out = {**base, "gen_ai.token.type": "output"}
    error = Status(StatusCode.ERROR, "rate_limited")

    failed_attempt = {**attempt_attrs, "error.type": "rate_limited"}
    ok_attempt = {**attempt_attrs, "http.response.status_code": 200,
                  "http.request.resend_count": 1}
    # the call in flight, its current attempt's start, and whether it retried (one thread)
    current: list[Any] = [None, 0, False]

    def _begin() -> tuple[Any, float]:
        start = time.perf_counter()
        started_ns = time.time_ns()
        op = tracer.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes=base)
        current[0], current[1], current[2] = op, started_ns, False
        return op, start

    def _retried() -> None:
        """The SDK is about to retry: the failed attempt's span, after the fact, as ours."""
        attempt = tracer.start_span("POST", context=trace.set_span_in_context(current[0]),
                                    kind=SpanKind.CLIENT, attributes=failed_attempt,
                                    start_time=current[1])
        attempt.set_status(error)
        attempt.end()
        attempts.add(1, failed)
        current[1], current[2] = time.time_ns(), True

    def wrap_sleep(original: Callable[..., Any]) -> Callable[..., Any]:
        def sleep(*args: Any, **kwargs: Any) -> Any:
            _retried()
            return original(*args, **kwargs)
        return sleep

    def wrap_sleep_async(original: Callable[..., Any]) -> Callable[..., Any]:
        async def sleep(*args: Any, **kwargs: Any) -> Any:
            _retried()
            return await original(*args, **kwargs)
        return sleep

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def request(*args: Any, **kwargs: Any) -> Any:
            op, start = _begin()
            try:
                result = original(*args, **kwargs)
            except Exception:
                _end_failed(op, start)
                raise
            _end_ok(op, start, result)
            return result
        return request

    def wrap_async(original: Callable[..., Any]) -> Callable[..., Any]:
        async def request(*args: Any, **kwargs: Any) -> Any:
            op, start = _begin()
            try:
                result = await original(*args, **kwargs)
            except Exception:
                _end_failed(op, start)
                raise
            _end_ok(op, start, result)
            return result
        return request

    def _end_failed(op: Any, start: float) -> None:
        if current[2]:  # the last of several tries: its span, as ours
            attempt = tracer.start_span("POST", context=trace.set_span_in_context(op),
                                        kind=SpanKind.CLIENT, attributes=failed_attempt,
                                        start_time=current[1])
            attempt.set_status(error)
            attempt.end()
        else:  # a lone try is its operation span alone
            op.set_attribute("http.response.status_code", 429)
        op.set_attribute("error.type", "rate_limited")
        op.set_status(error)
        attempts.add(1, failed)
        duration.record(time.perf_counter() - start, failed)
        op.end()

    def _end_ok(op: Any, start: float, result: Any) -> None:
        if current[2]:  # after a retry the successful try has its span too, as ours
            tracer.start_span("POST", context=trace.set_span_in_context(op),
                              kind=SpanKind.CLIENT, attributes=ok_attempt,
                              start_time=current[1]).end()
        else:
            op.set_attribute("http.response.status_code", 200)
        attempts.add(1, base)
        usage = getattr(result, "usage", None)
        if usage is not None:
            tokens.record(usage.prompt_tokens, token_in)
            tokens.record(usage.completion_tokens, token_out)
        if isinstance(result, (openai.Stream, openai.AsyncStream)):
            first_chunk.record(time.perf_counter() - start, base)
        if getattr(result, "status", None) == "failed":
            background.add(1, failed)
        duration.record(time.perf_counter() - start, base)
        op.end()

    from openai._base_client import AsyncAPIClient, SyncAPIClient

    SyncAPIClient.request = wrap(SyncAPIClient.request)  # type: ignore[method-assign]
    AsyncAPIClient.request = wrap_async(AsyncAPIClient.request)  # type: ignore[method-assign]
    if hasattr(SyncAPIClient, "_sleep_for_retry"):  # where the SDK decides to retry
        SyncAPIClient._sleep_for_retry = wrap_sleep(  # type: ignore[method-assign]
            SyncAPIClient._sleep_for_retry)
        AsyncAPIClient._sleep_for_retry = wrap_sleep_async(  # type: ignore[method-assign]
            AsyncAPIClient._sleep_for_retry)


def _otel_genai(pipeline: Pipeline) -> None:
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=pipeline.tracer_provider,
                                    meter_provider=pipeline.meter_provider)


def _otel_v2(pipeline: Pipeline) -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=pipeline.tracer_provider,
                                    meter_provider=pipeline.meter_provider)


def _openllmetry(pipeline: Pipeline) -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=pipeline.tracer_provider,
                                    meter_provider=pipeline.meter_provider)


def _openinference(pipeline: Pipeline) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=pipeline.tracer_provider)


def _openlit(pipeline: Pipeline) -> None:
    import openlit
    import tiktoken

    def offline(name: str) -> Any:
        raise RuntimeError(f"benchmark: no download of the {name} encoding")

    # OpenLIT counts stream tokens with tiktoken, which downloads its encoding on first
    # use; this machine reaches no such host, so refuse at once (the suite skips its
    # stream case, see OFFLINE_SKIPS) instead of letting it try the network.
    tiktoken.get_encoding = offline
    tiktoken.encoding_for_model = offline

    openlit.init(tracer=pipeline.tracer_provider.get_tracer("openlit"),
                 meter=pipeline.meter_provider.get_meter("openlit"))


def _ddtrace(pipeline: Pipeline) -> None:
    # its agent is "at" a closed loopback port: the writer thread fails quietly off the call
    os.environ.setdefault("DD_TRACE_AGENT_URL", "http://127.0.0.1:9")
    os.environ.setdefault("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("DD_REMOTE_CONFIGURATION_ENABLED", "false")
    os.environ.setdefault("DD_TRACE_STARTUP_LOGS", "false")
    from ddtrace import patch
    from ddtrace.trace import TraceFilter, tracer

    class Count(TraceFilter):  # type: ignore[misc]
        """Counts the finished spans and passes the trace on unchanged."""

        def process_trace(self, trace: list[Any]) -> list[Any]:
            pipeline.foreign_spans += len(trace)
            return trace

    tracer.configure(trace_processors=[Count()])
    patch(openai=True)
    pipeline.counted = False


def _logfire(pipeline: Pipeline) -> None:
    import logfire

    logfire.configure(send_to_logfire=False, console=False,
                      additional_span_processors=[SimpleSpanProcessor(pipeline.exporter)])
    logfire.instrument_openai()


# (tool, case) pairs that cannot be measured offline, and why
OFFLINE_SKIPS = {
    ("openlit", "stream"): "tokenizes with tiktoken, which downloads an encoding at run time",
}

TOOLS: dict[str, Callable[[Pipeline], None]] = {
    "plain": _plain,
    "ours": _ours,
    "floor": _floor,
    "otel-genai-openai": _otel_genai,
    "otel-openai-v2": _otel_v2,
    "openllmetry": _openllmetry,
    "openinference": _openinference,
    "openlit": _openlit,
    "ddtrace": _ddtrace,
    "logfire": _logfire,
}
