"""Where the time of an instrumented call goes, by component, from a cProfile run.

    .venv/bin/python benchmarks/hotpath.py [--cases success 429] [--calls 3000] [--top 12]

Runs a case with the plain SDK and with ours (the suite's in-memory workload and
pipeline, see tools.py) under cProfile, sums each function's own time by the component
its file belongs to (our classifier, instrumentation and telemetry modules, the
OpenTelemetry SDK's spans and metrics, its API and context, wrapt, structlog, the SDK
itself), and prints µs per call for each and what ours adds over plain. Then the
functions of ours and of OpenTelemetry costing the most own time per call.

cProfile charges a fixed cost to every Python call, so absolute figures are inflated
(small functions most); read the shares, and take the real per-call cost from
suite.py and instructions.py.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools import TOOLS, Pipeline
from workload import Runner, Target

# (fragment of the file path, component), first match wins
COMPONENTS = (
    ("openai_error_telemetry/classify/", "ours: classifier"),
    ("openai_error_telemetry/instrumentation/", "ours: instrumentation"),
    ("openai_error_telemetry/telemetry/", "ours: telemetry"),
    ("opentelemetry/sdk/trace", "OTel SDK: spans"),
    ("opentelemetry/sdk/metrics", "OTel SDK: metrics"),
    ("opentelemetry/sdk/", "OTel SDK: other"),
    ("opentelemetry/", "OTel API and context"),
    ("/wrapt/", "wrapt"),
    ("/structlog/", "structlog"),
    ("/openai/", "openai SDK"),
    ("/httpx", "httpx"),
    ("/pydantic", "pydantic"),
)
BUILTINS = "C functions (called from anywhere)"


def component(filename: str) -> str:
    if filename == "~":
        return BUILTINS
    for fragment, name in COMPONENTS:
        if fragment in filename:
            return name
    return "other Python (stdlib, workload)"


def profile(tool: str, case: str, calls: int) -> pstats.Stats:
    pipeline = Pipeline()
    TOOLS[tool](pipeline)
    runner = Runner(Target(None))
    runner.prepare(case, calls + 200)
    runner.run(case, 200)  # warm: caches filled, first-call imports done
    runner.prepare(case, calls)
    profiler = cProfile.Profile()
    profiler.enable()
    runner.run(case, calls)
    profiler.disable()
    runner.close()
    if tool != "plain":
        import openai_error_telemetry

        openai_error_telemetry.uninstrument()
    return pstats.Stats(profiler)


def by_component(stats: pstats.Stats, calls: int) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        totals[component(filename)] += row[2] / calls * 1e6  # own time, µs per call
    return dict(totals)


def top_functions(stats: pstats.Stats, calls: int, count: int) -> list[tuple[float, str]]:
    rows = []
    for (filename, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        part = component(filename)
        if part.startswith(("ours", "OTel")):
            short = filename.split("site-packages/")[-1].split("src/")[-1]
            rows.append((row[2] / calls * 1e6, f"{short}:{line} {name}"))
    rows.sort(reverse=True)
    return rows[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=["success", "429"])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for case in args.cases:
        plain = by_component(profile("plain", case, args.calls), args.calls)
        stats = profile("ours", case, args.calls)
        ours = by_component(stats, args.calls)
        names = set(ours) | set(plain)
        added = {name: ours.get(name, 0.0) - plain.get(name, 0.0) for name in names}
        total_added = sum(added.values())
        print(f"\n== {case}: µs per call under cProfile, {args.calls} calls")
        print(f"{'component':36} {'plain':>9} {'ours':>9} {'added':>9} {'share':>7}")
        for name in sorted(added, key=lambda key: -added[key]):
            share = added[name] / total_added if total_added else 0.0
            print(f"{name:36} {plain.get(name, 0.0):9.1f} {ours.get(name, 0.0):9.1f} "
                  f"{added[name]:+9.1f} {share:7.0%}")
        print(f"{'total':36} {sum(plain.values()):9.1f} {sum(ours.values()):9.1f} "
              f"{total_added:+9.1f}")
        print(f"-- the {args.top} functions of ours and OpenTelemetry with the most own time")
        for micros, where in top_functions(stats, args.calls, args.top):
            print(f"{micros:8.2f} µs  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
