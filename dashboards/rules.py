"""Prometheus recording and alerting rules, built from the config and one naming variant.

``Rules`` holds what every rule is built from (the config, one naming variant, the
selectors); the recording rules of the availability SLO are here, the alerts in
``alerts.py``.
"""

from __future__ import annotations

from typing import Any, Optional

from .config import Config
from .naming import ERROR_TYPE, NOT_POLL, Names
from .promql import codes, selector

Rule = dict[str, Any]

SLO_ERRORS = "openai_slo_errors:ratio_rate"
OPERATIONS = "openai_operations:rate"


class Rules:
    def __init__(self, config: Config, n: Names) -> None:
        self.c = config
        self.n = n
        self.by = ", ".join(config.group_by)
        self.level = "_".join(config.group_by)

    def ops(self, *matchers: str) -> str:
        return selector(self.n.duration("count"), self.c.selector, *matchers)

    def calls(self, *matchers: str) -> str:
        """Operations that are calls: job reads (polls) left out, as on the dashboard."""
        return self.ops(NOT_POLL, *matchers)

    def attempts(self, *matchers: str) -> str:
        return selector(self.n.attempts, self.c.selector, *matchers)

    def sum_rate(self, series: str, window: str, fn: str = "rate",
                 by: Optional[str] = None) -> str:
        return f"sum by ({by or self.by}) ({fn}({series}[{window}]))"

    def code_ratio(self, series_of: Any, matcher: str, threshold: float,
                   window: Optional[str] = None) -> str:
        """Share of the series matching ``matcher``, over ``window`` (the alert window
        unless given), with a traffic guard."""
        window = window or self.c.rate_window
        part = self.sum_rate(series_of(matcher), window)
        whole = self.sum_rate(series_of(), window)
        guard = f"{whole} > {self.c.min_rate:g}"
        return f"(\n  {part}\n/\n  {whole}\n)\n> {threshold:g}\nand\n  {guard}"

    def alert(
        self,
        name: str,
        expr: str,
        for_: str,
        severity: str,
        summary: str,
        description: str,
        **labels: str,
    ) -> Rule:
        return {
            "alert": name,
            "expr": expr,
            "for": for_,
            "labels": {"severity": severity, **labels, **self.c.extra_labels},
            "annotations": {
                "summary": summary,
                "description": description,
                "runbook_url": self.c.runbook(name),
                "dashboard_url": self.c.dashboard(),
            },
        }


def _windows(config: Config) -> list[str]:
    seen: dict[str, None] = {}
    for w in config.burn_windows:
        seen.setdefault(w.short, None)
        seen.setdefault(w.long, None)
    return list(seen)


def recording_rules(config: Config, n: Names) -> list[Rule]:
    r = Rules(config, n)
    slo_errors = r.calls(f'{ERROR_TYPE}=~"{codes(config.slo_error_codes)}"')
    rules: list[Rule] = []
    for window in _windows(config):
        rules.append({
            "record": f"{r.level}:{OPERATIONS}{window}",
            "expr": r.sum_rate(r.calls(), window),
        })
        rules.append({
            "record": f"{r.level}:{SLO_ERRORS}{window}",
            "expr": (
                f"(\n  {r.sum_rate(slo_errors, window)}\n  or\n  "
                f"{r.level}:{OPERATIONS}{window} * 0\n)\n/\n"
                f"  {r.level}:{OPERATIONS}{window}"
            ),
        })
    return rules
