"""What each instrumentation adds to an OpenAI call, side by side: one table.

    make bench                                   # plain SDK, ours, the floor (in memory)
    .venv/bin/python benchmarks/peers.py         # once: the peers' virtualenvs
    .venv/bin/python benchmarks/suite.py --peers # ... and every peer
    .venv/bin/python benchmarks/suite.py --http  # over loopback HTTP to the fault server

Every tool runs in a worker process of its own (``worker.py``), started with the
interpreter of its virtualenv; a peer's figures are relative to an uninstrumented
worker of the same virtualenv (same ``openai`` and ``pydantic`` as ours, pinned by
``peers.py``). Rounds are interleaved: each round times every case on every worker, in
an order that rotates, each tool right beside its plain worker (alternating which goes
first), so load from elsewhere hits both alike. Per round the tool's median µs per call
minus its plain worker's is its added cost; the table shows the median over rounds and,
in brackets, the spread (min..max) of those differences.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any, NamedTuple, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import PEERS, python_of  # noqa: E402
from tools import OFFLINE_SKIPS  # noqa: E402
from workload import CASES  # noqa: E402

LABELS = {
    "success": "success", "retry": "429, then success on the SDK's retry",
    "429": "429 (retries off)", "500": "500 (retries off)",
    "timeout": "timeout (retries off)", "stream": "stream of 20 chunks, whole call",
    "background": "retrieve of a failed background job", "async": "async success",
}


class Worker:
    """A tool's process; ``time()`` sends one case and reads its answer."""

    def __init__(self, name: str, tool: str, python: Path, url: Optional[str],
                 log: IO[bytes]) -> None:
        self.name = name
        self.tool = tool
        command = [str(python), str(HERE / "worker.py"), tool, *([url] if url else [])]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=log, text=True)
        ready = self._read()
        if ready.get("ready") != tool:
            raise RuntimeError(f"worker {name} did not start: {ready}")

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} exited (see its log)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def time(self, case: str, calls: int) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{case} {calls}\n")
        self.process.stdin.flush()
        return self._read()

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Column(NamedTuple):
    """A tool and the plain worker it is measured against."""

    label: str
    tool: str
    baseline: str


def columns(peers: list[str]) -> tuple[list[Column], dict[str, tuple[str, Path]]]:
    ours = Path(sys.executable)
    workers = {"plain": ("plain", ours), "ours": ("ours", ours), "floor": ("floor", ours)}
    cols = [Column("ours", "ours", "plain"), Column("floor", "floor", "plain")]
    for peer in PEERS:
        if peer.name not in peers:
            continue
        python = python_of(peer.name)
        if not python.exists():
            raise SystemExit(f"{peer.name} is not installed: .venv/bin/python "
                             f"benchmarks/peers.py {peer.name}")
        workers[f"plain@{peer.name}"] = ("plain", python)
        workers[peer.name] = (peer.name, python)
        cols.append(Column(peer.label, peer.name, f"plain@{peer.name}"))
    return cols, workers


