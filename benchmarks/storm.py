"""A 429 storm: what each tool costs per failed attempt when failures come by thousands.

    .venv/bin/python benchmarks/storm.py [--rounds 3] [--calls 40] [--threads 16]

16 threads call the real SDK (default retries: three tries a call) against the fault
server over loopback. The storm: every try of every call answers 429 (``retry_after``
1 ms, so the SDK's own backoff does not swamp what is measured). Then the spike heals:
each call gets one 429 and then succeeds. Each tool runs in a child process of its own,
the tools interleaved round by round; the child reports its CPU seconds (user + system,
all threads) for the workload alone and each call's latency. Printed: the CPU each tool
adds per 1,000 failed attempts over the plain SDK (median over rounds), and the worst
added latency per call (the slowest call against the plain run's slowest).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("plain", "floor", "ours", "otel-genai-openai")
MESSAGES = [{"role": "user", "content": "hi"}]


def _worker(tool: str, url: str, calls: int, threads: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import openai
    from tools import TOOLS as SETUP
    from tools import Pipeline

    pipeline = Pipeline(lone_calls=False)  # ours' log budget on: this is the storm
    SETUP[tool](pipeline)
    client = openai.OpenAI(api_key="sk-x", base_url=url, timeout=30)
    latencies: list[float] = []
    lock = threading.Lock()

    def call(fault: str) -> None:
        started = time.perf_counter()
        with contextlib.suppress(openai.RateLimitError):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                           extra_headers={"x-fault": fault,
                                                          "x-fault-key": uuid.uuid4().hex})
        with lock:
            latencies.append(time.perf_counter() - started)

    def run(fault: str) -> None:
        workers = [threading.Thread(target=lambda: [call(fault) for _ in range(calls)])
                   for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    run("none")  # warm: connections, imports, first-call caches
    latencies.clear()
    pipeline.spans()
    cpu = time.process_time()
    run("rate_limited;retry_after=0.001")  # the storm: three 429s a call
    run("rate_limited;times=1;retry_after=0.001")  # it heals: one 429, then success
    cpu = time.process_time() - cpu
    return {"cpu_s": cpu, "failed_attempts": threads * calls * 4,
            "max_s": max(latencies), "p50_s": statistics.median(latencies),
            "spans": pipeline.spans()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=40, help="calls per thread and phase")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], args.worker[1], args.calls, args.threads)))
        return
    sys.path.insert(0, str(ROOT / "src"))
    from openai_error_telemetry.faultserver.process import start

    results: dict[str, list[dict[str, Any]]] = {tool: [] for tool in TOOLS}
    with tempfile.TemporaryFile() as stderr:
        server = start(("--retry-after", "0.001"), stderr)
        try:
            for _ in range(args.rounds):
                for tool in TOOLS:
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", tool, server.base_url,
                         "--calls", str(args.calls), "--threads", str(args.threads)],
                        capture_output=True, text=True, check=True, timeout=1800)
                    results[tool].append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            server.stop()
    failed = results["plain"][0]["failed_attempts"]
    plain_cpu = statistics.median(r["cpu_s"] for r in results["plain"])
    plain_max = statistics.median(r["max_s"] for r in results["plain"])
    print(f"429 storm: {args.threads} threads, {failed:,} failed attempts a run, "
          f"{args.rounds} interleaved rounds; plain SDK {plain_cpu:.2f} CPU s a run")
    print(f"{'tool':20} {'CPU s/run':>10} {'added CPU s per 1,000 failed':>29} "
          f"{'slowest call':>13} {'added':>8} {'spans':>6}")
    for tool in TOOLS:
        cpu = statistics.median(r["cpu_s"] for r in results[tool])
        slowest = statistics.median(r["max_s"] for r in results[tool])
        added = (cpu - plain_cpu) / failed * 1000
        print(f"{tool:20} {cpu:10.2f} {added:29.3f} {slowest:12.3f}s "
              f"{slowest - plain_max:7.3f}s {results[tool][-1]['spans']:6}")


if __name__ == "__main__":
    main()
