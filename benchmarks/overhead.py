"""Per-call overhead of the instrumentation against the uninstrumented SDK.

    .venv/bin/python benchmarks/overhead.py [--calls 300] [--rounds 7]

The SDK talks to an in-memory transport and the telemetry goes to in-memory exporters,
so what is measured is the client-side cost alone (no network to hide it). Plain and
instrumented rounds are interleaved so drift of the machine hits both alike; each
figure is the median over rounds of the mean per-call time. Prints one table of ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import openai
import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from workload import CHAT, HEADERS, MESSAGES, RATE, STREAM, http

import openai_error_telemetry

# the in-memory API's payloads are the benchmark suite's (workload.py)
RETRY_NOW = {**HEADERS, "retry-after-ms": "0.001"}  # the retry path runs, its sleep costs nothing


def respond(request: Any) -> Any:
    scenario = request.headers.get("x-bench", "ok")
    if scenario == "retry":
        attempt = int(request.headers.get("x-stainless-retry-count", "0"))
        if attempt < 2:
            return http.Response(429, headers=RETRY_NOW, content=RATE)
    if scenario == "stream":
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=STREAM)
    return http.Response(200, headers=HEADERS, content=CHAT)


async def respond_async(request: Any) -> Any:
    return respond(request)


def sync_client() -> Any:
    return openai.OpenAI(api_key="sk-bench", base_url="http://bench.test/v1", max_retries=2,
                         http_client=http.Client(transport=http.MockTransport(respond)))


def async_client() -> Any:
    return openai.AsyncOpenAI(
        api_key="sk-bench", base_url="http://bench.test/v1", max_retries=2,
        http_client=http.AsyncClient(transport=http.MockTransport(respond_async)))


def call(client: Any, scenario: str) -> None:
    create = client.chat.completions.create
    if scenario == "stream":
        for _ in create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                        extra_headers={"x-bench": "stream"}):
            pass
    else:
        create(model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-bench": scenario})


async def acall(client: Any, scenario: str) -> None:
    create = client.chat.completions.create
    if scenario == "stream":
        async for _ in await create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                                    extra_headers={"x-bench": "stream"}):
            pass
    else:
        await create(model="gpt-4o-mini", messages=MESSAGES,
                     extra_headers={"x-bench": scenario})


def timed_sync(scenario: str, calls: int) -> Callable[[], float]:
    client = sync_client()

    def run() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            call(client, scenario)
        return (time.perf_counter() - start) / calls

    return run


LOOPS: list[asyncio.AbstractEventLoop] = []


def timed_async(scenario: str, calls: int) -> Callable[[], float]:
    client = async_client()
    loop = asyncio.new_event_loop()
    LOOPS.append(loop)

    async def many() -> None:
        for _ in range(calls):
            await acall(client, scenario)

    def run() -> float:
        start = time.perf_counter()
        loop.run_until_complete(many())
        return (time.perf_counter() - start) / calls

    return run


SCENARIOS: list[tuple[str, str, Callable[[str, int], Callable[[], float]]]] = [
    ("success (sync)", "ok", timed_sync),
    ("429, 429, 200: two retries (sync)", "retry", timed_sync),
    ("stream, 20 chunks (sync)", "stream", timed_sync),
    ("success (async)", "ok", timed_async),
    ("429, 429, 200: two retries (async)", "retry", timed_async),
    ("stream, 20 chunks (async)", "stream", timed_async),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    args = parser.parse_args()
    # The application's choice in real life; here: render events, write nowhere.
    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])

    print(f"openai {openai.__version__}, python {sys.version.split()[0]}, "
          f"{args.rounds} rounds x {args.calls} calls, medians of per-call means")
    print("| scenario | plain µs/call | instrumented µs/call | overhead µs | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, scenario, factory in SCENARIOS:
        run = factory(scenario, args.calls)
        run()  # warm up both paths once
        plain: list[float] = []
        traced: list[float] = []
        for _ in range(args.rounds):
            plain.append(run())
            openai_error_telemetry.instrument(tracer_provider=tracer_provider,
                                              meter_provider=meter_provider)
            try:
                traced.append(run())
            finally:
                openai_error_telemetry.uninstrument()
            exporter.clear()
            reader.get_metrics_data()
        base = statistics.median(plain) * 1e6
        inst = statistics.median(traced) * 1e6
        print(f"| {label} | {base:.0f} | {inst:.0f} | {inst - base:.0f} | {inst / base:.2f} |")
    for loop in LOOPS:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
