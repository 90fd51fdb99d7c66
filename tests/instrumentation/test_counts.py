"""Counters of ours (telemetry/counts.py): exact under threads, bounded in series."""

from __future__ import annotations

import threading

from openai_error_telemetry.telemetry import counts


def totals_of(totals: counts.Totals) -> dict[tuple[tuple[str, object], ...], int]:
    return {tuple(o.attributes.items()): o.value for o in totals.observe(None)}  # type: ignore[arg-type]


def test_increments_from_many_threads_are_all_counted():
    totals = counts.Totals()

    def work() -> None:
        for _ in range(5_000):
            totals.add(1, {"error.type": "rate_limited"})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals_of(totals) == {(("error.type", "rate_limited"),): 40_000}


def test_series_past_the_bound_go_to_one_overflow_series(monkeypatch):
    monkeypatch.setattr(counts, "MAX_SERIES", 3)
    totals = counts.Totals()
    for n in range(5):
        totals.add(1, {"n": n})
    totals.add(2, {"n": 0})  # a known series keeps counting
    seen = totals_of(totals)
    assert seen == {(("n", 0),): 3, (("n", 1),): 1, (("n", 2),): 1,
                    (("otel.metric.overflow", True),): 2}