def calls_for(case: str, calls: int, http: bool) -> int:
    if case == "stream":
        return max(calls // 4, 5)  # ~4x as long per call
    if case == "timeout" and http:
        return max(calls // 5, 5)  # each waits out the client's 20 ms timeout
    return calls


# column tool -> case -> one (tool, its plain worker) pair of timings per round
Samples = dict[str, dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]]


def measure(workers: dict[str, Worker], cols: list[Column], cases: list[str], rounds: int,
            calls: int, http: bool) -> Samples:
    """Each tool is timed right next to its plain worker (which one goes first alternates
    by round), so a change of load between the two is as short-lived as it can be."""
    samples: Samples = defaultdict(lambda: defaultdict(list))
    for round_index in range(rounds):
        start = round_index % len(cols)
        for col in cols[start:] + cols[:start]:
            tool, base = workers[col.tool], workers[col.baseline]
            for case in cases:
                if (tool.tool, case) in OFFLINE_SKIPS:
                    continue
                count = calls_for(case, calls, http)
                if round_index % 2:
                    mine, theirs = tool.time(case, count), base.time(case, count)
                else:
                    theirs, mine = base.time(case, count), tool.time(case, count)
                samples[col.tool][case].append((mine, theirs))
        print(f"  round {round_index + 1}/{rounds} done", file=sys.stderr, flush=True)
    return samples


def added(samples: Samples, col: Column, case: str, key: str) -> Optional[list[float]]:
    pairs = samples[col.tool].get(case)
    if not pairs:
        return None
    return [mine[key] - base[key] for mine, base in pairs]


def plain_median(samples: Samples, case: str, key: str) -> float:
    pairs = samples["ours"].get(case)
    return statistics.median(base[key] for _, base in pairs) if pairs else float("nan")


def cell(values: Optional[list[float]], spans: Optional[float] = None) -> str:
    if values is None:
        return "n/a"
    text = f"+{statistics.median(values):.0f} [{min(values):.0f}..{max(values):.0f}]"
    if spans == 0:
        text += " (no span)"
    return text


def spans_of(samples: Samples, tool: str, case: str) -> Optional[float]:
    pairs = samples[tool].get(case)
    return pairs[-1][0]["spans"] if pairs else None


def lightest(samples: Samples, cols: list[Column], case: str, key: str) -> Optional[Column]:
    """The peer adding least on ``case`` among those that record the call at all."""
    best: Optional[tuple[float, Column]] = None
    for col in cols[2:]:
        values = added(samples, col, case, key)
        if values is None or spans_of(samples, col.tool, case) == 0:
            continue
        median = statistics.median(values)
        if best is None or median < best[0]:
            best = (median, col)
    return best[1] if best else None


def rows(samples: Samples, cols: list[Column], cases: list[str]) -> list[tuple[str, str, str]]:
    """(label, case, timing key) per table row; streams add first-chunk and per-chunk rows."""
    out = []
    for case in cases:
        out.append((LABELS[case], case, "per_call"))
        if case == "stream":
            out.append(("stream: time to first chunk", case, "first_chunk"))
            out.append(("stream: per chunk after the first", case, "per_chunk"))
    return out


def table(samples: Samples, cols: list[Column], cases: list[str]) -> list[str]:
    has_peers = len(cols) > 2
    head = ["case", "plain SDK µs", *[f"{c.label} +µs" for c in cols]]
    if has_peers:
        head.append("ours / lightest peer")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, case, key in rows(samples, cols, cases):
        base = plain_median(samples, case, key)
        cells = [label, f"{base:.0f}" if key == "per_call" else f"{base:.1f}"]
        for col in cols:
            values = added(samples, col, case, key)
            if key == "per_chunk" and values is not None:
                cells.append(f"+{statistics.median(values):.1f} "
                             f"[{min(values):.1f}..{max(values):.1f}]")
            else:
                cells.append(cell(values, spans_of(samples, col.tool, case)))
        if has_peers:
            peer = lightest(samples, cols, case, key)
            ours = added(samples, cols[0], case, key)
            theirs = added(samples, peer, case, key) if peer else None
            if ours and theirs and statistics.median(theirs) > 0:
                ratio = statistics.median(ours) / statistics.median(theirs)
                cells.append(f"{ratio:.2f} (vs {peer.label})" if peer else "n/a")
            else:
                cells.append("n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def header(args: argparse.Namespace, target: str) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = ", ".join(f"{d} {version(d)}" for d in ("openai", "opentelemetry-sdk", "pydantic"))
    return (f"{now}; python {sys.version.split()[0]}, {versions}; {target}; "
            f"{args.rounds} interleaved rounds x {args.calls} calls (streams /4); "
            "cells: added µs per call, median over rounds of per-round medians "
            "[min..max over rounds]")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", nargs="*", metavar="PEER",
                        help=f"also the peers (all, or some of: "
                             f"{', '.join(p.name for p in PEERS)})")
    parser.add_argument("--http", action="store_true",
                        help="call the fault server over loopback HTTP instead of in memory")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="calls per case per round")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    args = parser.parse_args(argv)
    peers = [p.name for p in PEERS] if args.peers == [] else (args.peers or [])
    cols, specs = columns(peers)
    with tempfile.TemporaryFile() as log:
        server = None
        url = None
        if args.http:
            from openai_error_telemetry.faultserver import process

            server = process.start(["--words", "20", "--queued", "0", "--run", "0",
                                    "--retry-after", "0.001"], log)
            url = server.url + "/v1"
        workers: dict[str, Worker] = {}
        try:
            for name, (tool, python) in specs.items():
                workers[name] = Worker(name, tool, python, url, log)
            samples = measure(workers, cols, args.cases, args.rounds, args.calls, args.http)
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            for worker in workers.values():
                worker.stop()
            if server is not None:
                server.stop()
    target = "loopback HTTP to the fault server" if args.http else "in-memory transport"
    print(header(args, target))
    print()
    print("\n".join(table(samples, cols, args.cases)))
    skipped = [f"{tool} {case}: {why}" for (tool, case), why in OFFLINE_SKIPS.items()
               if tool in specs and case in args.cases]
    for note in skipped:
        print(f"\nnot measured: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
