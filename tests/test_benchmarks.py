"""The benchmarks' floor writes what ours writes, so ours minus the floor is our own work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SHAPES = Path(__file__).resolve().parents[1] / "benchmarks" / "shapes.py"


def _shapes(tool: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, str(SHAPES), tool], capture_output=True,
                          text=True, check=True, timeout=120)
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def test_the_floor_writes_what_ours_writes() -> None:
    ours, floor = _shapes("ours"), _shapes("floor")
    for case, records in ours.items():
        # ours writes an operation span and its duration in every case, and logs failures
        assert any(r.startswith("span ") for r in records), case
        assert any(r.startswith("metric gen_ai.client.operation.duration") for r in records)
        assert floor[case] == records, case
    assert any(r.startswith("log ") for r in ours["429"])
