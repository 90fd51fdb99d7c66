"""The alerting rules: each a symptom a person acts on, with a runbook and a dashboard link.

Critical alerts page (a provider outage, quota gone, credentials refused, the error budget
burning fast); warnings are tickets (a rate-limit spike, one code's share high, one model
failing or refused, a failed long job, low headroom, telemetry gone, a slow burn).
Provider trouble is read on HTTP attempts, where the SDK's retries do not hide it;
what callers finally saw is read on operations. Each alert's ``$value`` is the quantity
its description names.
"""

from __future__ import annotations

from collections.abc import Iterator

from openai_error_telemetry.codes import Family, codes_of

from . import naming
from .config import JOB_ENDS_NOT_FAILED, PROVIDER_CODES, BurnWindow
from .naming import ERROR_TYPE, MODEL
from .promql import codes, selector
from .rules import OPERATIONS, SLO_ERRORS, Rule, Rules

CLIENT_CODES = tuple(code.value for code in codes_of(Family.CLIENT))


def _ratio_alerts(r: Rules) -> Iterator[Rule]:
    c = r.c
    yield r.alert(
        "OpenAIRateLimitSpike",
        r.code_ratio(r.attempts, f'{ERROR_TYPE}="rate_limited"', c.rate_limit_ratio,
                     c.rate_limit_window),
        c.rate_limit_for, c.severity_warning,
        "OpenAI rate limiting spiked for {{ $labels.job }}",
        "{{ $value | humanizePercentage }} of HTTP attempts from {{ $labels.job }} were "
        f"answered 429 rate_limited over {c.rate_limit_window} (threshold "
        f"{c.rate_limit_ratio:.0%}). The SDK retries them; callers see latency first, "
        "then failures.",
        error_type="rate_limited",
    )
    yield r.alert(
        "OpenAIProviderOutage",
        r.code_ratio(r.attempts, f'{ERROR_TYPE}=~"{codes(PROVIDER_CODES)}"', c.outage_ratio,
                     c.outage_window),
        c.outage_for, c.severity_critical,
        "OpenAI is failing {{ $labels.job }}'s requests (server errors, overload, timeouts)",
        "{{ $value | humanizePercentage }} of HTTP attempts from {{ $labels.job }} failed "
        f"with a provider code ({', '.join(PROVIDER_CODES)}) over {c.outage_window} "
        f"(threshold {c.outage_ratio:.0%}). The SDK's retries hide part of it from "
        "callers; what they still see is on the dashboard's Overview.",
    )
    # one code's share: (alert, code, series, threshold, for, summary, what happened)
    per_code = (
        ("OpenAIServerErrorRatioHigh", "server_error", r.calls, c.server_error_ratio,
         c.server_error_for, "OpenAI calls from {{ $labels.job }} fail with server errors",
         "of operations from {{ $labels.job }} ended in server_error (5xx) after retries"),
        ("OpenAIOverloaded", "overloaded", r.attempts, c.overloaded_ratio, c.overloaded_for,
         "OpenAI reports it is overloaded for {{ $labels.job }}",
         "of HTTP attempts from {{ $labels.job }} were answered overloaded (503/529)"),
        ("OpenAITimeoutRatioHigh", "timeout", r.calls, c.timeout_ratio, c.timeout_for,
         "OpenAI calls from {{ $labels.job }} time out",
         "of operations from {{ $labels.job }} ended in a timeout after retries"),
    )
    for name, code, series, threshold, for_, summary, what in per_code:
        yield r.alert(
            name, r.code_ratio(series, f'{ERROR_TYPE}="{code}"', threshold), for_,
            c.severity_warning, summary,
            f"{{{{ $value | humanizePercentage }}}} {what} over {c.rate_window} "
            f"(threshold {threshold:.0%}).",
            error_type=code,
        )


def _account_alerts(r: Rules) -> Iterator[Rule]:
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


def _model_alerts(r: Rules) -> Iterator[Rule]:
    """One model in trouble while the job's totals look fine."""
    c = r.c
    by = f"{r.by}, {MODEL}"
    guard = f"sum by ({by}) (rate({r.calls()}[{c.model_window}])) > {c.min_rate / 10:g}"
    failing = r.sum_rate(r.calls(f'{ERROR_TYPE}=~"{codes(PROVIDER_CODES)}"'), c.model_window,
                         by=by)
    yield r.alert(
        "OpenAIModelFailing",
        f"(\n  {failing}\n/\n  {r.sum_rate(r.calls(), c.model_window, by=by)}\n)\n"
        f"> {c.model_failure_ratio:g}\nand\n  {guard}",
        c.model_for, c.severity_warning,
        "{{ $labels.gen_ai_request_model }} fails for {{ $labels.job }}",
        "{{ $value | humanizePercentage }} of {{ $labels.job }}'s calls to "
        "{{ $labels.gen_ai_request_model }} failed with a provider code after retries over "
        f"{c.model_window} (threshold {c.model_failure_ratio:.0%}), however small its share "
        "of the job's traffic.",
    )
    by_code = f"{by}, {ERROR_TYPE}"
    refused = r.sum_rate(r.calls(f'{ERROR_TYPE}=~"{codes(CLIENT_CODES)}"'), c.rejected_window,
                         by=by_code)
    every = r.sum_rate(r.calls(), c.rejected_window, by=by)
    yield r.alert(
        "OpenAIModelRejected",
        f"(\n  {refused}\n/ on ({by}) group_left\n  {every}\n)\n> {c.rejected_ratio:g}",
        c.rejected_for, c.severity_warning,
        "{{ $labels.gen_ai_request_model }} refuses {{ $labels.job }}'s calls "
        "({{ $labels.error_type }})",
        "{{ $value | humanizePercentage }} of {{ $labels.job }}'s calls to "
        "{{ $labels.gen_ai_request_model }} failed with {{ $labels.error_type }} over "
        f"{c.rejected_window}: a retired or misspelled model (not_found), or requests the "
        "API refuses. Retrying does not help; the code or its configuration must change.",
    )


