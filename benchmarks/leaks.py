"""Memory under instrumentation: N calls must not grow what the process holds.

    .venv/bin/python benchmarks/leaks.py [--calls 100000] [--warmup 8000] [--tracemalloc]

Why an in-memory transport and not the fault server: the question is whether *our*
per-call state (spans, stream proxies, the background-job tracker, the job-path,
method-name, listing-name and class caches, metric series) is released, and 100,000 calls
over loopback HTTP would take minutes on two shared cores while measuring the server and
the socket layer too. The real SDK still builds every request, parses every answer,
retries and raises.

The workload cycles through success, a failure raised to the caller, a stream read to
the end, one closed early, one abandoned to the garbage collector, a background job
created and polled under a new response id every time, and a retrieve of a never-seen
id (a new path each call). Spans go to a processor that counts and drops them, metric
points to an in-memory reader collected every 1,000 calls, structlog failure events to
a processor that counts and drops them, so nothing but our own state can accumulate.

After ``--warmup`` calls (enough to fill the bounded tracker and caches: one call in seven
makes a new background job) it measures resident memory (``/proc/self/statm``), the
number of objects the garbage collector tracks, the memory blocks Python's allocator has
handed out (``sys.getallocatedblocks``: also counts the small dicts and strings the
collector does not track) and, with ``--tracemalloc`` (four times slower), the bytes
Python allocated; runs ``--calls`` more, collects, measures again.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, NamedTuple

import openai
import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from workload import CHAT, CHUNK, HEADERS, MESSAGES, RATE, http

import openai_error_telemetry
from openai_error_telemetry.classify import exceptions as class_names
from openai_error_telemetry.instrumentation import paths, resources, runtime, streams

# the in-memory API's payloads are the benchmark suite's (workload.py); shorter streams
STREAM = ("".join(f"data: {CHUNK}\n\n" for _ in range(6)) + "data: [DONE]\n\n").encode()
MIB = 1024 * 1024


def _response(response_id: str, status: str) -> bytes:
    body: dict[str, Any] = {"id": response_id, "object": "response", "created_at": 1,
                            "model": "gpt-4o-mini", "status": status, "background": True,
                            "output": []}
    if status == "failed":
        body["error"] = {"code": "rate_limit_exceeded", "message": "later"}
    return json.dumps(body).encode()


def respond(request: Any) -> Any:
    """The in-memory API: chat, errors, streams, background responses with fresh ids."""
    path = request.url.path
    if path.endswith("/chat/completions"):
        scenario = request.headers.get("x-bench", "ok")
        if scenario == "fail":
            return http.Response(429, headers=HEADERS, content=RATE)
        if scenario == "stream":
            return http.Response(200, headers={"content-type": "text/event-stream"},
                                 content=STREAM)
        return http.Response(200, headers=HEADERS, content=CHAT)
    if request.method == "POST":
        return http.Response(200, headers=HEADERS,
                             content=_response(request.headers["x-bench-id"], "queued"))
    response_id = path.rsplit("/", 1)[-1]
    return http.Response(200, headers=HEADERS, content=_response(response_id, "failed"))


class DroppingExporter(SpanExporter):
    """Counts finished spans and keeps none."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Any) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


class OpenSpans(SimpleSpanProcessor):
    """Counts spans started and ended: the difference is what stayed open."""

    def __init__(self, exporter: SpanExporter) -> None:
        super().__init__(exporter)
        self.started = 0
        self.ended = 0

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.started += 1

    def on_end(self, span: ReadableSpan) -> None:
        self.ended += 1
        super().on_end(span)


class Counted:
    """structlog's last processor: counts each event, drops it."""

    def __init__(self) -> None:
        self.events = 0

    def __call__(self, logger: Any, method: str, event: Any) -> Any:
        self.events += 1
        raise structlog.DropEvent


def _workload(client: Any) -> Iterator[Callable[[int], None]]:
    """One step per call, cycling through every path that leaves state behind."""
    create = client.chat.completions.create

    def ok(n: int) -> None:
        create(model="gpt-4o-mini", messages=MESSAGES)

    def fail(n: int) -> None:
        with contextlib.suppress(openai.RateLimitError):
            create(model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-bench": "fail"})

    def stream(n: int) -> Any:
        return create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                      extra_headers={"x-bench": "stream"})

    def read_all(n: int) -> None:
        for _ in stream(n):
            pass

    def close_early(n: int) -> None:
        with stream(n) as chunks:
            next(iter(chunks))

    def abandon(n: int) -> None:
        chunks = stream(n)
        next(iter(chunks))
        del chunks  # the proxy's finalizer ends the span

    def background(n: int) -> None:
        created = client.responses.create(model="gpt-4o-mini", input="x", background=True,
                                          extra_headers={"x-bench-id": f"resp_{n}"})
        client.responses.retrieve(created.id)

    def unseen(n: int) -> None:
        client.responses.retrieve(f"resp_unseen{n}")

    return itertools.cycle([ok, fail, read_all, close_early, abandon, background, unseen])


