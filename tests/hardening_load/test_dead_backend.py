"""A telemetry backend that refuses, hangs or answers 503 never slows or blocks the app.

The real OTLP exporters (HTTP and gRPC) run behind the SDK's batch processors and the
periodic metric reader, pointed at misbehaving loopback servers; the application calls
the real fault server through the instrumented SDK. What is proven is the mechanism,
never a time: every export runs on the SDK's own threads, never on the calling thread;
calls return while the backend holds an export open; ``shutdown_telemetry`` returns by
its budget while the backend still holds an export. (What a dead backend costs in
milliseconds on a loaded machine is measured in ``benchmarks/dead_backend.py``.)
"""

from __future__ import annotations

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

from openai_error_telemetry import shutdown_telemetry
from tests.fault_server import FaultServerProcess
from tests.hardening_load.backends import hanging_server, refused_url, unavailable_server
from tests.hardening_load.pipeline import Pipeline, exporters, instrumented_into
from tests.sdk import CHAT, answer, client

pytestmark = pytest.mark.integration

CALLS = 20
EXPORT_TIMEOUT_S = 0.5
# Hang detectors, not measurements: a test that waits this long has found a deadlock.
HANG_S = 60.0
FAULTS = ("none", "server_error", "rate_limited", "quota_exhausted")
SIGNALS = ("traces", "metrics", "logs")


@pytest.fixture
def sdk(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=0,
                       timeout=10) as sdk_client:
        yield sdk_client


def one_call(sdk: openai.OpenAI, fault: str) -> None:
    """One chat call with ``fault`` (failures are part of the workload)."""
    headers = {"x-fault-key": uuid.uuid4().hex}
    if fault != "none":
        headers["x-fault"] = fault
    with suppress(openai.APIStatusError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=CHAT["messages"],
                                    extra_headers=headers)


def some_calls(sdk: openai.OpenAI, calls: int = CALLS) -> None:
    for i in range(calls):
        one_call(sdk, FAULTS[i % len(FAULTS)])


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


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


@pytest.mark.parametrize(("protocol", "kind"), [
    ("http", "refused"), ("http", "hanging"), ("http", "unavailable"),
    ("grpc", "refused"), ("grpc", "hanging"),
])
def test_every_export_runs_off_the_calling_thread(sdk, our_warnings, protocol, kind):
    """Traces, metrics and logs each try to export while the app calls; none of those
    exports runs on the app's thread, so none can make a call wait."""
    with backend(kind) as address:
        pipeline = Pipeline(protocol, address, EXPORT_TIMEOUT_S)
        with instrumented_into(*pipeline.providers) as sink:
            some_calls(sdk)
            assert sum(sink.counts.values()) > 0  # failures did reach the log pipeline
            wait_for(lambda: all(pipeline.export_threads[s] for s in SIGNALS),
                     "an export of every signal")
            some_calls(sdk, 4)  # and calls go on while those exports fail or hang
        shutdown_telemetry(*pipeline.providers, timeout_s=EXPORT_TIMEOUT_S)
    caller = threading.get_ident()
    assert all(caller not in pipeline.export_threads[s] for s in SIGNALS), \
        pipeline.export_threads
    assert not our_warnings


def test_calls_complete_while_the_backend_holds_an_export(sdk, our_warnings):
    """An export on the call path would block the calls until the release below."""
    with hanging_server() as server:
        # The exporter would wait ten minutes: only our release ends the held export.
        pipeline = Pipeline("http", server.address, 600.0)
        with instrumented_into(*pipeline.providers):
            calls = threading.Thread(target=some_calls, args=(sdk,))
            try:
                one_call(sdk, "server_error")
                assert server.first_request.wait(HANG_S), "no export reached the backend"
                calls.start()
                calls.join(HANG_S)
                finished = not calls.is_alive()
                still_held = server.held()
            finally:
                server.release()
                calls.join(HANG_S)
        shutdown_telemetry(*pipeline.providers, timeout_s=HANG_S)
    assert finished, "the calls waited for the held export"
    assert still_held >= 1, "the export was no longer held when the calls finished"
    assert not our_warnings


def test_shutdown_returns_by_its_budget_while_the_backend_holds_an_export(sdk, our_warnings):
    """With an exporter that would wait ten minutes, ``shutdown_telemetry`` comes back
    at its budget, says the flush did not finish, and the export is still held."""
    with hanging_server() as server:
        pipeline = Pipeline("http", server.address, 600.0)
        with instrumented_into(*pipeline.providers):
            some_calls(sdk, 8)
            assert server.first_request.wait(HANG_S), "no export reached the backend"
        outcome: list[bool] = []
        try:
            stopping = threading.Thread(target=lambda: outcome.append(
                shutdown_telemetry(*pipeline.providers, timeout_s=0.5)))
            stopping.start()
            stopping.join(HANG_S)
            returned = not stopping.is_alive()
            still_held = server.held()
        finally:
            server.release()  # the abandoned flushes end now, in their daemon threads
    assert returned, "shutdown_telemetry waited for the held export"
    assert outcome == [False], "a flush could not have finished while the export was held"
    assert still_held >= 1
    assert not our_warnings


def test_shutdown_telemetry_defaults_to_the_global_providers_and_skips_no_ops(monkeypatch):
    stopped: list[str] = []

    class Provider:
        def __init__(self, name: str) -> None:
            self.name = name

        def shutdown(self) -> None:
            stopped.append(self.name)

    class Meter(Provider):
        def shutdown(self, timeout_millis: float = 30_000) -> None:
            stopped.append(f"{self.name} {timeout_millis:.0f}")

    class Broken(Provider):
        def shutdown(self) -> None:
            raise RuntimeError("exporter exploded")

    from openai_error_telemetry.telemetry import shutdown as module

    monkeypatch.setattr(module, "_global_providers",
                        lambda: [Provider("traces"), Meter("metrics"), object(), Broken("x")])
    assert shutdown_telemetry(timeout_s=2) is True
    assert sorted(stopped) == ["metrics 2000", "traces"]


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
            app.chat.completions.create(**CHAT)  # one operation span (no attempt span)
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
        produced = calls + 2  # one operation span each: a lone successful attempt is none
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
