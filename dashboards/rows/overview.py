"""The Overview: in ten seconds, rate limited, out of quota, or is OpenAI failing?

Read on HTTP attempts where the SDK's retries would hide the truth (a 429 retried to
success, a 503 retried away), on calls (job reads left out) for what callers saw.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from openai_error_telemetry.codes import Family, codes_of

from ..config import PROVIDER_CODES, Config
from ..naming import ERROR_TYPE, MODEL
from ..panels import Query, bargauge_panel, stat_panel, table_panel, timeseries_panel
from ..promql import codes, selector
from .common import CODE_M, FAILED, JOB, RATE, Selectors

REFUSED_CODES = codes(c.value for c in codes_of(Family.CLIENT, Family.AUTH, Family.CONTENT))
QUOTA_WINDOW = "15m"
HEADROOM_WINDOW = "10m"


def _share(s: Selectors, matcher: str) -> str:
    return f"({s.rate(s.attempts(matcher))}) / ({s.rate(s.attempts())})"


def _questions(s: Selectors) -> list[object]:
    n = s.n
    quota = s.ops(f'{ERROR_TYPE}="quota_exhausted"')
    # 0 while calls go out and none failed; no data (not a green 0) when nothing reports
    quota_15m = (f"sum(increase({quota}[{QUOTA_WINDOW}])) "
                 f"or (sum(rate({s.ops()}[{QUOTA_WINDOW}])) * 0)")
    remaining = s.m(n.ratelimit_remaining, operation=False)
    limit = s.m(n.ratelimit_limit, operation=False)
    kind = n.ratelimit_kind
    headroom = (f"min by ({MODEL}, {kind}) (quantile_over_time(0.5, {remaining}"
                f"[{HEADROOM_WINDOW}])) / max by ({MODEL}, {kind}) (max_over_time({limit}"
                f"[{HEADROOM_WINDOW}]) > 0)")
    return [
        stat_panel(1, "Rate limited? 429 share of attempts",
                   "Share of HTTP attempts answered 429 rate_limited (slow down: the SDK "
                   "retries, callers feel latency), read before retries hide it.",
                   "percentunit", [Query(_share(s, f'{ERROR_TYPE}="rate_limited"'), "429")],
                   thresholds=((None, "green"), (0.05, "orange"), (0.1, "red")), width=4),
        stat_panel(2, f"Out of quota? Failures, last {QUOTA_WINDOW}",
                   "Calls failed quota_exhausted over the last 15 minutes, whatever the "
                   "dashboard's range: above zero, the account is out of credit or over a "
                   "spend limit, and nothing heals it but a person. No data: no telemetry.",
                   "short", [Query(quota_15m, "quota failures")],
                   thresholds=((None, "green"), (0.5, "red")), width=4),
        stat_panel(3, "OpenAI failing? Provider errors",
                   "Share of HTTP attempts failing with a provider code (server_error, "
                   "overloaded, timeout, connection_error), before retries hide them.",
                   "percentunit",
                   [Query(_share(s, f'{ERROR_TYPE}=~"{codes(PROVIDER_CODES)}"'),
                          "provider errors")],
                   thresholds=((None, "green"), (0.05, "orange"), (0.25, "red")), width=4),
        stat_panel(4, "Requests refused? Client errors",
                   "Share of HTTP attempts refused for the request itself (not_found, "
                   "invalid_request, context length, auth, content): retrying cannot help.",
                   "percentunit", [Query(_share(s, f'{ERROR_TYPE}=~"{REFUSED_CODES}"'),
                                         "client errors")],
                   thresholds=((None, "green"), (0.01, "orange"), (0.1, "red")), width=4),
        bargauge_panel(7, "Lowest headroom by model",
                       "The median over 10 minutes of remaining/limit from the "
                       "x-ratelimit-* headers, per model and limit kind: one 429 with "
                       "remaining 0 does not pin it at zero, a window that keeps running "
                       "dry does.",
                       "percentunit", [Query(headroom, f"{{{{{MODEL}}}}} {{{{{kind}}}}}")],
                       width=4, height=4),
        stat_panel(8, "Calls failing after retries",
                   "Share of calls (job reads left out) that ended in an error after the "
                   "SDK's own retries: what callers saw. Any code.",
                   "percentunit", [Query(f"({s.rate(s.calls(FAILED))}) / "
                                         f"({s.rate(s.calls())})", "failed")],
                   thresholds=((None, "green"), (0.01, "orange"), (0.05, "red")), width=4),
    ]


def overview(s: Selectors, config: Config) -> dash_builders.Row:
    calls = s.rate(s.calls())
    slo_failed = s.rate(s.calls(f'{ERROR_TYPE}=~"{codes(config.slo_error_codes)}"'))
    budget = 1 - config.slo_target
    firing = selector("ALERTS", 'alertname=~"OpenAI.*"', 'alertstate="firing"', JOB, s.extra)
    row = dash_builders.Row("Overview")
    for panel in _questions(s):
        row = row.with_panel(panel)  # type: ignore[arg-type]
    return (
        row
        .with_panel(table_panel(
            9, "Firing alerts",
            "The OpenAI alerts firing now for the selected jobs (Prometheus' ALERTS "
            "series), with the code and model they name; each has a runbook.",
            "short", [Query(firing, "{{alertname}}", instant=True)], width=8,
        ))
        .with_panel(timeseries_panel(
            5, "Calls by outcome",
            "Calls per second (job reads left out), successes and failures by error "
            "code, stacked; each code keeps its family's colour in every panel.",
            "reqps",
            [Query(s.rate(s.calls(f'{ERROR_TYPE}=""')), "ok"),
             Query(s.rate(s.calls(FAILED, CODE_M), ERROR_TYPE), "{{error_type}}")],
            stacked=True, width=8, coloured=True,
        ))
        .with_panel(timeseries_panel(
            6, "Availability error ratio vs objective",
            f"Share of calls failing with a code that spends the availability budget "
            f"({', '.join(config.slo_error_codes)}); the objective allows {budget:.4g}. "
            "Job reads are left out.",
            "percentunit",
            [Query(f"({slo_failed}) / ({calls})", "error ratio"),
             Query(f"({calls}) * 0 + {budget:.6g}", "budget")],
            width=8,
        ))
    )


__all__ = ["RATE", "overview"]
