"""Latency of calls by outcome (job reads left out), and streams' first chunk."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..naming import ERROR_TYPE, NOT_POLL
from ..panels import Query, timeseries_panel
from .common import RATE, Selectors


def _quantile(s: Selectors, q: float) -> str:
    bucket = s.m(s.n.duration("bucket"), NOT_POLL)
    inner = f"histogram_quantile({q}, sum by (le, {ERROR_TYPE}) (rate({bucket}[{RATE}])))"
    # Successes have no error_type; name them "ok" in the legend.
    return f'label_replace({inner}, "{ERROR_TYPE}", "ok", "{ERROR_TYPE}", "")'


def latency(s: Selectors) -> dash_builders.Row:
    row = dash_builders.Row("Latency")
    for panel_id, q in ((40, 0.5), (41, 0.95), (42, 0.99)):
        row = row.with_panel(timeseries_panel(
            panel_id, f"p{round(q * 100)} call duration by outcome",
            f"The {round(q * 100)}th percentile of call duration (job reads left out), "
            "for successful calls (ok) and for each error code: timeouts sit at the "
            "client timeout, fast failures near zero.",
            "s", [Query(_quantile(s, q), "{{error_type}}")], width=8, coloured=True,
        ))
    first_chunk = s.m(s.n.first_chunk("bucket"))
    return row.with_panel(timeseries_panel(
        43, "Time to first chunk (streams)",
        "p50 and p95 of the time from request to the first streamed chunk.",
        "s",
        [Query(f"histogram_quantile({q}, sum by (le) (rate({first_chunk}[{RATE}])))",
               f"p{round(q * 100)}") for q in (0.5, 0.95)],
        width=24,
    ))
