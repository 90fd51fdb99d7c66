"""Shared pieces of the instrumentation tests: in-memory OpenTelemetry, mock transports.

Unit tests talk to an in-memory transport of the HTTP library the installed SDK uses
(``httpx`` for openai 1.x/2.x, ``httpx2`` for 3.x); the integration tests use the real
fault server instead.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any, Callable, Optional

import openai
import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import openai_error_telemetry

MAJOR = int(openai.__version__.split(".")[0])
http: Any = importlib.import_module("httpx2" if MAJOR >= 3 else "httpx")

Handler = Callable[[Any], Any]


class Telemetry:
    """In-memory spans and metrics, with lookups by name."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self._latest: dict[tuple[str, frozenset[tuple[str, Any]]], Any] = {}

    def spans(self, kind: Optional[str] = None) -> list[ReadableSpan]:
        """Finished spans; ``kind`` "operation" or "attempt" (attempts have http.request.method)."""
        found = list(self.exporter.get_finished_spans())
        if kind == "attempt":
            return [s for s in found if "http.request.method" in (s.attributes or {})]
        if kind == "operation":
            return [s for s in found if "gen_ai.operation.name" in (s.attributes or {})]
        return found

    def points(self, name: str) -> list[Any]:
        """The latest data point of every series of metric ``name``.

        Each call collects; points are merged by series across collections, because older
        SDKs export a gauge only in the collection right after it was set.
        """
        data = self.reader.get_metrics_data()
        if data is not None:
            for resource in data.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        for point in metric.data.data_points:
                            series = frozenset(dict(point.attributes).items())
                            self._latest[(metric.name, series)] = point
        return [point for (metric, _), point in self._latest.items() if metric == name]

    def total(self, name: str, **match: Any) -> float:
        """Sum of counter values (or histogram counts) whose attributes include ``match``."""
        total = 0.0
        for point in self.points(name):
            attrs = dict(point.attributes)
            if all(attrs.get(k.replace("__", ".")) == v for k, v in match.items()):
                total += getattr(point, "value", None) or getattr(point, "count", 0)
        return total


def json_response(status: int, body: Any, headers: Optional[dict[str, str]] = None) -> Any:
    all_headers = {"content-type": "application/json", **(headers or {})}
    return http.Response(status, headers=all_headers, content=json.dumps(body).encode())


def sse_response(events: list[Any], done: bool = True) -> Any:
    lines = []
    for event in events:
        lines.append(f"data: {json.dumps(event)}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return http.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(lines).encode()
    )


def chat_body(model: str = "gpt-4o-mini-2024", text: str = "hi") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop",
             "message": {"role": "assistant", "content": text}}
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


def response_body(**fields: Any) -> dict[str, Any]:
    """A minimal Responses API ``response`` object the SDK parses, ``fields`` on top."""
    return {"id": "resp_1", "object": "response", "created_at": 1, "model": "m",
            "status": "completed", "output": [], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], **fields}


def error_body(code: str, type_: str, message: str = "nope") -> dict[str, Any]:
    return {"error": {"code": code, "type": type_, "message": message, "param": None}}


QUOTA = error_body("insufficient_quota", "insufficient_quota", "You exceeded your quota")
RATE = error_body("rate_limit_exceeded", "requests", "Rate limit reached")
FAST_RETRY = {"retry-after-ms": "1"}


def sequence(*responses: Any) -> tuple[Handler, list[Any]]:
    """A handler answering with ``responses`` in turn (the last one repeats)."""
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def client(handler: Handler, max_retries: int = 2, **kwargs: Any) -> Any:
    return openai.OpenAI(
        api_key="sk-test-secret-key",
        base_url="http://api.test/v1",
        max_retries=max_retries,
        http_client=http.Client(transport=http.MockTransport(handler)),
        **kwargs,
    )


def async_client(handler: Handler, max_retries: int = 2, **kwargs: Any) -> Any:
    async def ahandler(request: Any) -> Any:
        return handler(request)

    return openai.AsyncOpenAI(
        api_key="sk-test-secret-key",
        base_url="http://api.test/v1",
        max_retries=max_retries,
        http_client=http.AsyncClient(transport=http.MockTransport(ahandler)),
        **kwargs,
    )


def instrumented(telemetry: Telemetry, **options: Any) -> Iterator[Telemetry]:
    openai_error_telemetry.instrument(
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        **options,
    )
    try:
        yield telemetry
    finally:
        openai_error_telemetry.uninstrument()


class CapturedLogs:
    """structlog events captured through structlog's own testing helper."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e.get("event") == event]


def capture_structlog() -> Iterator[CapturedLogs]:
    captured = CapturedLogs()
    with structlog.testing.capture_logs() as entries:
        captured.entries = entries
        yield captured
