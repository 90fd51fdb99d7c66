"""Small PromQL builders shared by the dashboard and the rules, so both spell queries alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def selector(metric: str, *matchers: str) -> str:
    """``metric{m1, m2}``; empty matchers are dropped so config selectors may be blank."""
    kept = [m for m in matchers if m]
    return f"{metric}{{{', '.join(kept)}}}" if kept else metric


def codes(values: Iterable[str]) -> str:
    """A regex matching exactly these error codes."""
    return "|".join(values)


def by(labels: Sequence[str]) -> str:
    return f"by ({', '.join(labels)})" if labels else ""


def sum_rate(series: str, window: str, labels: Sequence[str] = ()) -> str:
    grouping = by(labels)
    head = f"sum {grouping} " if grouping else "sum "
    return f"{head}(rate({series}[{window}]))"


def ratio(numerator: str, denominator: str) -> str:
    return f"(\n  {numerator}\n/\n  {denominator}\n)"
