"""The dashboards, rules and runbooks ship in the package, and the CLI writes them.

``openai-error-telemetry dashboards --out DIR`` writes one naming variant from the files
inside the installed package; they are the generated files of ``dashboards/out`` byte for
byte, and a wheel built from the repository carries every one of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.dashboards.dashtools import REPO

OUT = REPO / "dashboards" / "out"
VARIANTS = [("default", "classic", "classic"), ("default", "nosuffix", "nosuffix"),
            ("latest", "classic", "latest-classic"), ("latest", "nosuffix", "latest-nosuffix")]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openai_error_telemetry", "dashboards", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("naming", "suffix", "variant"), VARIANTS)
def test_the_cli_writes_the_generated_files(tmp_path, naming, suffix, variant):
    result = cli("--out", str(tmp_path), "--naming", naming, "--suffix", suffix)
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    assert written == sorted(["openai-errors.json", "prometheus_rules.yaml",
                              "prometheus_alerts.yaml", "runbooks.md",
                              "kubernetes/prometheus-rule.yaml",
                              "kubernetes/grafana-dashboard-configmap.yaml"])
    for relative in written:
        source = OUT / "runbooks.md" if relative == "runbooks.md" else OUT / variant / relative
        assert (tmp_path / relative).read_bytes() == source.read_bytes(), relative
    assert (tmp_path / "runbooks.md").read_text() == (REPO / "docs" / "runbooks.md").read_text()


@pytest.mark.parametrize("variant", [v for _, _, v in VARIANTS])
def test_the_kubernetes_resources_hold_the_rules_and_the_dashboard(promtool, tmp_path, variant):
    folder = OUT / variant
    rule = yaml.safe_load((folder / "kubernetes/prometheus-rule.yaml").read_text())
    assert (rule["apiVersion"], rule["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    groups = [group for name in ("prometheus_rules.yaml", "prometheus_alerts.yaml")
              for group in yaml.safe_load((folder / name).read_text())["groups"]]
    assert rule["spec"]["groups"] == groups
    spec = tmp_path / "groups.yaml"
    spec.write_text(yaml.safe_dump(rule["spec"]))
    checked = subprocess.run([promtool, "check", "rules", str(spec)], capture_output=True,
                             text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config_map = yaml.safe_load((folder / "kubernetes/grafana-dashboard-configmap.yaml")
                                .read_text())
    assert config_map["kind"] == "ConfigMap"
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"  # the sidecar's
    (dashboard,) = config_map["data"].values()
    assert json.loads(dashboard) == json.loads((folder / "openai-errors.json").read_text())


def test_the_release_label_is_set_and_checked(tmp_path):
    assert cli("--out", str(tmp_path), "--release", "monitoring").returncode == 0
    rule = yaml.safe_load((tmp_path / "kubernetes/prometheus-rule.yaml").read_text())
    assert rule["metadata"]["labels"]["release"] == "monitoring"
    bad = cli("--out", str(tmp_path / "x"), "--release", "not a label!")
    assert bad.returncode == 2
    assert "--release" in bad.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args", [[], ["--out", "/proc/no/such/dir"],
                                  ["--out", "x", "--naming", "newest"]])
def test_bad_arguments_are_clear_errors(args):
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_a_wheel_carries_every_bundled_file(tmp_path: Path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path), str(REPO)], capture_output=True, text=True,
                           timeout=600, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"openai_error_telemetry/bundled/{p.relative_to(OUT).as_posix()}"
                for p in OUT.rglob("*") if p.is_file()}
    assert len(expected) == 21
    assert expected <= names
