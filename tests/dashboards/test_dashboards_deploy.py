"""deploy/: the compose stack cannot run here (no container engine), so check what can be
checked: every file parses, every host path it mounts exists, every config a container is
told to read is mounted, Prometheus' config passes promtool with the rules mounted as the
container sees them, and the Collector keeps every error trace."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.dashboards.dashtools import DEPLOY

COMPOSE = DEPLOY / "docker-compose.yml"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of every bind mount of a service."""
    result = []
    for volume in service.get("volumes", []):
        host, container = volume.split(":")[:2]
        if host.startswith((".", "/")):
            result.append(((COMPOSE.parent / host).resolve(), container))
    return result


@pytest.mark.parametrize("path", sorted(p.name for p in DEPLOY.rglob("*.y*ml")))
def test_every_deploy_file_parses(path: str) -> None:
    for file in DEPLOY.rglob(path):
        assert yaml.safe_load(file.read_text()), file


def test_compose_services() -> None:
    services = compose()["services"]
    assert {"grafana", "prometheus", "otel-collector", "alertmanager"} <= set(services)
    for name, service in services.items():
        assert ":" in service["image"], name
        assert not service["image"].endswith(":latest"), name
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_every_mounted_file_exists() -> None:
    for name, service in compose()["services"].items():
        for host, container in mounts(service):
            assert host.exists(), f"{name}: {host} (mounted at {container}) does not exist"


def test_every_config_flag_points_into_a_mount() -> None:
    for name, service in compose()["services"].items():
        mounted = {container for _, container in mounts(service)}
        for arg in service.get("command", []):
            if "config" in arg and "=" in arg and name != "loki":  # loki: image default
                path = arg.split("=", 1)[1]
                assert path in mounted, f"{name}: {path} is not mounted"


def test_prometheus_config_as_the_container_sees_it(promtool: str, tmp_path: Path) -> None:
    """Lay the mounts out under a temporary root and let promtool load config and rules."""
    service = compose()["services"]["prometheus"]
    for host, container in mounts(service):
        target = tmp_path / container.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(host, target)
    config = tmp_path / "etc/prometheus/prometheus.yml"
    result = subprocess.run(
        [promtool, "check", "config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 2 rule files found" in result.stdout, result.stdout
    mounted = yaml.safe_load((tmp_path / "etc/prometheus/rules/prometheus_alerts.yaml")
                             .read_text())
    alerts = sum(len(group["rules"]) for group in mounted["groups"])
    assert alerts >= 12
    assert f"SUCCESS: {alerts} rules found" in result.stdout, result.stdout


def test_grafana_provisions_the_dashboard() -> None:
    service = compose()["services"]["grafana"]
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/dashboards.yaml").read_text()
    )["providers"][0]
    dashboards_dir = provider["options"]["path"]
    provisioned = [h for h, c in mounts(service) if c.startswith(dashboards_dir + "/")]
    assert [p.name for p in provisioned] == ["openai-errors.json"]
    sources = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/datasources.yaml").read_text()
    )["datasources"]
    assert {s["type"] for s in sources} == {"prometheus", "tempo", "loki"}


def test_collector_keeps_every_error_trace() -> None:
    config = yaml.safe_load((DEPLOY / "otelcol/config.yaml").read_text())
    policies = config["processors"]["tail_sampling"]["policies"]
    by_type = {p["type"]: p for p in policies}
    assert by_type["status_code"]["status_code"]["status_codes"] == ["ERROR"]
    assert by_type["string_attribute"]["string_attribute"]["key"] == "error.type"
    traces = config["service"]["pipelines"]["traces"]
    assert "tail_sampling" in traces["processors"]
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                assert component in config[kind], f"{component} is not defined"
