"""What a tool writes for one call of each case: span, event and log names with their
attribute keys (their values hold ids and times), metric points with their attributes.

    .venv/bin/python benchmarks/shapes.py ours|floor [--cases success 429 ...]

Prints one JSON object, case -> sorted list of records. ``tests/test_benchmarks.py``
compares the floor's with ours', so the floor keeps writing what ours writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import structlog
from tools import TOOLS, Pipeline
from workload import Runner, Target

CASES = ("success", "429", "retry", "500", "timeout", "stream", "background")


def shapes(tool: str, cases: tuple[str, ...]) -> dict[str, list[str]]:
    pipeline = Pipeline()
    TOOLS[tool](pipeline)
    logged: list[str] = []

    def keep(logger: Any, level: str, event: dict[str, Any]) -> str:
        logged.append(f"log {level} {event['event']} {sorted(event)}")
        raise structlog.DropEvent

    structlog.configure(processors=[keep], logger_factory=structlog.ReturnLoggerFactory())
    runner = Runner(Target(None))
    found: dict[str, list[str]] = {}
    seen: dict[str, float] = {}  # each series' count so far
    for case in cases:
        runner.prepare(case, 1)
        runner.run(case, 1)
        records = list(logged)
        logged.clear()
        for span in pipeline.exporter.get_finished_spans():
            records.append(f"span {span.name} {span.status.status_code.name} "
                           f"{sorted(span.attributes or {})}")
            records += [f"event {event.name} {sorted(event.attributes or {})}"
                        for event in span.events]
        pipeline.exporter.clear()
        data = pipeline.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name.startswith("openai.ratelimit."):
                        continue  # read from the headers at collection, not written per call
                    for point in metric.data.data_points:  # cumulative: the new ones
                        # a metric attribute's value is never an id: compared too
                        key = f"metric {metric.name} {sorted((point.attributes or {}).items())}"
                        total = getattr(point, "count", None) or getattr(point, "value", 0)
                        records += [key] * int(total - seen.get(key, 0))
                        seen[key] = total
        found[case] = sorted(records)
    runner.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=("ours", "floor"))
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    print(json.dumps(shapes(args.tool, tuple(args.cases)), indent=1))


if __name__ == "__main__":
    main()
