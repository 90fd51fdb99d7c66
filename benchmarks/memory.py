"""Resident memory over many instrumented calls: it must stay flat (state is bounded).

    .venv/bin/python benchmarks/memory.py [--calls 100000]

Cycles through the suite's cases (success, 429, 500, timeout, a stream, the retrieve of
a failed background job with a new id each time, async success) in memory, with spans
and metric points exported to the in-memory pipeline and cleared as an exporter would,
and prints the resident set size every tenth of the way.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools import TOOLS, Pipeline
from workload import CASES, Runner, Target

BATCH = 50


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    pipeline = Pipeline()
    TOOLS["ours"](pipeline)
    runner = Runner(Target(None))
    done = 0
    step = args.calls // 10
    print(f"{'calls':>8} {'RSS MiB':>8}")
    while done < args.calls:
        for case in CASES:
            runner.prepare(case, BATCH)
            runner.run(case, BATCH)
            done += BATCH
            pipeline.spans()  # exported: the exporter lets go of them
            if done % step < BATCH:
                print(f"{done:>8} {rss_mib():>8.1f}", flush=True)
    runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
