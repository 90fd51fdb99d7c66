"""Every panel keeps the house rules and every query parses (offline, promql-parser)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from dashboards.main_dashboard import CODE_GROUPS
from dashboards.naming import VARIANTS, names

from tests.dashboards.dashlint import lint_dashboard, lint_expr, metric_names, panels
from tests.dashboards.dashtools import OUT

ROWS = (
    "Overview", "Failures by code", "Rate limits", "Server errors and timeouts",
    "Latency", "Asynchronous jobs", "Tokens", "Traces and logs",
)


def load(variant: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OUT / variant / "openai-errors.json").read_text())
    return data


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_panel_passes_the_lint(variant: str) -> None:
    problems = lint_dashboard(load(variant), metric_names(names(variant)))
    assert problems == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_rows_and_identity(variant: str) -> None:
    dashboard = load(variant)
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert tuple(rows) == ROWS
    assert dashboard["uid"].startswith("openai-error-telemetry")
    assert "openai-error-telemetry" in dashboard["tags"]
    assert len(list(panels(dashboard))) >= 25


def test_failures_by_code_stack_covers_every_code() -> None:
    from openai_error_telemetry import ErrorCode

    stacked = {code for _, members in CODE_GROUPS for code in members}
    assert stacked == {code.value for code in ErrorCode}
    assert sum(len(m) for _, m in CODE_GROUPS) == len(stacked), "a code is stacked twice"


def test_trace_and_log_links_carry_the_code() -> None:
    table = next(p for p in panels(load("classic")) if p["type"] == "table")
    urls = [link["url"] for link in table["fieldConfig"]["defaults"]["links"]]
    assert any("${tempo}" in u and "${__data.fields.error_type}" in u for u in urls)
    assert any("${loki}" in u and "${__data.fields.error_type}" in u for u in urls)


def broken_copies(dashboard: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """One mutation per rule, each of which the lint must report."""
    def mutate(change: Any) -> dict[str, Any]:
        copied = copy.deepcopy(dashboard)
        change(next(p for p in copied["panels"] if p["type"] == "timeseries"))
        return copied

    def set_expr(expr: str) -> Any:
        return lambda p: p["targets"][0].update(expr=expr)

    good = 'sum(rate(openai_client_attempts_total{job=~"$job"}[$__rate_interval]))'
    return [
        ("no description", mutate(lambda p: p.pop("description"))),
        ("no unit", mutate(lambda p: p["fieldConfig"]["defaults"].pop("unit"))),
        ("no title", mutate(lambda p: p.update(title=""))),
        ("fixed data source", mutate(lambda p: p.update(datasource={"uid": "prom-1"}))),
        ("fixed range", mutate(set_expr(good.replace("$__rate_interval", "5m")))),
        ("no job matcher", mutate(set_expr(good.replace('job=~"$job"', "")))),
        ("parse error", mutate(set_expr(good[:-1]))),
        ("unknown metric", mutate(set_expr(good.replace("attempts", "attempt")))),
    ]


@pytest.mark.parametrize("case", range(8))
def test_the_lint_catches_each_broken_rule(case: int) -> None:
    name, broken = broken_copies(load("classic"))[case]
    assert lint_dashboard(broken, metric_names(names("classic"))), name


def test_a_clean_expression_has_no_problems() -> None:
    known = metric_names(names("classic"))
    expr = 'sum(rate(openai_client_attempts_total{job=~"$job"}[$__rate_interval]))'
    assert lint_expr(expr, known) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_json_decodes_into_the_grafana_schema_models(variant: str) -> None:
    from grafana_foundation_sdk.models.dashboard import Dashboard

    model = Dashboard.from_json(load(variant))
    assert model.uid == load(variant)["uid"]
    kinds = {getattr(p, "type_val", None) or p.type for p in model.panels}
    assert kinds == {"row", "stat", "timeseries", "bargauge", "table"}
    assert model.templating.list_val is not None
    assert [v.name for v in model.templating.list_val][:1] == ["datasource"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_rows_hold_what_they_fold(variant: str) -> None:
    """Grafana's loader (DashboardModel, and the v2 schema's conversion of rows) keeps only
    a collapsed row's own ``panels``: a collapsed row followed by top-level panels shows as
    an empty header, and Grafana 12 folds everything into it. So a row is either expanded
    (``collapsed: false``, its panels after it) or collapsed with its panels inside."""
    top = load(variant)["panels"]
    for index, row in enumerate(top):
        if row["type"] != "row":
            continue
        following = next((p for p in top[index + 1:]), None)
        if row["collapsed"]:
            assert row["panels"], (variant, row["title"])
        else:
            assert row["panels"] == [], (variant, row["title"])
            assert following is not None, (variant, row["title"])
            assert following["type"] != "row", (variant, row["title"], "an empty row")


def _links(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "url" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_links(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_links(item))
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_explore_links_use_panes_and_the_dashboards_range(variant: str) -> None:
    """Grafana's Explore URL migration (schemaVersion=1) reads ``panes`` and nothing else:
    a ``left=`` link opens an empty Explore. The pane keeps the dashboard's time range."""
    from urllib.parse import parse_qs, urlsplit

    explore = [url for url in _links(load(variant)) if url.startswith("/explore")]
    assert len(explore) == 2
    for url in explore:
        query = parse_qs(urlsplit(url).query)
        assert query["schemaVersion"] == ["1"]
        assert "left" not in query
        (panes,) = query["panes"]
        (pane,) = json.loads(panes).values()
        assert pane["range"] == {"from": "${__from}", "to": "${__to}"}
        assert pane["datasource"] in ("${tempo}", "${loki}")
        assert pane["queries"][0]["refId"] == "A"


@pytest.mark.parametrize("variant", VARIANTS)
def test_annotations_mark_our_alerts_and_openais_health_alerts(variant: str) -> None:
    """Grafana runs each Prometheus annotation query over the dashboard's range and marks
    every non-zero sample: our alerts as they fire (the ALERTS series Prometheus writes),
    OpenAI's own health alerts from the gauge their webhooks keep."""
    listed = {a["name"]: a for a in load(variant)["annotations"]["list"]}
    ours, openai_s = listed["Our alerts firing"], listed["OpenAI health alerts"]
    assert ours["expr"] == 'ALERTS{alertname=~"OpenAI.*", alertstate="firing"}'
    assert "{{alertname}}" in ours["titleFormat"]
    known = metric_names(names(variant))
    assert lint_expr(openai_s["expr"], known) == []
    assert names(variant).health_alerts in openai_s["expr"]
    for annotation in (ours, openai_s):
        assert annotation["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert annotation["enable"] is True
