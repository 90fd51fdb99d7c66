"""Every panel keeps the house rules and every query parses (offline, promql-parser)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from dashboards.naming import VARIANTS, names
from dashboards.rows.common import CODE_GROUPS

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
    table = next(p for p in panels(load("classic")) if p["id"] == 70)
    urls = [link["url"] for link in table["fieldConfig"]["defaults"]["links"]]
    for source in ("${tempo}", "${loki}"):
        (url,) = [u for u in urls if source in u]
        assert "${__data.fields.error_type}" in url
        assert "${__data.fields.gen_ai_request_model}" in url  # the clicked row's model


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
    assert ours["expr"] == 'ALERTS{alertname=~"OpenAI.*", alertstate="firing", job=~"$job"}'
    assert "{{alertname}}" in ours["titleFormat"]
    known = metric_names(names(variant))
    assert lint_expr(openai_s["expr"], known) == []
    assert names(variant).health_alerts in openai_s["expr"]
    for annotation in (ours, openai_s):
        assert annotation["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert annotation["enable"] is True


@pytest.mark.parametrize("variant", VARIANTS)
def test_import_asks_for_the_prometheus_data_source(variant: str) -> None:
    """Grafana's import dialog asks for each ``__inputs`` data source and writes the uid
    chosen wherever ``${DS_PROMETHEUS}`` stands: here the datasource variable's default,
    which every panel and variable query reads through ``${datasource}``."""
    dashboard = load(variant)
    (declared,) = dashboard["__inputs"]
    assert (declared["name"], declared["type"], declared["pluginId"]) == (
        "DS_PROMETHEUS", "datasource", "prometheus")
    variable = next(v for v in dashboard["templating"]["list"] if v["name"] == "datasource")
    assert variable["current"]["value"] == "${DS_PROMETHEUS}"
    text = json.dumps(dashboard)
    assert text.count("${DS_PROMETHEUS}") == 2  # the variable's current text and value


def test_every_code_keeps_its_family_colour_in_every_coloured_panel() -> None:
    from dashboards.colours import CODE_COLOURS, FAMILY_COLOURS

    from openai_error_telemetry.codes import CODE_INFO

    for code, info in CODE_INFO.items():
        assert CODE_COLOURS[code.value] == FAMILY_COLOURS[info.family], code
    coloured = [p for p in panels(load("classic"))
                if p.get("fieldConfig", {}).get("overrides")]
    assert {p["id"] for p in coloured} >= {5, 10, 11, 40, 41, 42}
    for panel in coloured:
        fixed = {o["matcher"]["options"]: o["properties"][0]["value"]["fixedColor"]
                 for o in panel["fieldConfig"]["overrides"]}
        assert fixed == dict(CODE_COLOURS), panel["title"]


def test_job_reads_stay_out_of_the_call_ratios_and_latencies() -> None:
    from dashboards.naming import NOT_POLL, POLL_OPERATIONS

    from openai_error_telemetry.classify.jobs import SURFACES

    pattern = re.compile(f"^(?:{POLL_OPERATIONS})$")
    assert pattern.match("fetch_response")
    for row in SURFACES:
        if row.api_path:
            prefix = row.resource.removeprefix("client.")
            assert pattern.match(f"{prefix}.retrieve")
            assert pattern.match(f"{prefix}.list")
    for call in ("chat", "embeddings", "generate_content", "batches.create", "files.create"):
        assert not pattern.match(call), call
    by_id = {p["id"]: p for p in panels(load("classic"))}
    for panel_id in (5, 6, 8, 11, 12, 32, 40, 41, 42):
        for target in by_id[panel_id]["targets"]:
            if "gen_ai_client_operation_duration" in target["expr"]:
                assert NOT_POLL in target["expr"], (panel_id, target["expr"])
    # the jobs row is keyed by surface and code: neither $model nor $operation filters it
    for panel_id in (50, 51):
        for target in by_id[panel_id]["targets"]:
            assert "$model" not in target["expr"]
            assert "$operation" not in target["expr"]
