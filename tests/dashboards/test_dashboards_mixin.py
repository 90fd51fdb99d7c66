"""dashboards/mixin.libsonnet evaluates (real jsonnet, gojsonnet) to exactly the generated files."""

from __future__ import annotations

import json

import _gojsonnet
import yaml

from tests.dashboards.dashtools import DASHBOARDS, OUT


def evaluate(field: str) -> object:
    snippet = f'(import "mixin.libsonnet").{field}'
    return json.loads(_gojsonnet.evaluate_snippet("test", snippet, jpathdir=[str(DASHBOARDS)]))


def test_mixin_rules_are_the_generated_rules() -> None:
    classic = OUT / "classic"
    assert evaluate("prometheusAlerts") == yaml.safe_load(
        (classic / "prometheus_alerts.yaml").read_text()
    )
    assert evaluate("prometheusRules") == yaml.safe_load(
        (classic / "prometheus_rules.yaml").read_text()
    )


def test_mixin_dashboards_are_the_generated_dashboards() -> None:
    dashboards = evaluate("grafanaDashboards")
    assert dashboards == {
        "openai-errors.json": json.loads((OUT / "classic" / "openai-errors.json").read_text())
    }
