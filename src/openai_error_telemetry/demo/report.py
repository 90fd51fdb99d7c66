"""Plain-text renderings of a ``Snapshot``: the periodic line and the final summary.

The same words appear in the live table, the periodic lines and the summary, so what a
user reads in a CI log is what they would have seen in the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from .snapshot import Snapshot

SUMMARY_TITLE = "== summary"
TABLE_HEADER = ("code", "calls", "attempts", "retried", "background")


def seconds(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f} s"


def headroom(snapshot: Snapshot, pairs: Optional[Mapping[str, tuple[float, float]]] = None) -> str:
    """``requests 98% (9800/10000), tokens 99% (...)``: the tightest model per kind."""
    values = snapshot.headroom if pairs is None else pairs
    if not values:
        return "-"
    parts = []
    for kind in sorted(values):
        remaining, limit = values[kind]
        parts.append(f"{kind} {100 * remaining / limit:.0f}% ({remaining:.0f}/{limit:.0f})")
    return ", ".join(parts)


def counts(values: Mapping[str, int], limit: int = 4) -> str:
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    text = " ".join(f"{code}={count}" for code, count in ordered[:limit])
    return text + (" ..." if len(ordered) > limit else "")


def line(snapshot: Snapshot, elapsed: float, duration: float, phase: str) -> str:
    """One periodic line for a log without a terminal."""
    rate = snapshot.calls / elapsed if elapsed > 0 else 0.0
    failed = f"failed {snapshot.failures}"
    if snapshot.failures:
        failed += f" ({counts(snapshot.failed_calls)})"
    return (
        f"[{elapsed:5.1f}s/{duration:.0f}s] {phase} | calls {snapshot.calls} ({rate:.1f}/s)"
        f" | {failed} | hidden retries {snapshot.hidden_retries}"
        f" | backoff {snapshot.retry_delay_s:.1f}s"
        f" | p50 {seconds(snapshot.p50_s)} p95 {seconds(snapshot.p95_s)}"
        f" | headroom {headroom(snapshot)}"
    )


def code_rows(snapshot: Snapshot) -> list[tuple[str, int, int, int, int]]:
    """Per code: failed calls, failed attempts, attempts retried, failed background jobs."""
    return [
        (code, snapshot.failed_calls[code], snapshot.failed_attempts[code],
         snapshot.retried_attempts[code], snapshot.background_failed[code])
        for code in snapshot.codes()
    ]


def _table(snapshot: Snapshot) -> list[str]:
    rows = code_rows(snapshot)
    total = (
        "total", snapshot.failures, sum(snapshot.failed_attempts.values()),
        snapshot.hidden_retries, sum(snapshot.background_failed.values()),
    )
    lines = [f"{TABLE_HEADER[0]:<26}" + "".join(f"{h:>11}" for h in TABLE_HEADER[1:])]
    for row in [*rows, total]:
        lines.append(f"{row[0]:<26}" + "".join(f"{value:>11}" for value in row[1:]))
    return lines


def summary(snapshot: Snapshot, *, elapsed: float, title: str,
            log_counts: Mapping[str, int], abandoned: int,
            lowest: Optional[Mapping[str, tuple[float, float]]] = None) -> str:
    """The closing report, every number from the exported metric points."""
    rate = snapshot.calls / elapsed if elapsed > 0 else 0.0
    share = 100 * snapshot.failures / snapshot.calls if snapshot.calls else 0.0
    background = ", ".join(
        f"{status} {count}" for status, count in sorted(snapshot.background.items())
    )
    lines = [
        f"{SUMMARY_TITLE}: {title}",
        f"calls                {snapshot.calls} in {elapsed:.1f} s ({rate:.1f}/s), "
        f"{snapshot.failures} failed ({share:.1f}%)",
        f"attempts             {snapshot.attempts}, of which {snapshot.hidden_retries} failed "
        "and were retried by the SDK (hidden from the caller)",
        f"retry backoff        {snapshot.retry_delay_s:.1f} s slept by the SDK before retries",
        f"latency              p50 {seconds(snapshot.p50_s)}, p95 {seconds(snapshot.p95_s)}"
        " (per call, retries included, from the histogram buckets)",
        f"background jobs      {sum(snapshot.background.values())}"
        + (f": {background}" if background else ""),
        f"rate-limit headroom  lowest {headroom(snapshot, lowest or snapshot.headroom)}; "
        f"at the end {headroom(snapshot)}",
        f"failure log events   {sum(log_counts.values())}"
        + (f" ({counts(log_counts)})" if log_counts else ""),
    ]
    if abandoned:
        lines.append(f"abandoned            {abandoned} calls still in flight at the end "
                     "(not counted)")
    lines.append("")
    lines.extend(_table(snapshot))
    return "\n".join(lines)