def _job_alerts(r: Rules) -> Iterator[Rule]:
    """Failed jobs: one failure of a long job is a ticket; many short ones, a ratio."""
    c = r.c
    single = codes(c.single_failure_surfaces)
    not_failed = f'{ERROR_TYPE}!~"{codes(JOB_ENDS_NOT_FAILED)}|"'
    by = f"{r.by}, {r.n.job_type}"
    failed = selector(r.n.jobs, c.selector, not_failed, f'{r.n.job_type}=~"{single}"')
    yield r.alert(
        "OpenAIJobFailed",
        f"sum by ({by}, {ERROR_TYPE}) (increase({failed}[{c.job_failed_window}])) > 0",
        "0m", c.severity_warning,
        f"A {{{{ $labels.{r.n.job_type} }}}} of {{{{ $labels.job }}}} failed "
        "({{ $labels.error_type }})",
        f"{{{{ $value | humanize }}}} {{{{ $labels.{r.n.job_type} }}}} job(s) of "
        f"{{{{ $labels.job }}}} ended failed, expired or incomplete with "
        f"{{{{ $labels.error_type }}}} over {c.job_failed_window}. Each is hours of work: "
        "read its error (for a Batch, explain-batch its error file) before resubmitting.",
    )
    ratio_failed = selector(r.n.jobs, c.selector, not_failed, f'{r.n.job_type}!~"{single}"')
    every = selector(r.n.jobs, c.selector, f'{r.n.job_type}!~"{single}"')
    window = c.background_window
    part = f"sum by ({by}) (rate({ratio_failed}[{window}]))"
    whole = f"sum by ({by}) (rate({every}[{window}]))"
    yield r.alert(
        "OpenAIJobFailureRatioHigh",
        f"(\n  {part}\n/\n  {whole}\n)\n> {c.background_failure_ratio:g}\n"
        f"and\n  {whole} > {c.min_rate / 10:g}",
        c.background_for, c.severity_warning,
        f"{{{{ $labels.{r.n.job_type} }}}} jobs of {{{{ $labels.job }}}} fail",
        f"{{{{ $value | humanizePercentage }}}} of the {{{{ $labels.{r.n.job_type} }}}} jobs of "
        f"{{{{ $labels.job }}}} ended failed, expired or incomplete over {window} "
        f"(threshold {c.background_failure_ratio:.0%}).",
    )


def _headroom_alert(r: Rules) -> Rule:
    c = r.c
    kind = r.n.ratelimit_kind
    labels = f"{r.by}, {MODEL}, {kind}"
    remaining = selector(r.n.ratelimit_remaining, c.selector)
    limit = selector(r.n.ratelimit_limit, c.selector)
    # The gauges keep their last value when calls stop: only alert while calls go out.
    traffic = r.sum_rate(r.attempts(), c.rate_window)
    median = (f"quantile_over_time(0.5, (\n  min by ({labels}) ({remaining} / ({limit} > 0))"
              f"\n)[{c.headroom_window}:{c.headroom_step}])")
    return r.alert(
        "OpenAIRateLimitHeadroomLow",
        f"{median}\n< {c.headroom_ratio:g}\nand on ({r.by})\n  {traffic} > 0",
        c.headroom_for, c.severity_warning,
        f"{{{{ $labels.job }}}} is close to its OpenAI {{{{ $labels.{kind} }}}} "
        "limit for {{ $labels.gen_ai_request_model }}",
        "The median headroom over "
        f"{c.headroom_window} is {{{{ $value | humanizePercentage }}}} of the "
        f"{{{{ $labels.{kind} }}}} rate limit for "
        "{{ $labels.gen_ai_request_model }} (threshold "
        f"{c.headroom_ratio:.0%}), per the x-ratelimit-* headers. 429s follow.",
        error_type="rate_limited",
    )


def _telemetry_alert(r: Rules) -> Rule:
    c = r.c
    attempts = r.attempts()
    return r.alert(
        "OpenAITelemetryMissing",
        f"count by ({r.by}) (last_over_time({attempts}[{c.telemetry_lookback}]))\n"
        f"unless\ncount by ({r.by}) ({attempts})",
        c.telemetry_for, c.severity_warning,
        "{{ $labels.job }} stopped sending OpenAI telemetry",
        f"{{{{ $labels.job }}}} exported OpenAI attempt counts within the last "
        f"{c.telemetry_lookback} and none now: the process, its exporter or the "
        "collector stopped, and every other alert for it is blind.",
    )


def _burn_alert(r: Rules, w: BurnWindow) -> Rule:
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
        f"{{{{ $value | humanizePercentage }}}} of the operations of {{{{ $labels.job }}}} "
        f"over the last {w.long} (and more than {w.factor * budget:.2%} over the last "
        f"{w.short}) failed with a transient code ({', '.join(c.slo_error_codes)}); at "
        f"this rate the {c.slo_target:.2%} objective's budget is gone {w.factor:g}x "
        "faster than allowed.",
        long=w.long, short=w.short,
    )


def alert_rules(r: Rules) -> list[Rule]:
    return [
        *_ratio_alerts(r),
        *_account_alerts(r),
        *_model_alerts(r),
        *_job_alerts(r),
        _headroom_alert(r),
        _telemetry_alert(r),
        *(_burn_alert(r, w) for w in r.c.burn_windows),
    ]


__all__ = ["alert_rules", "naming"]
