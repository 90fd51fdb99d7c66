"""Rate limits: 429s by limit and by whether the SDK retried, headroom, time lost."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..naming import ERROR_TYPE, MODEL, STATUS_CODE
from ..panels import Query, stat_panel, timeseries_panel
from .common import FAILED, RATE, Selectors


def rate_limits(s: Selectors) -> dash_builders.Row:
    n = s.n
    kind = n.ratelimit_kind
    remaining = s.m(n.ratelimit_remaining, operation=False)
    limit = s.m(n.ratelimit_limit, operation=False)
    retried = s.rate(s.attempts(FAILED, f'{n.will_retry}="true"'))
    return (
        dash_builders.Row("Rate limits")
        .with_panel(timeseries_panel(
            20, "429 attempts: requests vs tokens vs quota",
            "HTTP attempts answered 429 per second, split into rate_limited (slow down, it "
            "heals) by the limit that ran out (requests or tokens) and quota_exhausted "
            "(billing, it does not), and whether the SDK retried.",
            "reqps",
            [Query(
                s.rate(s.attempts(f'{STATUS_CODE}="429"'),
                       f"{ERROR_TYPE}, {kind}, {n.will_retry}"),
                f"{{{{error_type}}}} {{{{{kind}}}}} retried={{{{{n.will_retry}}}}}",
            )],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            21, "Rate-limit headroom (requests vs tokens)",
            "Median remaining/limit in each interval, from the x-ratelimit-remaining-* and "
            "x-ratelimit-limit-* headers, per model and limit kind (requests or tokens): a "
            "lone 429 with remaining 0 does not pin it at zero.",
            "percentunit",
            [Query(
                f"min by ({MODEL}, {kind}) (quantile_over_time(0.5, {remaining}[{RATE}])) / "
                f"max by ({MODEL}, {kind}) (max_over_time({limit}[{RATE}]))",
                f"{{{{gen_ai_request_model}}}} {{{{{kind}}}}}",
            )],
        ))
        .with_panel(timeseries_panel(
            22, "Retry backoff: share of wall time waiting",
            "Seconds the SDK slept before retries per second of wall time, by the code "
            "that caused the retry: 1 means one call was always waiting.",
            "short",
            [Query(s.rate(s.m(f"{n.retry_delay}_sum"), ERROR_TYPE), "{{error_type}}")],
            stacked=True, coloured=True, width=8,
        ))
        .with_panel(timeseries_panel(
            23, "Rate-limited calls by model",
            "Calls that still failed as rate_limited after the SDK's retries, per model.",
            "reqps",
            [Query(s.rate(s.ops(f'{ERROR_TYPE}="rate_limited"'), MODEL),
                   "{{gen_ai_request_model}}")],
            width=8,
        ))
        .with_panel(stat_panel(
            24, "Attempts hidden by retries",
            "Failed HTTP attempts per second that the SDK retried: failures the "
            "application never saw, but that cost time and quota.",
            "reqps", [Query(retried, "retried attempts/s")],
            thresholds=((None, "green"), (0.1, "orange")), width=8, height=8,
        ))
    )
