"""Instructions per call under valgrind (callgrind): a cost the machine's load cannot move.

    .venv/bin/python benchmarks/instructions.py [--cases success 429] [--tools plain ours floor]
    .venv/bin/python benchmarks/instructions.py --tools plain ours floor otel-genai-openai \
        otel-openai-v2

Timings on a shared 2-core machine swing by tens of percent; the number of instructions
a call executes does not. For each tool and case, a worker-like process runs the case
``--warm`` times and then ``--warm + --calls`` times under callgrind; the difference
divided by ``--calls`` is the instructions per call, free of start-up and warm-up. The
objects of start-up are frozen out of the garbage collector (``gc.freeze()``) before the
calls, so a full collection over them cannot fall in one run's count and not the other's.
Slow (each run is ~50x slower than native): a few minutes for the defaults.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import BY_NAME, python_of  # noqa: E402

SCRIPT = """
import sys
sys.path.insert(0, {here!r})
from tools import TOOLS, Pipeline
from workload import Runner, Target
pipeline = Pipeline()
TOOLS[{tool!r}](pipeline)
runner = Runner(Target(None))
runner.prepare({case!r}, {calls})
import gc
gc.collect()
gc.freeze()  # start-up's objects out of the collector's way: a full collection over them
# would land in one run's count and not the other's, by chance
runner.run({case!r}, {calls})
"""


def instructions(tool: str, case: str, calls: int) -> int:
    code = SCRIPT.format(here=str(HERE), tool=tool, case=case, calls=calls)
    # a peer runs in its own virtualenv (peers.py), as in the suite
    python = str(python_of(tool)) if tool in BY_NAME else sys.executable
    # one string hash seed for every run: with a random one, dict collisions (and so the
    # count) differ from process to process by tens of thousands of instructions a call
    done = subprocess.run(
        ["env", "PYTHONHASHSEED=0", "valgrind", "--tool=callgrind",
         "--callgrind-out-file=/dev/null", python, "-c", code],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=["success", "429"])
    parser.add_argument("--tools", nargs="*", default=["plain", "ours", "floor"])
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    per_call: dict[tuple[str, str], float] = {}
    for case in args.cases:
        for tool in args.tools:
            low = instructions(tool, case, args.warm)
            high = instructions(tool, case, args.warm + args.calls)
            per_call[(tool, case)] = (high - low) / args.calls
    print("| case | " + " | ".join(f"{t} instructions/call" for t in args.tools)
          + " | " + " | ".join(f"{t} added" for t in args.tools if t != "plain") + " |")
    print("|---" * (2 * len(args.tools)) + "|")
    for case in args.cases:
        base = per_call.get(("plain", case), 0.0)
        cells = [f"{per_call[(t, case)] / 1000:.0f}k" for t in args.tools]
        cells += [f"+{(per_call[(t, case)] - base) / 1000:.0f}k"
                  for t in args.tools if t != "plain"]
        print(f"| {case} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
