"""Failures by code: which codes, in what share, on which models and operations."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..naming import ERROR_TYPE, MODEL, OPERATION
from ..panels import Query, bargauge_panel, timeseries_panel
from ..promql import codes
from .common import CODE_GROUPS, CODE_M, FAILED, Selectors


def by_code(s: Selectors) -> dash_builders.Row:
    groups = [
        Query(s.rate(s.ops(f'{ERROR_TYPE}=~"{codes(members)}"', CODE_M)), label)
        for label, members in CODE_GROUPS
    ]
    failed = s.calls(FAILED, CODE_M)
    return (
        dash_builders.Row("Failures by code")
        .with_panel(timeseries_panel(
            10, "Failures by code",
            "Failed operations per second, stacked: each rate, quota, server and timeout "
            "code alone (rate_limited, quota_exhausted, overloaded, server_error, timeout), "
            "then one series per family: auth, connection, client (fix the request), "
            "content and other.",
            "reqps", groups, stacked=True, width=16, coloured=True,
        ))
        .with_panel(bargauge_panel(
            11, "Failure share by code, now",
            "Each code's share of the calls that failed in the last rate interval (the "
            "$error_type choice filters the codes shown, never the whole they are a share "
            "of). Job reads are left out.",
            "percentunit",
            [Query(
                f"{s.rate(failed, ERROR_TYPE)} / ignoring({ERROR_TYPE}) "
                f"group_left {s.rate(s.calls(FAILED))}",
                "{{error_type}}",
            )],
            width=8, coloured=True,
        ))
        .with_panel(timeseries_panel(
            12, "Failure ratio by model",
            "Share of each model's calls that failed, any code (job reads left out).",
            "percentunit",
            [Query(f"{s.rate(failed, MODEL)} / {s.rate(s.calls(), MODEL)}",
                   "{{gen_ai_request_model}}")],
        ))
        .with_panel(timeseries_panel(
            13, "Failures by operation and code",
            "Failed operations per second by operation (chat, embeddings, "
            "generate_content, a job's retrieve, ...) and code.",
            "reqps",
            [Query(s.rate(s.ops(FAILED, CODE_M), f"{OPERATION}, {ERROR_TYPE}"),
                   "{{gen_ai_operation_name}} {{error_type}}")],
        ))
    )
