"""Small PromQL builders shared by the dashboard and the rules, so both spell selectors alike."""

from __future__ import annotations

from collections.abc import Iterable


def selector(metric: str, *matchers: str) -> str:
    """``metric{m1, m2}``; empty matchers are dropped so config selectors may be blank."""
    kept = [m for m in matchers if m]
    return f"{metric}{{{', '.join(kept)}}}" if kept else metric


def codes(values: Iterable[str]) -> str:
    """A regex matching exactly these error codes."""
    return "|".join(values)
