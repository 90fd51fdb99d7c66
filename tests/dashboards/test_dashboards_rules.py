"""The alert and recording rules: promtool checks and unit tests, runbooks, amtool routing."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dashboards.config import DEFAULT, fast
from dashboards.generate import render, write
from dashboards.naming import VARIANTS, names

from tests.dashboards.dashtools import DASHBOARDS, DOCS, OUT

UNIT_TESTS = sorted((DASHBOARDS / "tests").glob("*.yaml"))
ALERTMANAGER = DASHBOARDS / "alertmanager.yml"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def alerts(variant: str) -> list[dict[str, Any]]:
    document = yaml.safe_load((OUT / variant / "prometheus_alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.mark.parametrize("variant", VARIANTS)
def test_promtool_check_rules(promtool: str, variant: str) -> None:
    files = [str(OUT / variant / f) for f in ("prometheus_rules.yaml", "prometheus_alerts.yaml")]
    result = run(promtool, "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_check_rules_fast_profile(promtool: str, tmp_path: Path) -> None:
    write(render(fast(), with_dashboards=False), tmp_path)
    result = run(promtool, "check", "rules", *map(str, tmp_path.glob("*/*.yaml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests(promtool: str) -> None:
    assert len(UNIT_TESTS) >= 3
    result = run(promtool, "test", "rules", *map(str, UNIT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(UNIT_TESTS)


def renamed_copy(source: Path, variant: str, target: Path) -> None:
    """A unit-test file (written for the classic names) rewritten for another variant's
    metric and label names and rule files. In the latest modes the operations the tests
    stage become inference ones, so the rules must read the inference duration too."""
    classic, other = names("classic"), names(variant)
    pairs = {
        classic.durations[0]: other.durations[-1],
        classic.attempts: other.attempts,
        classic.jobs: other.jobs,
        classic.ratelimit_remaining: other.ratelimit_remaining,
        classic.ratelimit_limit: other.ratelimit_limit,
        classic.will_retry: other.will_retry,
        classic.ratelimit_kind: other.ratelimit_kind,
        classic.job_type: other.job_type,
        classic.job_status: other.job_status,
    }
    text = source.read_text().replace("../out/classic/", f"{OUT / variant}/")
    pattern = re.compile("|".join(sorted(map(re.escape, pairs), key=len, reverse=True)))
    target.write_text(pattern.sub(lambda m: pairs[m.group(0)], text))


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "classic"])
def test_promtool_unit_tests_on_every_variant(promtool: str, variant: str,
                                              tmp_path: Path) -> None:
    copies = []
    for source in UNIT_TESTS:
        copies.append(tmp_path / source.name)
        renamed_copy(source, variant, copies[-1])
    text = "".join(c.read_text() for c in copies)
    if "nosuffix" in variant:
        assert "_total" not in text
    if variant.startswith("latest-"):
        assert "openai_client_attempts" not in text
        assert "openai_job_type" not in text
        assert "inference_duration" in text
    result = run(promtool, "test", "rules", *map(str, copies))
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_tests_fail_on_rules_that_never_fire(promtool: str, tmp_path: Path) -> None:
    """The unit tests bite: with thresholds no series reaches, every firing case fails."""
    lax = dataclasses.replace(
        DEFAULT, rate_limit_ratio=0.99, server_error_ratio=0.99, overloaded_ratio=0.99,
        timeout_ratio=0.99, background_failure_ratio=0.99, headroom_ratio=0.001,
    )
    write(render(lax, with_dashboards=False), tmp_path / "rules")
    source = DASHBOARDS / "tests" / "ratio_alerts_test.yaml"
    copy = tmp_path / source.name
    copy.write_text(source.read_text().replace("../out/classic/", f"{tmp_path}/rules/classic/"))
    result = run(promtool, "test", "rules", str(copy))
    assert result.returncode != 0
    failed = set(re.findall(r"alertname: (\w+), time", result.stdout + result.stderr))
    assert failed == {
        "OpenAIRateLimitSpike", "OpenAIServerErrorRatioHigh", "OpenAIOverloaded",
        "OpenAITimeoutRatioHigh",
    }


def test_every_alert_is_tested_firing_and_quiet() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names_ = {rule["alert"] for rule in alerts("classic")}
    assert names_ - firing == set(), "never seen firing"
    assert names_ - quiet == set(), "never seen staying quiet"


REQUIRED = {
    "OpenAIRateLimitSpike", "OpenAIProviderOutage", "OpenAIQuotaExhausted",
    "OpenAIServerErrorRatioHigh", "OpenAIOverloaded", "OpenAITimeoutRatioHigh",
    "OpenAIAuthFailures", "OpenAIModelFailing", "OpenAIModelRejected", "OpenAIJobFailed",
    "OpenAIJobFailureRatioHigh", "OpenAIRateLimitHeadroomLow", "OpenAITelemetryMissing",
    "OpenAIErrorBudgetBurnFast", "OpenAIErrorBudgetBurnSlow",
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_alert_is_complete(variant: str) -> None:
    rules = alerts(variant)
    assert {rule["alert"] for rule in rules} == REQUIRED
    for rule in rules:
        assert rule["for"], rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert set(rule["annotations"]) >= {"summary", "description", "runbook_url",
                                            "dashboard_url"}
        assert "var-job={{ $labels.job }}" in rule["annotations"]["dashboard_url"]
    quota = next(r for r in rules if r["alert"] == "OpenAIQuotaExhausted")
    assert quota["labels"]["severity"] == "critical"
    assert quota["for"] == "1m"
    outage = next(r for r in rules if r["alert"] == "OpenAIProviderOutage")
    assert outage["labels"]["severity"] == "critical"
    assert names(variant).attempts in outage["expr"]  # attempts: retries do not hide it


def test_every_runbook_url_has_its_section() -> None:
    text = (DOCS / "runbooks.md").read_text()
    anchors = {h.strip().lower() for h in re.findall(r"^## (\w+)\s*$", text, re.MULTILINE)}
    for rule in alerts("classic"):
        url = rule["annotations"]["runbook_url"]
        assert url.endswith(f"docs/runbooks.md#{rule['alert'].lower()}")
        assert rule["alert"].lower() in anchors, f"docs/runbooks.md lacks ## {rule['alert']}"
        section = text.split(f"## {rule['alert']}\n", 1)[1].split("\n## ", 1)[0]
        for part in ("What it means", "What to check", "What to do"):
            assert part in section, f"{rule['alert']}: runbook lacks '{part}'"


def test_amtool_check_config(amtool: str) -> None:
    result = run(amtool, "check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


ROUTES = [
    ("billing-owners,pager", ["alertname=OpenAIQuotaExhausted", "severity=critical",
                              "error_type=quota_exhausted"]),
    ("credential-owners,pager", ["alertname=OpenAIAuthFailures", "severity=critical",
                                 "error_type=auth_error"]),
    ("pager", ["alertname=OpenAIErrorBudgetBurnFast", "severity=critical"]),
    ("capacity", ["alertname=OpenAIRateLimitSpike", "severity=warning",
                  "error_type=rate_limited"]),
    ("capacity", ["alertname=OpenAIOverloaded", "severity=warning", "error_type=overloaded"]),
    ("chat", ["alertname=OpenAITimeoutRatioHigh", "severity=warning", "error_type=timeout"]),
    ("chat", ["alertname=OpenAIErrorBudgetBurnSlow", "severity=warning"]),
]


@pytest.mark.parametrize(("receivers", "labels"), ROUTES)
def test_amtool_routes(amtool: str, receivers: str, labels: list[str]) -> None:
    result = run(
        amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}",
        f"--verify.receivers={receivers}", *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_routes_test_can_fail(amtool: str) -> None:
    result = run(
        amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}",
        "--verify.receivers=chat", "severity=critical", "error_type=quota_exhausted",
    )
    assert result.returncode != 0


def test_tools_are_the_real_ones(promtool: str, amtool: str) -> None:
    assert "promtool" in run(promtool, "--version").stdout + run(promtool, "--version").stderr
    version = run(amtool, "--version")
    assert "amtool" in version.stdout + version.stderr
    assert shutil.which("prometheus")
    assert shutil.which("prometheus-alertmanager")


def test_a_custom_selector_reaches_every_rule_and_panel(promtool: str, tmp_path: Path) -> None:
    """One config change puts a matcher into every rule and every panel query."""
    custom = dataclasses.replace(DEFAULT, selector='env="prod"', group_by=("job", "env"))
    files = render(custom)
    write(files, tmp_path)
    result = run(promtool, "check", "rules", *map(str, tmp_path.glob("*/*.yaml")))
    assert result.returncode == 0, result.stdout + result.stderr
    for name, text in files.items():
        if name.endswith("prometheus_alerts.yaml"):
            for rule in yaml.safe_load(text)["groups"][0]["rules"]:
                assert 'env="prod"' in rule["expr"] or ":" in rule["expr"], rule["alert"]
                assert "by (job, env" in rule["expr"] or ":" in rule["expr"], rule["alert"]
        if name.endswith("prometheus_rules.yaml"):
            for rule in yaml.safe_load(text)["groups"][0]["rules"]:
                assert 'env="prod"' in rule["expr"], rule["record"]
                assert "sum by (job, env)" in rule["expr"], rule["record"]
                assert rule["record"].startswith("job_env:"), rule["record"]
        if name.endswith(".json"):
            dashboard = json.loads(text)
            for panel in dashboard["panels"]:
                for target in panel.get("targets", []):
                    assert 'env="prod"' in target["expr"], panel["title"]


def test_runbooks_cite_panels_and_rows_the_dashboard_has() -> None:
    """A runbook that says where to look must name what the person will find there."""
    dashboard = json.loads((OUT / "classic" / "openai-errors.json").read_text())
    titles = {p["title"] for p in dashboard["panels"] if p.get("type") != "row"}
    rows = {p["title"] for p in dashboard["panels"] if p.get("type") == "row"}
    text = (DOCS / "runbooks.md").read_text()
    for quoted in re.findall(r'"([^"\n]{6,80})"', text):
        assert quoted in titles, f"runbooks.md cites a panel the dashboard lacks: {quoted!r}"
    for row in re.findall(r"\*([A-Z][\w ]{3,40})\* row", text):
        assert row in rows, f"runbooks.md cites a row the dashboard lacks: {row!r}"
