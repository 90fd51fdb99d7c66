"""Write every generated file: dashboards and rule files, for both naming variants.

The output is deterministic (stable ids, key order and formatting), so CI regenerates
into a temporary directory and fails on any difference from the committed files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from . import alerts, main_dashboard, naming, rules
from .config import DEFAULT, Config, fast
from .naming import VARIANTS

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DASHBOARD_FILE = "openai-errors.json"
KUBERNETES = "kubernetes"
RULE_RESOURCE = "prometheus-rule.yaml"
DASHBOARD_RESOURCE = "grafana-dashboard-configmap.yaml"
RUNBOOKS = "runbooks.md"
RUNBOOKS_SOURCE = HERE.parent / "docs" / RUNBOOKS
DEFAULT_RELEASE = "kube-prometheus-stack"
K8S_LABELS = {"app.kubernetes.io/name": "openai-error-telemetry", "release": DEFAULT_RELEASE}


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line PromQL, so the rule files read like hand-written ones."""




def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def rule_files(config: Config, variant: str) -> dict[str, dict[str, Any]]:
    """File name -> Prometheus rule-file document."""
    n = naming.names(variant)
    return {
        "prometheus_rules.yaml": {
            "groups": [
                {"name": "openai-error-telemetry.rules", "rules": rules.recording_rules(config, n)}
            ]
        },
        "prometheus_alerts.yaml": {
            "groups": [
                {"name": "openai-error-telemetry.alerts",
                 "rules": alerts.alert_rules(rules.Rules(config, n))}
            ]
        },
    }


def render(config: Config = DEFAULT, *, with_dashboards: bool = True) -> dict[str, str]:
    """Relative path -> file content, for every variant (and the runbooks, which the
    package ships beside them)."""
    files: dict[str, str] = {}
    for variant in VARIANTS:
        documents = rule_files(config, variant)
        for name, document in documents.items():
            files[f"{variant}/{name}"] = dump_yaml(document)
        if not with_dashboards:
            continue
        dashboard = json.dumps(main_dashboard.build(config, variant), indent=2) + "\n"
        files[f"{variant}/{DASHBOARD_FILE}"] = dashboard
        groups = [group for document in documents.values() for group in document["groups"]]
        files[f"{variant}/{KUBERNETES}/{RULE_RESOURCE}"] = dump_yaml(prometheus_rule(groups))
        files[f"{variant}/{KUBERNETES}/{DASHBOARD_RESOURCE}"] = dump_yaml(
            dashboard_config_map(dashboard))
    if with_dashboards:
        files[RUNBOOKS] = RUNBOOKS_SOURCE.read_text(encoding="utf-8")
    return files


def prometheus_rule(groups: list[Any]) -> dict[str, Any]:
    """The rule files as one Prometheus Operator ``PrometheusRule``; kube-prometheus-stack's
    operator selects it by its ``release`` label (``openai-error-telemetry dashboards
    --release`` sets it to the Helm release's name)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "openai-error-telemetry", "labels": {**K8S_LABELS}},
        "spec": {"groups": groups},
    }


def dashboard_config_map(dashboard: str) -> dict[str, Any]:
    """The dashboard as a ``ConfigMap`` the Grafana sidecar loads (``grafana_dashboard``)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "openai-error-telemetry-dashboard",
                     "labels": {**K8S_LABELS, "grafana_dashboard": "1"}},
        "data": {DASHBOARD_FILE: dashboard},
    }


def write(files: dict[str, str], out: Path) -> None:
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    parser.add_argument(
        "--fast", action="store_true",
        help="rules only, with second-long windows (the end-to-end test's profile)",
    )
    args = parser.parse_args(argv)
    if args.fast:
        write(render(fast(), with_dashboards=False), args.out)
    else:
        write(render(), args.out)
    return 0
