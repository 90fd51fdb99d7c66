"""Small PromQL builders shared by the dashboard and the rules, so both spell selectors alike."""

from __future__ import annotations

from collections.abc import Iterable

_NAME = "__name__=~"


def any_of(metrics: Iterable[str]) -> str:
    """One metric name, or a ``__name__`` matcher for a series written under several
    (one per naming mode's instrument); ``selector`` takes either."""
    listed = list(metrics)
    return listed[0] if len(listed) == 1 else f'{_NAME}"{"|".join(listed)}"'


def selector(metric: str, *matchers: str) -> str:
    """``metric{m1, m2}``; empty matchers are dropped so config selectors may be blank."""
    kept = [m for m in matchers if m]
    if metric.startswith(_NAME):
        return f"{{{', '.join([metric, *kept])}}}"
    return f"{metric}{{{', '.join(kept)}}}" if kept else metric


def codes(values: Iterable[str]) -> str:
    """A regex matching exactly these error codes."""
    return "|".join(values)
