"""One tool in one process: turned on once, then timed on request, round after round.

    python benchmarks/worker.py TOOL [BASE_URL]

Reads ``CASE CALLS`` lines on stdin and answers each with one JSON line (mean µs per
call, stream figures, spans exported per call). The suite starts one worker per tool,
each with the interpreter of the tool's virtualenv, and interleaves their rounds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools import TOOLS, Pipeline
from workload import Runner, Target


def main(argv: list[str]) -> int:
    tool = argv[0]
    pipeline = Pipeline()
    TOOLS[tool](pipeline)
    runner = Runner(Target(argv[1] if len(argv) > 1 else None))
    print(json.dumps({"ready": tool}), flush=True)
    for line in sys.stdin:
        case, calls_text = line.split()
        calls = int(calls_text)
        runner.prepare(case, calls)
        pipeline.spans()
        timing = runner.run(case, calls)
        spans = pipeline.spans()
        answer = {**timing._asdict(), "spans": None if spans is None else spans / calls}
        print(json.dumps(answer), flush=True)
    runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