class Snapshot(NamedTuple):
    rss: int
    traced: int
    objects: int
    blocks: int


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def snapshot() -> Snapshot:
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
    return Snapshot(_rss(), traced, len(gc.get_objects()), sys.getallocatedblocks())


class Report(NamedTuple):
    calls: int
    seconds: float
    rss_growth: int
    traced_growth: int
    object_growth: int
    block_growth: int
    traced: bool
    spans_open: int
    spans_exported: int
    log_events: int
    streams_alive: int
    tracked_jobs: int
    tracked_max: int
    path_cache: int
    code_names: int
    page_names: int
    class_cache: int

    def lines(self) -> list[str]:
        return [
            f"calls measured          {self.calls:,} (openai {openai.__version__})",
            f"time                    {self.seconds:.1f} s"
            f" ({self.seconds / self.calls * 1e6:.0f} us/call)",
            f"resident memory growth  {self.rss_growth / MIB:.2f} MiB",
            f"traced memory growth    {self.traced_growth / MIB:.3f} MiB"
            f" ({self.traced_growth / self.calls:.1f} B/call)" if self.traced else
            "traced memory growth    not measured (--tracemalloc)",
            f"gc object growth        {self.object_growth:,}",
            f"allocated block growth  {self.block_growth:,}",
            f"spans left open         {self.spans_open}",
            f"spans exported          {self.spans_exported:,}",
            f"log events              {self.log_events:,}",
            f"stream proxies alive    {self.streams_alive}",
            f"background jobs tracked {self.tracked_jobs} (max {self.tracked_max})",
            f"job-path cache entries  {self.path_cache} (max {paths.CACHE_SIZE})",
            f"method names by code    {self.code_names} (max {resources.MAX_CODES})",
            f"listing names           {self.page_names} (max 1024)",
            f"class-name cache        {self.class_cache} (max {class_names._NAMES_MAX})",
        ]


def _streams_alive() -> int:
    kinds = (streams.TracedStream, streams.TracedAsyncStream)
    return sum(1 for obj in gc.get_objects() if type(obj) in kinds)


def run(calls: int, warmup: int, trace_memory: bool = False, max_tracked: int = 1024) -> Report:
    """Warm up, measure, run ``calls`` more, measure again; uninstruments at the end."""
    exporter = DroppingExporter()
    processor = OpenSpans(exporter)
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(processor)
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    counted = Counted()
    saved = structlog.get_config()
    structlog.configure(processors=[counted])
    openai_error_telemetry.instrument(tracer_provider=tracer_provider,
                                      meter_provider=meter_provider,
                                      background_max_tracked=max_tracked)
    client = openai.OpenAI(api_key="sk-leaks", base_url="http://leaks.test/v1", max_retries=0,
                           http_client=http.Client(transport=http.MockTransport(respond)))
    steps = _workload(client)
    if trace_memory:
        # from the start: entries the bounded caches evict must have been traced too
        tracemalloc.start()
    try:
        for n in range(warmup):
            next(steps)(n)
        reader.get_metrics_data()
        before = snapshot()
        started = time.perf_counter()
        for n in range(warmup, warmup + calls):
            next(steps)(n)
            if n % 1000 == 0:
                reader.get_metrics_data()  # what a periodic reader does
        seconds = time.perf_counter() - started
        reader.get_metrics_data()
        after = snapshot()
        rt = runtime.get_runtime()
        assert rt is not None
        return Report(
            calls=calls, seconds=seconds, rss_growth=after.rss - before.rss,
            traced_growth=after.traced - before.traced,
            object_growth=after.objects - before.objects,
            block_growth=after.blocks - before.blocks, traced=trace_memory,
            spans_open=processor.started - processor.ended, spans_exported=exporter.spans,
            log_events=counted.events, streams_alive=_streams_alive(),
            tracked_jobs=len(rt.tracker), tracked_max=rt.settings.background_max_tracked,
            path_cache=paths.job_path.cache_info().currsize,
            code_names=len(resources._by_code), page_names=len(rt.pages),
            class_cache=len(class_names._NAMES),
        )
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        client.close()
        openai_error_telemetry.uninstrument()
        structlog.configure(**saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=8_000)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (about four times slower)")
    args = parser.parse_args()
    report = run(args.calls, args.warmup, trace_memory=args.tracemalloc)
    print("\n".join(report.lines()))
    if os.environ.get("LEAKS_JSON"):
        print(json.dumps(report._asdict()))


if __name__ == "__main__":
    main()
