"""What a dead telemetry backend costs the application's calls, on a loaded machine.

    .venv/bin/python benchmarks/dead_backend.py [--rounds 10] [--calls 40] [--load 2]

The real SDK calls the fault server (chat, a quarter each: success, 500, 429, quota)
while ``--load`` processes spin the CPU. Each backend kind gets, every round, a new real
OTLP pipeline, as an application that just started has (batch span processor, periodic
metric reader, batch log processor, export timeout 0.5 s): none at all, HTTP and gRPC to
a port that refuses, to a server that accepts and never answers, and (HTTP) to one
answering 503. Rounds are interleaved, so
every kind and the plain SDK share the same load; the table gives the median, p99.9
and worst call of each, and the worst call against the plain SDK's worst in the run.

Where a slow call's time went, for every call slower than ``--slow-ms``: Linux's
per-thread scheduler statistics (``/proc/self/task/TID/schedstat``) split its wall time
into time on a CPU, time runnable but waiting for one (the machine's load), and time
asleep (a lock, the GIL, the socket); the CPU our other threads (the exporters) used
meanwhile; and, from a sampler thread, where the calling thread was. A call that waited
on an export or a lock held across one would sleep for about the export timeout with
its frames inside OpenTelemetry or us; a call slowed by load waits in the run queue.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import openai  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from tests.fault_server import run_fault_server  # noqa: E402
from tests.hardening_load.backends import (  # noqa: E402
    hanging_server,
    refused_url,
    unavailable_server,
)
from tests.hardening_load.pipeline import Pipeline, instrumented_into  # noqa: E402

EXPORT_TIMEOUT_S = 0.5
FAULTS = ("none", "server_error", "rate_limited", "quota_exhausted")
MESSAGES = [{"role": "user", "content": "hi"}]
KINDS = ("plain", "no exporter", "http refused", "http hanging", "http 503",
         "grpc refused", "grpc hanging")


def schedstat(tid: int) -> tuple[int, int]:
    """(ns on a CPU, ns runnable waiting for one) of thread ``tid``; zeros off Linux."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as stat:
            on_cpu, waiting, _ = stat.read().split()
    except (OSError, ValueError):
        return 0, 0
    return int(on_cpu), int(waiting)


class Slow:
    """One slow call: where its wall time went."""

    __slots__ = ("kind", "on_cpu_s", "others_cpu_s", "queued_s", "samples", "took")

    def __init__(self, kind: str, took: float, on_cpu_s: float, queued_s: float,
                 others_cpu_s: float, samples: collections.Counter[tuple[str, ...]]) -> None:
        self.kind, self.took, self.on_cpu_s, self.queued_s = kind, took, on_cpu_s, queued_s
        self.others_cpu_s, self.samples = others_cpu_s, samples

    @property
    def asleep_s(self) -> float:
        return max(0.0, self.took - self.on_cpu_s - self.queued_s)


