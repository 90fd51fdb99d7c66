"""Prometheus recording and alerting rules, built from the config and one naming variant.

Ratio alerts compare a code's share of traffic with a threshold and ignore traffic
below ``min_rate``; the two "account" alerts (quota, auth) fire on any occurrence,
since one is already too many and neither heals by waiting. The availability SLO uses
the SRE workbook's multi-window, multi-burn-rate pairs over recorded ratios.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openai_error_telemetry.codes import Family, codes_of

from . import naming
from .config import JOB_ENDS_NOT_FAILED, BurnWindow, Config
from .naming import ERROR_TYPE, Names
from .promql import codes, selector

Rule = dict[str, Any]

SLO_ERRORS = "openai_slo_errors:ratio_rate"
OPERATIONS = "openai_operations:rate"


class _Rules:
    def __init__(self, config: Config, n: Names) -> None:
        self.c = config
        self.n = n
        self.by = ", ".join(config.group_by)
        self.level = "_".join(config.group_by)

    def ops(self, *matchers: str) -> str:
        return selector(self.n.duration("count"), self.c.selector, *matchers)

    def attempts(self, *matchers: str) -> str:
        return selector(self.n.attempts, self.c.selector, *matchers)

    def sum_rate(self, series: str, window: str, fn: str = "rate") -> str:
        return f"sum by ({self.by}) ({fn}({series}[{window}]))"

    def code_ratio(self, series_of: Any, code: str, threshold: float) -> str:
        """Share of ``code`` in the series, over the alert window, with a traffic guard."""
        window = self.c.rate_window
        part = self.sum_rate(series_of(f'{ERROR_TYPE}="{code}"'), window)
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
            },
        }


def _ratio_alerts(r: _Rules) -> Iterator[Rule]:
    c = r.c
    yield r.alert(
        "OpenAIRateLimitSpike",
        r.code_ratio(r.attempts, "rate_limited", c.rate_limit_ratio),
        c.rate_limit_for, c.severity_warning,
        "OpenAI rate limiting spiked for {{ $labels.job }}",
        "{{ $value | humanizePercentage }} of HTTP attempts from {{ $labels.job }} were "
        f"answered 429 rate_limited over {c.rate_window} (threshold "
        f"{c.rate_limit_ratio:.0%}). The SDK retries them; callers see latency first, "
        "then failures.",
        error_type="rate_limited",
    )
    yield r.alert(
        "OpenAIServerErrorRatioHigh",
        r.code_ratio(r.ops, "server_error", c.server_error_ratio),
        c.server_error_for, c.severity_warning,
        "OpenAI calls from {{ $labels.job }} fail with server errors",
        "{{ $value | humanizePercentage }} of operations from {{ $labels.job }} ended in "
        f"server_error (5xx) after retries over {c.rate_window} (threshold "
        f"{c.server_error_ratio:.0%}).",
        error_type="server_error",
    )
    yield r.alert(
        "OpenAIOverloaded",
        r.code_ratio(r.attempts, "overloaded", c.overloaded_ratio),
        c.overloaded_for, c.severity_warning,
        "OpenAI reports it is overloaded for {{ $labels.job }}",
        "{{ $value | humanizePercentage }} of HTTP attempts from {{ $labels.job }} were "
        f"answered overloaded (503/529) over {c.rate_window} (threshold "
        f"{c.overloaded_ratio:.0%}).",
        error_type="overloaded",
    )
    yield r.alert(
        "OpenAITimeoutRatioHigh",
        r.code_ratio(r.ops, "timeout", c.timeout_ratio),
        c.timeout_for, c.severity_warning,
        "OpenAI calls from {{ $labels.job }} time out",
        "{{ $value | humanizePercentage }} of operations from {{ $labels.job }} ended in "
        f"a timeout after retries over {c.rate_window} (threshold {c.timeout_ratio:.0%}).",
        error_type="timeout",
    )


def _account_alerts(r: _Rules) -> Iterator[Rule]:
    c = r.c
    quota_codes = codes(code.value for code in codes_of(Family.QUOTA))
    quota = r.sum_rate(r.ops(f'{ERROR_TYPE}=~"{quota_codes}"'), c.rate_window, "increase")
    yield r.alert(
        "OpenAIQuotaExhausted",
        f"{quota} > 0",
        c.quota_for, c.severity_critical,
        "OpenAI quota exhausted for {{ $labels.job }}",
        "{{ $labels.job }} got {{ $value | humanize }} insufficient_quota (or billing) "
        f"failures over {c.rate_window}. The account is out of credit or over a spend "
        "limit: every call fails until someone adds credit or raises the limit.",
        error_type="quota_exhausted",
    )
    auth_codes = codes(code.value for code in codes_of(Family.AUTH))
    auth = (
        f"sum by ({r.by}, {ERROR_TYPE}) "
        f'(increase({r.ops(f"{ERROR_TYPE}=~{chr(34)}{auth_codes}{chr(34)}")}'
        f"[{c.rate_window}]))"
    )
    yield r.alert(
        "OpenAIAuthFailures",
        f"{auth} > 0",
        c.auth_for, c.severity_critical,
        "OpenAI rejects the credentials of {{ $labels.job }} ({{ $labels.error_type }})",
        "{{ $labels.job }} got {{ $value | humanize }} {{ $labels.error_type }} failures "
        f"over {c.rate_window}: the API key is missing, invalid, revoked, or not allowed "
        "this model or project.",
    )


def _background_alert(r: _Rules) -> Rule:
    """Failed jobs per surface: one point per job (polls do not count), cancels apart."""
    c = r.c
    failed = selector(r.n.jobs, c.selector, f'{ERROR_TYPE}!~"{codes(JOB_ENDS_NOT_FAILED)}|"')
    every = selector(r.n.jobs, c.selector)
    window = c.background_window
    by = f"{r.by}, {r.n.job_type}"
    part = f"sum by ({by}) (rate({failed}[{window}]))"
    whole = f"sum by ({by}) (rate({every}[{window}]))"
    return r.alert(
        "OpenAIJobFailureRatioHigh",
        f"(\n  {part}\n/\n  {whole}\n)\n> {c.background_failure_ratio:g}\n"
        f"and\n  {whole} > {c.min_rate / 10:g}",
        c.background_for, c.severity_warning,
        f"{{{{ $labels.{r.n.job_type} }}}} jobs of {{{{ $labels.job }}}} fail",
        f"{{{{ $value | humanizePercentage }}}} of the {{{{ $labels.{r.n.job_type} }}}} jobs of "
        f"{{{{ $labels.job }}}} ended failed, expired or incomplete over {window} "
        f"(threshold {c.background_failure_ratio:.0%}).",
    )


def _headroom_alert(r: _Rules) -> Rule:
    c = r.c
    kind = r.n.ratelimit_kind
    labels = f"{r.by}, {naming.MODEL}, {kind}"
    remaining = selector(r.n.ratelimit_remaining, c.selector)
    limit = selector(r.n.ratelimit_limit, c.selector)
    # The gauges keep their last value when calls stop: only alert while calls go out.
    traffic = r.sum_rate(r.attempts(), c.rate_window)
    return r.alert(
        "OpenAIRateLimitHeadroomLow",
        f"min by ({labels}) (\n  {remaining}\n/\n  ({limit} > 0)\n)\n< {c.headroom_ratio:g}\n"
        f"and on ({r.by})\n  {traffic} > 0",
        c.headroom_for, c.severity_warning,
        f"{{{{ $labels.job }}}} is close to its OpenAI {{{{ $labels.{kind} }}}} "
        "limit for {{ $labels.gen_ai_request_model }}",
        "Only {{ $value | humanizePercentage }} of the "
        f"{{{{ $labels.{kind} }}}} rate limit for "
        "{{ $labels.gen_ai_request_model }} is left (threshold "
        f"{c.headroom_ratio:.0%}), per the x-ratelimit-* headers. 429s follow.",
        error_type="rate_limited",
    )


def _windows(config: Config) -> list[str]:
    seen: dict[str, None] = {}
    for w in config.burn_windows:
        seen.setdefault(w.short, None)
        seen.setdefault(w.long, None)
    return list(seen)


def recording_rules(config: Config, n: Names) -> list[Rule]:
    r = _Rules(config, n)
    slo_errors = r.ops(f'{ERROR_TYPE}=~"{codes(config.slo_error_codes)}"')
    rules: list[Rule] = []
    for window in _windows(config):
        rules.append({
            "record": f"{r.level}:{OPERATIONS}{window}",
            "expr": r.sum_rate(r.ops(), window),
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


def _burn_alert(r: _Rules, w: BurnWindow) -> Rule:
    c = r.c
    budget = 1 - c.slo_target
    limit = f"{w.factor * budget:.6g}"
    name = "OpenAIErrorBudgetBurnFast" if w.severity == "critical" else "OpenAIErrorBudgetBurnSlow"
    severity = c.severity_critical if w.severity == "critical" else c.severity_warning
    expr = (
        f"{r.level}:{SLO_ERRORS}{w.long} > {limit}\n"
        f"and\n{r.level}:{SLO_ERRORS}{w.short} > {limit}\n"
        f"and\n{r.level}:{OPERATIONS}{w.short} > {c.min_rate:g}"
    )
    return r.alert(
        name, expr, w.for_, severity,
        "{{ $labels.job }} burns its OpenAI availability error budget "
        f"{w.factor:g}x too fast",
        f"Over the last {w.long} and {w.short}, more than {w.factor * budget:.2%} of "
        "operations of {{ $labels.job }} failed with a transient code ("
        f"{', '.join(c.slo_error_codes)}); at this rate the {c.slo_target:.2%} "
        f"objective's budget is gone {w.factor:g}x faster than allowed. "
        "Now: {{ $value | humanizePercentage }}.",
        long=w.long, short=w.short,
    )


def alert_rules(config: Config, n: Names) -> list[Rule]:
    r = _Rules(config, n)
    return [
        *_ratio_alerts(r),
        *_account_alerts(r),
        _background_alert(r),
        _headroom_alert(r),
        *(_burn_alert(r, w) for w in config.burn_windows),
    ]


def rule_files(config: Config, variant: str) -> dict[str, dict[str, Any]]:
    """File name -> Prometheus rule-file document."""
    n = naming.names(variant)
    return {
        "prometheus_rules.yaml": {
            "groups": [
                {"name": "openai-error-telemetry.rules", "rules": recording_rules(config, n)}
            ]
        },
        "prometheus_alerts.yaml": {
            "groups": [
                {"name": "openai-error-telemetry.alerts", "rules": alert_rules(config, n)}
            ]
        },
    }
