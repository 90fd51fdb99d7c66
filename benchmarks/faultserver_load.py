"""How many requests a second the fault server sustains with 100 concurrent clients.

Starts ``fault-server --port 0`` as a subprocess on loopback, then drives it from this
process with ``aiohttp`` (a light client, so the number is the server's, not the SDK's):
``--concurrency`` workers share a budget of ``--requests`` requests, capped at
``--max-seconds``. Streamed requests read the whole SSE answer. Bounded on purpose: the
machine is shared.

    .venv/bin/python benchmarks/faultserver_load.py [--requests 5000] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

LISTENING = "fault-server listening on "
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "load test"}]}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; Linux /proc, else NaN."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    mode: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu_s: float = float("nan")

    def row(self) -> dict[str, Any]:
        lat = sorted(self.latencies) or [0.0]
        return {
            "mode": self.mode,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(self.requests / self.seconds, 1),
            "p50_ms": round(statistics.median(lat) * 1000, 1),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1),
            # Capacity independent of what else the shared machine runs: requests per
            # second of the server's own CPU time (one process, one core).
            "requests_per_server_cpu_s": round(self.requests / self.server_cpu_s, 1),
        }


async def _worker(session: aiohttp.ClientSession, url: str, body: dict[str, Any],
                  budget: list[int], deadline: float, latencies: list[float],
                  errors: list[int]) -> None:
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        started = time.monotonic()
        try:
            async with session.post(url, json=body) as response:
                await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok = False
        if ok:
            latencies.append(time.monotonic() - started)
        else:
            errors[0] += 1


async def _warm(session: aiohttp.ClientSession, url: str) -> None:
    """Open the connections first, so the measurement is of the steady state."""
    async with session.post(url, json=BODY) as response:
        await response.read()


async def _load(base_url: str, mode: str, requests: int, concurrency: int,
                max_seconds: float) -> Result:
    body = {**BODY, "stream": True} if mode == "stream" else BODY
    url = f"{base_url}/v1/chat/completions"
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(_warm(session, url) for _ in range(concurrency)))
        budget, errors, latencies = [requests], [0], []
        started = time.monotonic()
        deadline = started + max_seconds
        await asyncio.gather(*(
            _worker(session, url, body, budget, deadline, latencies, errors)
            for _ in range(concurrency)
        ))
        seconds = time.monotonic() - started
    return Result(mode, len(latencies), errors[0], seconds, latencies)


def _start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "openai_error_telemetry", "fault-server", "--port", "0"],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(LISTENING):
        process.kill()
        raise SystemExit(f"fault-server did not start: {line!r}")
    return process, line[len(LISTENING):].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="per mode")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per mode")
    parser.add_argument("--modes", default="plain,stream")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    process, url = _start_server()
    try:
        rows = []
        for mode in args.modes.split(","):
            cpu_before = cpu_seconds(process.pid)
            result = asyncio.run(_load(url, mode, args.requests, args.concurrency,
                                       args.max_seconds))
            result.server_cpu_s = cpu_seconds(process.pid) - cpu_before
            rows.append(result.row())
    finally:
        process.terminate()
        status = process.wait(10)
    if args.json:
        print(json.dumps({"concurrency": args.concurrency, "results": rows}, indent=2))
    else:
        print(f"fault-server load, {args.concurrency} concurrent clients (aiohttp), loopback")
        print("| mode | requests | errors | seconds | req/s | p50 ms | p99 ms "
              "| req per server CPU-s |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['mode']} | {r['requests']} | {r['errors']} | {r['seconds']} | "
                  f"{r['requests_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
                  f"{r['requests_per_server_cpu_s']} |")
    return 0 if status == 0 and all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
