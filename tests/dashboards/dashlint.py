"""A dashboard linter: the house rules every panel must keep, checked on the JSON.

A Python port of the core rules of grafana/dashboard-linter, plus a PromQL parse of
every query with the ``promql-parser`` package: every range selector uses
``$__rate_interval``, every selector carries the ``job=~"$job"`` matcher, and every
metric is one the contract (docs/telemetry.md) names for this naming variant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import promql_parser

# A duration no dashboard uses, so a range other than $__rate_interval stands out.
RATE_SENTINEL = "17s"
# The fixed windows a panel may read instead: a stat that answers "in the last 15
# minutes" (quota failures), a median over 10 minutes (headroom), whatever the zoom.
FIXED_WINDOWS = ("15m", "10m")
# Series Prometheus writes itself, which a panel may read beside the contract's.
PROMETHEUS_SERIES = frozenset({"ALERTS"})
REQUIRED_VARIABLES = ("datasource", "job", "model", "operation", "error_type")
DATASOURCE = "${datasource}"


def substitute(expr: str, rate_interval: str = RATE_SENTINEL) -> str:
    """Grafana's macros and variables replaced by values a Prometheus accepts."""
    expr = expr.replace("$__rate_interval", rate_interval)
    # Every variable sits inside a regex matcher (=~"$x"): ".*" keeps the query valid.
    return re.sub(r"\$\{?(\w+)\}?", ".*", expr)


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that shows data (rows excluded), including collapsed rows' panels."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def metric_names(variant_names: Any) -> set[str]:
    """Every metric name the contract gives one naming variant."""
    known: set[str] = variant_names.metric_names()
    return known


def selected_names(node: Any) -> list[str]:
    """The metric names a selector reads: its name, or each alternative of a
    ``__name__=~"a|b"`` matcher (a series written under one name per naming mode)."""
    if node.name:
        return [node.name]
    for matcher in node.matchers.matchers:
        if matcher.name == "__name__":
            return str(matcher.value).split("|")
    return [""]


def lint_expr(expr: str, known_metrics: set[str]) -> list[str]:
    """Problems of one query: parse errors, missing $__rate_interval or job matcher."""
    problems: list[str] = []
    try:
        ast = promql_parser.parse(substitute(expr))
    except ValueError as error:
        return [f"does not parse ({error}): {expr}"]
    # Check the raw text too: substitution hides variables that are misspelled.
    if 'job=~"$job"' not in expr:
        problems.append(f"no job=~\"$job\" matcher: {expr}")

    def visit(node: Any) -> None:
        if (
            isinstance(node, promql_parser.MatrixSelector)
            and promql_parser.display_duration(node.range) not in (RATE_SENTINEL,
                                                                   *FIXED_WINDOWS)
        ):
            problems.append(f"range selector not $__rate_interval: {expr}")
        if isinstance(node, promql_parser.VectorSelector):
            matchers = {m.name: m for m in node.matchers.matchers}
            job = matchers.get("job")
            if job is None:
                problems.append(f"selector {node.name} without a job matcher: {expr}")
            for name in selected_names(node):
                if name not in known_metrics and name not in PROMETHEUS_SERIES:
                    problems.append(f"metric {name!r} is not in the contract: {expr}")

    promql_parser.walk(ast, visit)
    return problems


def lint_panel(panel: dict[str, Any], known_metrics: set[str]) -> list[str]:
    where = f"panel {panel.get('id')} {panel.get('title')!r}"
    problems: list[str] = []
    if not panel.get("title"):
        problems.append(f"{where}: no title")
    if not panel.get("description"):
        problems.append(f"{where}: no description")
    if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
        problems.append(f"{where}: no unit")
    if panel.get("datasource", {}).get("uid") != DATASOURCE:
        problems.append(f"{where}: data source is not {DATASOURCE}")
    targets = panel.get("targets") or []
    if not targets:
        problems.append(f"{where}: no queries")
    for target in targets:
        if target.get("datasource", {}).get("uid") != DATASOURCE:
            problems.append(f"{where}: query {target.get('refId')} not on {DATASOURCE}")
        expr = target.get("expr", "")
        fixed = any(f"[{window}" in expr for window in FIXED_WINDOWS)
        if "$__rate_interval" not in expr and not fixed and not expr.startswith("ALERTS{"):
            problems.append(f"{where}: query {target.get('refId')} without $__rate_interval")
        problems += [f"{where}: {p}" for p in lint_expr(target.get("expr", ""), known_metrics)]
    return problems


def lint_dashboard(dashboard: dict[str, Any], known_metrics: set[str]) -> list[str]:
    problems: list[str] = []
    if not dashboard.get("uid"):
        problems.append("dashboard has no uid")
    if not dashboard.get("tags"):
        problems.append("dashboard has no tags")
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    for name in REQUIRED_VARIABLES:
        if name not in variables:
            problems.append(f"variable {name} missing")
    for variable in variables.values():
        if variable.get("type") != "query":
            continue
        if variable.get("refresh") != 2:
            problems.append(f"variable {variable['name']}: not refreshed on time-range change")
        if variable.get("datasource", {}).get("uid") != DATASOURCE:
            problems.append(f"variable {variable['name']}: data source is not {DATASOURCE}")
        match = re.fullmatch(r"label_values\((.*), (\w+)\)", variable.get("query", ""))
        if match is None:
            problems.append(f"variable {variable['name']}: not a label_values() query")
            continue
        try:
            promql_parser.parse(substitute(match.group(1)))
        except ValueError as error:
            problems.append(f"variable {variable['name']}: does not parse ({error})")
    ids = [p.get("id") for p in dashboard.get("panels", [])]
    if len(ids) != len(set(ids)):
        problems.append("panel ids are not unique")
    for panel in panels(dashboard):
        problems += lint_panel(panel, known_metrics)
    return problems
