"""Turning each tool on inside a worker: ours, the floor, each peer, or nothing (plain).

Every OpenTelemetry-based tool exports to the same in-memory pipeline (a
``SimpleSpanProcessor`` into an ``InMemorySpanExporter``, an ``InMemoryMetricReader``),
so what is timed is the tool's own work on the calling thread, not an exporter's.
Peers run with their defaults as installed (several capture prompts and completions by
default); nothing of theirs is switched off to make them look slower or faster.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class Pipeline:
    """The in-memory destination; ``spans()`` counts and clears what arrived.

    ``lone_calls``: every call is measured as if it came alone, so each failure is logged
    as a lone failure is (ours' storm budget, which leaves a burst's extra log events out,
    is switched off: under valgrind, 50x slower, it would log a share of the calls that
    depends on the clock). ``storm.py`` measures a storm, budget on."""

    def __init__(self, lone_calls: bool = True) -> None:
        self.lone_calls = lone_calls
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


def _production_logs() -> None:
    """The application's choice in real life; here what a production service typically
    configures (level, ISO time, one JSON line), rendered and then dropped."""
    import structlog

    structlog.configure(
        processors=[structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso"),
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.ReturnLoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _ours(pipeline: Pipeline) -> None:
    import openai_error_telemetry

    _production_logs()
    openai_error_telemetry.instrument(tracer_provider=pipeline.tracer_provider,
                                      meter_provider=pipeline.meter_provider)
    if pipeline.lone_calls:
        from openai_error_telemetry.instrumentation.runtime import get_runtime
        from openai_error_telemetry.telemetry.logbudget import LogBudget

        runtime = get_runtime()
        assert runtime is not None
        runtime.recorder.log_budget = LogBudget(rate=1e12, burst=1e12)


def _floor(pipeline: Pipeline) -> None:
    """What ours writes, written with nothing decided (floor.py)."""
    import floor

    _production_logs()
    floor.install(pipeline)


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
