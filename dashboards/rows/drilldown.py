"""Traces and logs: a table of failures by code and model whose rows open Explore.

The links use Explore's ``panes`` form (with ``schemaVersion=1`` Grafana's URL migration
reads ``panes`` only: a ``left=`` link opens an empty Explore), over the dashboard's time
range, filtered to the clicked row's code and model.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..config import Config
from ..naming import ERROR_TYPE, MODEL
from ..panels import Query, table_panel
from .common import CODE_M, FAILED, Selectors

CODE = "${__data.fields.error_type}"
ROW_MODEL = "${__data.fields.gen_ai_request_model}"


def explore_url(datasource: str, query: dict[str, object]) -> str:
    """An Explore link over the dashboard's range; ${...} are left for Grafana."""
    panes = json.dumps(
        {"a": {"datasource": datasource, "queries": [query],
               "range": {"from": "${__from}", "to": "${__to}"}}},
        separators=(",", ":"),
    )
    return "/explore?schemaVersion=1&orgId=1&panes=" + quote(panes, safe="${}:,._")


def drilldown(s: Selectors, config: Config) -> dash_builders.Row:
    traces = explore_url("${tempo}", {
        "refId": "A", "queryType": "traceql",
        "query": f'{{ span.error.type = "{CODE}" && span.gen_ai.request.model = "{ROW_MODEL}" }}',
    })
    logs = explore_url("${loki}", {
        "refId": "A",
        "expr": f'{config.loki_stream_selector} | error_type = "{CODE}" | model = "{ROW_MODEL}"',
    })
    return (
        dash_builders.Row("Traces and logs")
        .with_panel(table_panel(
            70, "Failures by code: open traces and logs",
            "Failed operations per second by code and model. Click a row to open the "
            "traces of that code and model in Tempo (span attributes error.type and "
            "gen_ai.request.model) or its logs in Loki (fields error_type and model), over "
            "the dashboard's time range; the links work where those data sources are "
            "configured (variables tempo and loki).",
            "reqps",
            [Query(s.rate(s.ops(FAILED, CODE_M), f"{ERROR_TYPE}, {MODEL}"),
                   "{{error_type}}", instant=True)],
            links=[("Traces of this code and model (Tempo)", traces),
                   ("Logs of this code and model (Loki)", logs)],
        ))
    )
