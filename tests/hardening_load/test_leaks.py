"""Thousands of instrumented calls leave nothing behind (``benchmarks/leaks.py``, smaller).

The benchmark's own workload: success, failure, streams read, closed early and abandoned,
background jobs under new ids, never-seen paths; in-memory transport, telemetry counted
and dropped. After a warm-up that fills the bounded tracker (64 here) and the job-path
cache, 4,000 more calls must not add objects, allocator blocks or resident memory beyond
generous bounds,
and every span, stream proxy and bounded structure must be back where it was.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from openai_error_telemetry.classify import exceptions as class_names

CALLS = 4_000
WARMUP = 1_800  # > 7 * 512 / 2: the job-path cache is full before measuring
MAX_TRACKED = 64
# Generous (measured in steady state: objects -15..-11, blocks 30..133, RSS < 1 MiB):
# keeping one small dict per call adds ~4,600 blocks, one span per call ~12 MB.
MAX_OBJECT_GROWTH = 400
MAX_BLOCK_GROWTH = 1_000
MAX_RSS_GROWTH = 10 * 1024 * 1024


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "leaks.py"
    spec = importlib.util.spec_from_file_location("leaks_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_calls_leave_no_objects_spans_streams_or_unbounded_state(our_warnings):
    leaks = load_benchmark()
    report = leaks.run(CALLS, WARMUP, max_tracked=MAX_TRACKED)
    assert report.spans_open == 0
    assert report.streams_alive == 0
    assert report.spans_exported > CALLS  # the workload really ran instrumented (a span a call)
    assert report.log_events > CALLS / 7
    assert report.tracked_jobs == MAX_TRACKED
    assert report.path_cache <= 512
    assert report.code_names <= 4096
    assert report.page_names <= 1024
    assert report.class_cache <= class_names._NAMES_MAX
    assert report.object_growth < MAX_OBJECT_GROWTH, report
    assert report.block_growth < MAX_BLOCK_GROWTH, report
    assert report.rss_growth < MAX_RSS_GROWTH, report
    assert not our_warnings
