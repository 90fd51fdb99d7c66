"""The main dashboard, "OpenAI / API errors": what failed, why, and what it cost.

Rows go from the overview to the detail a responder needs next (``rows/``, one module
each): failures by code, rate limits, server errors and timeouts, latency, asynchronous
jobs, tokens, and a table that jumps to the traces and logs of one code. Here: the
dashboard's identity, its data source input, variables, links and annotations.
"""

from __future__ import annotations

import json

from grafana_foundation_sdk.builders import dashboard as dash_builders
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    VariableHide,
    VariableRefresh,
    VariableSort,
)

from . import naming
from .config import Config
from .naming import ERROR_TYPE, MODEL, OPERATION, PROVIDER, Names
from .panels import PROMETHEUS
from .promql import selector
from .rows.codes import by_code
from .rows.common import FAILED, JOB, PROVIDER_M, Selectors
from .rows.drilldown import drilldown
from .rows.jobs import jobs
from .rows.latency import latency
from .rows.overview import overview
from .rows.ratelimits import rate_limits
from .rows.server import server_errors
from .rows.tokens import tokens

# The import dialog asks for the Prometheus data source declared here, and puts the one
# chosen in place of ${DS_PROMETHEUS}: the datasource variable's default.
INPUT = "DS_PROMETHEUS"


def _variables(n: Names, config: Config) -> list[dash_builders.QueryVariable]:
    count = n.duration("count")
    extra = config.selector

    def var(name: str, label: str, query: str, all_value: str) -> dash_builders.QueryVariable:
        return (
            dash_builders.QueryVariable(name)
            .label(label)
            .datasource(PROMETHEUS)
            .query(query)
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .sort(VariableSort.ALPHABETICAL_ASC)
            .multi(True)
            .include_all(True)
            .all_value(all_value)
        )

    def values(label: str, *matchers: str) -> str:
        return f"label_values({selector(count, *matchers, extra)}, {label})"

    return [
        var("job", "job", values("job", 'job!=""'), ".+"),
        var("provider", "provider", values(PROVIDER, JOB), ".*"),
        var("model", "model", values(MODEL, JOB, PROVIDER_M), ".*"),
        var("operation", "operation", values(OPERATION, JOB), ".*"),
        var("error_type", "error type", values(ERROR_TYPE, JOB, FAILED), ".*"),
    ]


def _optional_datasource(name: str, plugin: str) -> dash_builders.DatasourceVariable:
    return (
        dash_builders.DatasourceVariable(name)
        .label(name)
        .type(plugin)
        .hide(VariableHide.DONT_HIDE)
    )


def build(config: Config, variant: str) -> dict[str, object]:
    """The dashboard as a JSON-ready dict."""
    n = naming.names(variant)
    s = Selectors(n, config)
    builder = (
        dash_builders.Dashboard(config.dashboard_title)
        .uid(config.dashboard_uid if variant == "classic" else f"{config.dashboard_uid}-{variant}")
        .description(
            "Failures of OpenAI API calls by stable error code, from openai-error-telemetry "
            f"({variant} Prometheus metric names)."
        )
        .tags([*config.dashboard_tags, variant])
        .editable()
        .timezone("browser")
        .refresh(config.refresh)
        .time(config.time_from, "now")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(
            dash_builders.DatasourceVariable("datasource").label("Data source").type("prometheus")
        )
        .with_variable(_optional_datasource("tempo", "tempo"))
        .with_variable(_optional_datasource("loki", "loki"))
        .link(
            dash_builders.DashboardLink("Runbooks")
            .type(DashboardLinkType.LINK)
            .url(config.runbook_url)
            .target_blank(True)
        )
    )
    for variable in _variables(n, config):
        builder = builder.with_variable(variable)
    for annotation in _annotations(n):
        builder = builder.annotation(annotation)
    for row in (
        overview(s, config), by_code(s), rate_limits(s), server_errors(s), latency(s),
        jobs(s), tokens(s), drilldown(s, config),
    ):
        builder = builder.with_row(row)
    encoded: dict[str, object] = json.loads(json.dumps(builder.build().to_json(), default=_to_json))
    encoded["panels"] = _flatten_rows(encoded["panels"])
    _titled(encoded.get("annotations"))
    return _with_input(encoded)


def _with_input(encoded: dict[str, object]) -> dict[str, object]:
    """``__inputs``: Grafana's import dialog asks for a Prometheus data source and writes
    its uid where ``${DS_PROMETHEUS}`` stands, the datasource variable's default. Where the
    file is provisioned instead, the placeholder names no data source and Grafana's
    variable falls back to the default one (a current value not among the options is
    replaced by the first option)."""
    templating = encoded.get("templating")
    variables = templating.get("list", []) if isinstance(templating, dict) else []
    for variable in variables:
        if variable.get("name") == "datasource":
            variable["current"] = {"text": f"${{{INPUT}}}", "value": f"${{{INPUT}}}"}
    return {
        "__inputs": [{"name": INPUT, "label": "Prometheus", "type": "datasource",
                      "pluginId": "prometheus", "pluginName": "Prometheus",
                      "description": "Where the openai-error-telemetry metrics are"}],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "11.0.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus",
             "version": "1.0.0"},
        ],
        **encoded,
    }


# What each annotation's events are titled (the builder has no field for it).
_ANNOTATION_TITLES = {"Our alerts firing": "{{alertname}} ({{severity}})",
                      "OpenAI health alerts": "OpenAI health alert active"}


def _annotations(n: naming.Names) -> list[dash_builders.AnnotationQuery]:
    """Our alerts as they fire, and OpenAI's own health alerts as their webhooks said."""
    return [
        dash_builders.AnnotationQuery()
        .name("Our alerts firing").datasource(PROMETHEUS).enable(True).icon_color("red")
        .expr('ALERTS{alertname=~"OpenAI.*", alertstate="firing", job=~"$job"}'),
        dash_builders.AnnotationQuery()
        .name("OpenAI health alerts").datasource(PROMETHEUS).enable(True)
        .icon_color("orange").expr(f'max({n.health_alerts}{{job=~"$job"}}) > 0'),
    ]


def _titled(annotations: object) -> None:
    listed = annotations.get("list", []) if isinstance(annotations, dict) else []
    for entry in listed:
        title = _ANNOTATION_TITLES.get(entry.get("name"))
        if title is not None:
            entry["titleFormat"] = title


def _flatten_rows(panels: object) -> list[dict[str, object]]:
    """Grafana's own shape of an expanded row: ``collapsed: false`` and no panels of its
    own, its panels following it at the top level. (Grafana's loader keeps only a
    collapsed row's own ``panels``: a collapsed row followed by panels folds nothing.)"""
    assert isinstance(panels, list)
    flat: list[dict[str, object]] = []
    for row_id, row in enumerate(panels, start=100):
        children = row.pop("panels", []) if row.get("type") == "row" else []
        if row.get("type") == "row":
            row["id"] = row_id
            row["collapsed"] = False
            row["panels"] = []
        flat.append(row)
        flat.extend(children)
    return flat


def _to_json(obj: object) -> object:
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(obj, DataSourceRef):
        return {"type": obj.type_val, "uid": obj.uid}
    raise TypeError(f"cannot encode {type(obj).__name__}")