class Sampler:
    """Samples one thread's stack while a call runs; keeps the samples of slow calls."""

    def __init__(self, thread_id: int, slow_s: float) -> None:
        self._thread_id = thread_id
        self._native_id = threading.get_native_id()
        self._slow_s = slow_s
        self._started: Optional[float] = None
        self._samples: list[tuple[str, ...]] = []
        self.slow: list[Slow] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sampler")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            started = self._started
            if started is None or time.perf_counter() - started < self._slow_s / 2:
                continue
            frame = sys._current_frames().get(self._thread_id)
            stack: list[str] = []
            while frame is not None and len(stack) < 40:
                code = frame.f_code
                stack.append(f"{_short(code.co_filename)}:{code.co_name}")
                frame = frame.f_back
            self._samples.append(tuple(stack))

    @contextlib.contextmanager
    def call(self, kind: str, latencies: list[float]) -> Iterator[None]:
        self._samples = []
        cpu_before, queued_before = schedstat(self._native_id)
        process_before = time.process_time_ns()
        self._started = started = time.perf_counter()
        try:
            yield
        finally:
            self._started = None
            took = time.perf_counter() - started
            latencies.append(took)
            if took >= self._slow_s:
                cpu_after, queued_after = schedstat(self._native_id)
                on_cpu = cpu_after - cpu_before
                others = time.process_time_ns() - process_before - on_cpu
                queued = (queued_after - queued_before) / 1e9
                self.slow.append(Slow(kind, took, on_cpu / 1e9, queued, max(0, others) / 1e9,
                                      collections.Counter(self._samples)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        index = filename.find(marker)
        if index >= 0:
            return filename[index + len(marker):]
    return filename


def one_call(sdk: openai.OpenAI, fault: str) -> None:
    headers = {"x-fault-key": uuid.uuid4().hex}
    if fault != "none":
        headers["x-fault"] = fault
    with contextlib.suppress(openai.APIStatusError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                    extra_headers=headers)


def fresh_providers(kind: str, addresses: dict[str, tuple[str, str]]) -> Optional[tuple[Any, ...]]:
    """New providers for ``kind``, as an application starting up has: the first calls
    meet the exporters' first exports (their imports, channels, first timeouts)."""
    if kind == "plain":
        return None
    if kind == "no exporter":
        return (TracerProvider(shutdown_on_exit=False), MeterProvider(shutdown_on_exit=False),
                None)
    protocol, address = addresses[kind]
    pipeline = Pipeline(protocol, address, EXPORT_TIMEOUT_S)
    return pipeline.tracer_provider, pipeline.meter_provider, pipeline.logger_provider


def shut_down(providers: tuple[Any, ...]) -> None:
    for provider in providers:
        if provider is not None:
            with contextlib.suppress(Exception):
                provider.shutdown()


def load(processes: int) -> list[subprocess.Popen[bytes]]:
    """Processes that keep a core busy each, until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(processes)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=40, help="calls per kind per round")
    parser.add_argument("--load", type=int, default=os.cpu_count() or 2,
                        help="CPU-spinning processes beside the run")
    parser.add_argument("--slow-ms", type=float, default=100.0)
    args = parser.parse_args()
    # The exporters' complaints about the dead backends are expected; keep the table readable.
    logging.getLogger("opentelemetry").setLevel(logging.CRITICAL)

    stack = contextlib.ExitStack()
    with stack:
        server = stack.enter_context(run_fault_server())
        hanging_http = stack.enter_context(hanging_server())
        hanging_grpc = stack.enter_context(hanging_server())
        unavailable = stack.enter_context(unavailable_server())
        addresses = {
            "http refused": ("http", refused_url()),
            "http hanging": ("http", hanging_http.address),
            "http 503": ("http", unavailable),
            "grpc refused": ("grpc", refused_url()),
            "grpc hanging": ("grpc", hanging_grpc.address),
        }
        sdk = stack.enter_context(openai.OpenAI(
            base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=30))
        for _ in range(8):  # connection pool, caches, imports
            one_call(sdk, "none")
        loaders = load(args.load)
        stack.callback(lambda: [p.kill() for p in loaders])
        sampler = Sampler(threading.get_ident(), args.slow_ms / 1000)
        stack.callback(sampler.close)
        seen: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for round_number in range(args.rounds):
            order = KINDS[round_number % len(KINDS):] + KINDS[:round_number % len(KINDS)]
            for kind in order:
                providers = fresh_providers(kind, addresses)
                scope = (contextlib.nullcontext() if providers is None
                         else instrumented_into(*providers))
                with scope:
                    for i in range(args.calls):
                        with sampler.call(kind, seen[kind]):
                            one_call(sdk, FAULTS[i % len(FAULTS)])
                if providers is not None:  # not timed: the calls are what is measured
                    threading.Thread(target=shut_down, args=(providers,), daemon=True).start()
        report(seen, sampler, args)
    return 0


def report(seen: dict[str, list[float]], sampler: Sampler, args: argparse.Namespace) -> None:
    plain_worst = max(seen["plain"])
    print(f"# {args.rounds} rounds x {args.calls} calls per kind, {args.load} CPU-loading "
          f"processes, export timeout {EXPORT_TIMEOUT_S} s, python {sys.version.split()[0]}, "
          f"openai {openai.__version__}")
    print()
    print("| backend | calls | median ms | p99.9 ms | worst ms | worst / plain worst |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, values in seen.items():
        print(f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.2f} | "
              f"{percentile(values, 0.999) * 1000:.1f} | {max(values) * 1000:.1f} | "
              f"{max(values) / plain_worst:.2f} |")
    print()
    print(f"calls slower than {args.slow_ms:.0f} ms: {len(sampler.slow)} "
          f"(of {sum(len(v) for v in seen.values())})")
    if sampler.slow:
        print()
        print("| backend | wall ms | on CPU ms | run queue ms | asleep ms | our other threads' "
              "CPU ms | samples in OpenTelemetry or ours | most sampled frames |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
    for slow in sorted(sampler.slow, key=lambda s: -s.took)[:12]:
        total = sum(slow.samples.values())
        ours = sum(count for stack, count in slow.samples.items()
                   if any("opentelemetry" in f or "openai_error_telemetry" in f
                          for f in stack[:6]))
        innermost: collections.Counter[str] = collections.Counter()
        for stack, count in slow.samples.items():
            innermost[" < ".join(stack[:2])] += count
        top = "; ".join(f"{frames} ({count})" for frames, count in innermost.most_common(2))
        print(f"| {slow.kind} | {slow.took * 1000:.0f} | {slow.on_cpu_s * 1000:.0f} | "
              f"{slow.queued_s * 1000:.0f} | {slow.asleep_s * 1000:.0f} | "
              f"{slow.others_cpu_s * 1000:.0f} | {ours}/{total} | {top or '-'} |")


if __name__ == "__main__":
    sys.exit(main())
