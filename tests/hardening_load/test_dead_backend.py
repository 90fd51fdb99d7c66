"""A telemetry backend that refuses, hangs or answers 503 never slows or blocks the app.

The real OTLP exporters (HTTP and gRPC) run behind the SDK's batch processors and the
periodic metric reader, pointed at misbehaving loopback servers; the application calls
the real fault server through the instrumented SDK. Exports happen on the SDK's worker
threads, never on the call path; queues are bounded; shutdown ends within the exporter's
timeout.
"""

from __future__ import annotations

import statistics
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import openai
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.fault_server import FaultServerProcess
from tests.hardening_load.backends import hanging_server, refused_url, unavailable_server
from tests.hardening_load.pipeline import Pipeline, exporters, instrumented_into
from tests.sdk import CHAT, answer, client

pytestmark = pytest.mark.integration

CALLS = 20
EXPORT_TIMEOUT_S = 0.5
# A provider's shutdown waits for the export in flight and then flushes what is queued
# (one batch here), each ended by the exporter at its timeout; plus a wide margin for a
# loaded two-core machine.
SHUTDOWN_BOUND_S = 2 * EXPORT_TIMEOUT_S + 3.0
FAULTS = ("none", "server_error", "rate_limited", "quota_exhausted")


@pytest.fixture
def sdk(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=0,
                       timeout=10) as sdk_client:
        yield sdk_client


def one_call(sdk: openai.OpenAI, fault: str) -> float:
    """One chat call with ``fault`` (failures are part of the workload); its latency."""
    headers = {"x-fault-key": uuid.uuid4().hex}
    if fault != "none":
        headers["x-fault"] = fault
    started = time.perf_counter()
    with suppress(openai.APIStatusError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=CHAT["messages"],
                                    extra_headers=headers)
    return time.perf_counter() - started


def latencies(sdk: openai.OpenAI, calls: int = CALLS) -> list[float]:
    return [one_call(sdk, FAULTS[i % len(FAULTS)]) for i in range(calls)]


@contextmanager
def backend(kind: str) -> Iterator[str]:
    """The address of a backend that refuses, hangs or answers 503."""
    if kind == "refused":
        yield refused_url()
    elif kind == "hanging":
        with hanging_server() as server:
            yield server.address
    else:
        with unavailable_server() as address:
            yield address


def baseline(sdk: openai.OpenAI) -> float:
    """Median latency instrumented into providers that export nowhere."""
    with instrumented_into(TracerProvider(shutdown_on_exit=False),
                           MeterProvider(shutdown_on_exit=False)):
        latencies(sdk, 4)  # warm the connection pool and the caches
        return statistics.median(latencies(sdk))


@pytest.mark.parametrize(("protocol", "kind"), [
    ("http", "refused"), ("http", "hanging"), ("http", "unavailable"),
    ("grpc", "refused"), ("grpc", "hanging"),
])
def test_calls_keep_their_latency_and_shutdown_ends_in_time(sdk, our_warnings, protocol, kind):
    base = baseline(sdk)
    with backend(kind) as address:
        pipeline = Pipeline(protocol, address, EXPORT_TIMEOUT_S)
        with instrumented_into(pipeline.tracer_provider, pipeline.meter_provider,
                               pipeline.logger_provider) as sink:
            measured = latencies(sdk)
            assert sum(sink.counts.values()) > 0  # failures did reach the log pipeline
        took = pipeline.shutdown()
    # Generous: exporting on the call path would add the export timeout (0.5 s) to calls.
    assert statistics.median(measured) < 3 * base + 0.1, (base, measured)
    assert max(measured) < EXPORT_TIMEOUT_S, measured
    assert all(seconds < SHUTDOWN_BOUND_S for seconds in took.values()), took
    assert not our_warnings


def test_calls_complete_while_the_backend_holds_an_export(sdk, our_warnings):
    """An export on the call path would block the calls until the release below."""
    with hanging_server() as server:
        # The exporter would wait a minute: only our release ends the held export.
        pipeline = Pipeline("http", server.address, 60.0)
        with instrumented_into(pipeline.tracer_provider, pipeline.meter_provider,
                               pipeline.logger_provider):
            calls = threading.Thread(target=lambda: [
                one_call(sdk, FAULTS[i % len(FAULTS)]) for i in range(CALLS)])
            try:
                one_call(sdk, "server_error")
                assert server.first_request.wait(10), "no export reached the backend"
                calls.start()
                calls.join(30)
                finished = not calls.is_alive()
                still_held = server.held()
            finally:
                server.release()
                calls.join(60)
        took = pipeline.shutdown()
    assert finished, "the calls waited for the held export"
    assert still_held >= 1, "the export was no longer held when the calls finished"
    assert all(seconds < SHUTDOWN_BOUND_S for seconds in took.values()), took
    assert not our_warnings


def internal_metric(reader: InMemoryMetricReader, name: str, **match: Any) -> float:
    """The SDK's own metric ``name`` (``otel.sdk.processor.*``), summed over matching points."""
    total = 0.0
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != name:
                    continue
                for point in metric.data.data_points:
                    if all(point.attributes.get(k.replace("__", ".")) == v
                           for k, v in match.items()):
                        total += point.value
    return total


def test_span_queue_stays_bounded_and_counts_what_it_drops(monkeypatch, our_warnings):
    """1,200 spans into a queue of 64 whose only export hangs: at most 64 wait, the rest
    are dropped and counted by the SDK, and memory does not grow with the span count."""
    monkeypatch.setenv("OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED", "true")
    queue, batch, calls = 64, 16, 600
    sdk_reader = InMemoryMetricReader()
    with hanging_server() as server:
        spans, _, _ = exporters("http", server.address, 60.0)
        tracer_provider = TracerProvider(shutdown_on_exit=False)
        processor = BatchSpanProcessor(
            spans, max_queue_size=queue, max_export_batch_size=batch, schedule_delay_millis=10,
            meter_provider=MeterProvider(metric_readers=[sdk_reader], shutdown_on_exit=False))
        tracer_provider.add_span_processor(processor)
        app = client(answer(200, {"id": "x", "object": "chat.completion", "created": 1,
                                  "model": "m", "choices": []}))
        with instrumented_into(tracer_provider, MeterProvider(shutdown_on_exit=False)):
            app.chat.completions.create(**CHAT)  # one operation and one attempt span
            assert server.first_request.wait(10), "no export reached the backend"
            tracemalloc.start()
            try:
                app.chat.completions.create(**CHAT)
                before = tracemalloc.get_traced_memory()[0]
                for _ in range(calls):
                    app.chat.completions.create(**CHAT)
                grown = tracemalloc.get_traced_memory()[0] - before
            finally:
                tracemalloc.stop()
        produced = 2 * (calls + 2)
        waiting = internal_metric(sdk_reader, "otel.sdk.processor.span.queue.size")
        dropped = internal_metric(sdk_reader, "otel.sdk.processor.span.processed",
                                  error__type="queue_full")
        server.release()
        tracer_provider.shutdown()
    assert waiting <= queue
    # Only the batch held by the backend left the queue; everything else beyond 64 dropped.
    assert produced - queue - batch <= dropped <= produced - queue
    # 1,200 finished spans kept take ~3.7 MB (measured); the bounded queue keeps ~80.
    assert grown < 1.5 * 1024 * 1024, grown
    assert not our_warnings
