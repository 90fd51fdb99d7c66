"""Microseconds our stream proxy adds per chunk, apart from the SDK's own parsing.

    .venv/bin/python benchmarks/stream_bench.py [--chunks 20000] [--rounds 7]

The suite's per-chunk row carries the SDK's SSE parsing (~90 µs a chunk here) and its
noise; this times the proxy alone: real ``ChatCompletionChunk`` objects from a real
stream, iterated through ``TracedStream`` and bare, best of interleaved rounds.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools import TOOLS, Pipeline
from workload import Runner, Target

from openai_error_telemetry.instrumentation.streams import StreamWatcher, TracedStream


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    TOOLS["ours"](Pipeline())
    runner = Runner(Target(None))
    stream = runner.client.chat.completions.create(
        model="gpt-4o-mini", messages=[], stream=True, extra_headers={"x-bench": "stream"})
    chunks: list[Any] = list(stream)  # the first one set the response model, as in real use
    many = (chunks[1:] * (args.chunks // max(len(chunks) - 1, 1) + 1))[:args.chunks]
    op = stream._self_watcher.op

    def traced() -> None:
        watcher = StreamWatcher(op)
        watcher.seen_first = True
        for _ in TracedStream(iter(many), watcher):
            pass

    def bare() -> None:
        for _ in iter(many):
            pass

    with_proxy: list[float] = []
    without: list[float] = []
    for _ in range(args.rounds):
        with_proxy.append(timeit.timeit(traced, number=1))
        without.append(timeit.timeit(bare, number=1))
    added = (min(with_proxy) - min(without)) / len(many) * 1e6
    print(f"stream proxy: +{added:.2f} µs per chunk (best of {args.rounds} rounds, "
          f"{len(many)} chunks)")
    runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
