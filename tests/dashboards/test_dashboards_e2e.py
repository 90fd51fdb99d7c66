"""End to end on real software: the instrumented SDK, the fault server, Prometheus, Alertmanager.

The application is ``openai_error_telemetry.instrument()`` with the Prometheus exporter on a
loopback port; it calls the real ``openai`` SDK against the fault server, staging every
code the dashboard shows. A real Prometheus (Debian's) scrapes it every second under two
jobs: one as exported (classic names) and one whose metric_relabel_configs strip the
``_seconds``/``_total`` suffixes the way a no-suffix OTLP backend names them. It loads the
shipped rules generated with second-long windows (``dashboards.config.fast``) and sends
alerts to a real Alertmanager, which notifies a webhook receiver in this process.

Then (a) every query of every panel of both dashboard variants runs against that
Prometheus, and the panels for the staged codes must return data with the right labels;
(b) a quota exhaustion must reach the webhook as ``OpenAIQuotaExhausted``. All of it twice:
once with the default names and the default files, once with the latest-names opt-in
and the ``latest-*`` files.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from dashboards.config import fast
from dashboards.generate import render, write
from dashboards.naming import Names
from dashboards.naming import names as names_of
from dashboards.rows.common import CODE_GROUPS

from tests.dashboards import promstack
from tests.dashboards.dashlint import panels
from tests.dashboards.dashtools import OUT, binary
from tests.dashboards.workload import (
    MODEL,
    STAGED,
    instrumented_app,
    quota_exhausted_loop,
    staged_workload,
)
from tests.fault_server import run_fault_server

pytestmark = pytest.mark.integration

JOBS = {"classic": "openai-e2e", "nosuffix": "openai-e2e-nosuffix"}
KINDS = tuple(JOBS)  # the two backends' spellings; each naming mode has both
RATE_INTERVAL = "1m"  # what Grafana would put for $__rate_interval at this zoom
STAGED_CODES = set(STAGED) | {"stream_interrupted", "quota_exhausted"}
QUOTA_ALERT = "OpenAIQuotaExhausted"
# Rename as a backend ingesting OTLP without suffixes names the same metrics.
NO_SUFFIX_RELABEL = [
    {"source_labels": ["__name__"], "regex": "(.+)_seconds_(bucket|count|sum)",
     "target_label": "__name__", "replacement": "${1}_${2}"},
    {"source_labels": ["__name__"], "regex": "(.+)_total", "target_label": "__name__",
     "replacement": "${1}"},
]


@dataclass
class Stack:
    mode: str  # "default" or "latest"
    prometheus: promstack.Prometheus
    hook: promstack.Webhook
    fault_url: str
    rules: int
    quota_alert: dict[str, Any]
    quota_alert_after_s: float

    def variant(self, kind: str) -> str:
        """The generated files' variant for this mode and backend spelling."""
        return kind if self.mode == "default" else f"latest-{kind}"

    def names(self, kind: str) -> Names:
        return names_of(self.variant(kind))


def scrape_configs(port: int) -> list[dict[str, Any]]:
    target = {"targets": [f"127.0.0.1:{port}"]}
    return [
        {"job_name": JOBS["classic"], "static_configs": [target]},
        {"job_name": JOBS["nosuffix"], "static_configs": [target],
         "metric_relabel_configs": NO_SUFFIX_RELABEL},
    ]


@pytest.fixture(scope="module", params=["default", "latest"])
def stack(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    mode: str = request.param
    prometheus_bin = binary("prometheus")
    alertmanager_bin = binary("prometheus-alertmanager")
    workdir = tmp_path_factory.mktemp("e2e")
    files = render(fast(), with_dashboards=False)
    write(files, workdir / "rules")
    # both spellings' rules, as each backend would load its own: the alerts of each job
    # are then in ALERTS for the dashboard's "Firing alerts"
    prefix = "" if mode == "default" else "latest-"
    rule_files = sorted(path for kind in KINDS
                        for path in (workdir / "rules" / f"{prefix}{kind}").glob("*.yaml"))
    with ExitStack() as stack:
        fault_server = stack.enter_context(run_fault_server(
            "--rpm", "100000", "--tpm", "10000000", "--retry-after", "0.05",
            "--queued", "0.05", "--run", "0.05",
        ))
        app = stack.enter_context(instrumented_app(latest=mode == "latest"))
        hook = stack.enter_context(promstack.webhook())
        am_url = stack.enter_context(
            promstack.alertmanager(alertmanager_bin, workdir, hook.url)
        )
        prom = stack.enter_context(promstack.prometheus(
            prometheus_bin, workdir, rule_files=rule_files, alertmanager_url=am_url,
            scrape_configs=scrape_configs(app.metrics_port),
        ))
        # Prometheus' discovery waits ~5 s before the first scrape.
        promstack.wait_for(
            lambda: len(prom.query("up == 1")) == 2, 30, "both scrape jobs to be up"
        )
        staged_workload(fault_server.base_url)
        assert not quota_alerts(hook), "quota alert before any quota failure"
        started = time.monotonic()
        with quota_exhausted_loop(fault_server.base_url):
            quota_alert = promstack.wait_for(
                lambda: next(iter(quota_alerts(hook)), None), 60, f"{QUOTA_ALERT} at the webhook"
            )
            after_s = time.monotonic() - started
        print(f"\n{QUOTA_ALERT} reached the webhook {after_s:.1f}s after the quota ran out")
        time.sleep(2.5)  # two more scrapes: every counter's last increase is in
        rules = sum(len(g["rules"]) for g in prom.api("rules")["groups"])
        yield Stack(mode, prom, hook, fault_server.base_url, rules, quota_alert, after_s)


def quota_alerts(hook: promstack.Webhook) -> list[dict[str, Any]]:
    return [a for a in hook.alerts() if a["labels"]["alertname"] == QUOTA_ALERT
            and a["labels"]["job"] == JOBS["classic"]]


def dashboard(variant: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OUT / variant / "openai-errors.json").read_text())
    return data


def concrete(expr: str, kind: str, provider: str = ".*") -> str:
    """The query as Grafana sends it with job selected and every other variable at All
    (or the provider given)."""
    expr = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$job", JOBS[kind])
    expr = re.sub(r"\$\{?provider\}?", provider, expr)
    return re.sub(r"\$\{?(model|operation|error_type)\}?", ".*", expr)


def run_panel(stack: Stack, panel: dict[str, Any], kind: str) -> dict[str, list[Any]]:
    """Legend of each target -> its result series (a Prometheus API error fails here)."""
    return {
        target["legendFormat"]: stack.prometheus.query(concrete(target["expr"], kind))
        for target in panel["targets"]
    }


def panel(stack: Stack, kind: str, panel_id: int) -> dict[str, Any]:
    return next(p for p in panels(dashboard(stack.variant(kind))) if p["id"] == panel_id)


def labels(result: list[Any], *names: str) -> set[Any]:
    values = [tuple(s["metric"].get(n, "") for n in names) for s in result]
    return {v[0] if len(names) == 1 else v for v in values}


def positive(result: list[Any]) -> list[Any]:
    return [s for s in result if float(s["value"][1]) > 0]


def test_the_rules_loaded_into_prometheus(stack: Stack) -> None:
    expected = sum(
        len(group["rules"])
        for name, text in render(fast(), with_dashboards=False).items()
        if name.split("/")[0] in (stack.variant("classic"), stack.variant("nosuffix"))
        and name.endswith(".yaml") and "/kubernetes/" not in name
        for group in yaml.safe_load(text)["groups"]
    )
    assert stack.rules == expected


@pytest.mark.parametrize("kind", KINDS)
def test_every_panel_query_runs_and_returns_data(stack: Stack, kind: str) -> None:
    empty = []
    for p in panels(dashboard(stack.variant(kind))):
        results = run_panel(stack, p, kind)
        if not any(results.values()):
            empty.append(f"{p['id']} {p['title']}")
    assert empty == [], "panels without data"


@pytest.mark.parametrize("kind", KINDS)
def test_variables_list_the_staged_values(stack: Stack, kind: str) -> None:
    for variable in dashboard(stack.variant(kind))["templating"]["list"]:
        if variable["type"] != "query":
            continue
        match = re.fullmatch(r"label_values\((.*), (\w+)\)", variable["query"])
        assert match is not None
        values = set(stack.prometheus.api(
            f"label/{match.group(2)}/values", **{"match[]": concrete(match.group(1), kind)}
        ))
        expected = {
            "job": {JOBS[kind]}, "provider": {"openai"}, "model": {MODEL},
            "operation": {"chat", "fetch_response"},
            "error_type": STAGED_CODES,
        }[variable["name"]]
        assert expected <= values, variable["name"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_provider_variable_filters_every_panel(stack: Stack, kind: str) -> None:
    # the fault server is a host of one's own: its calls are gen_ai.provider.name=openai
    for target in panel(stack, kind, 10)["targets"] + panel(stack, kind, 20)["targets"]:
        assert '$provider' in target["expr"]
    (request_rate,) = panel(stack, kind, 1)["targets"][:1]
    assert positive(stack.prometheus.query(concrete(request_rate["expr"], kind, "openai")))
    assert not positive(stack.prometheus.query(concrete(request_rate["expr"], kind, "groq")))


@pytest.mark.parametrize("kind", KINDS)
def test_failures_by_code_show_each_staged_group(stack: Stack, kind: str) -> None:
    results = run_panel(stack, panel(stack, kind, 10), kind)
    staged_groups = {label for label, members in CODE_GROUPS if set(members) & STAGED_CODES}
    assert staged_groups == {
        "rate_limited", "quota_exhausted", "overloaded", "server_error", "timeout",
        "connection", "auth", "client",
    }
    for group in staged_groups:
        assert positive(results[group]), f"no {group} failures in 'Failures by code'"
    assert not positive(results["other"]), "nothing staged falls in 'other'"


@pytest.mark.parametrize("kind", KINDS)
def test_panels_by_code_carry_the_code_labels(stack: Stack, kind: str) -> None:
    def only(panel_id: int) -> list[Any]:
        (result,) = run_panel(stack, panel(stack, kind, panel_id), kind).values()
        return result

    by_outcome = run_panel(stack, panel(stack, kind, 5), kind)
    assert positive(by_outcome["ok"])
    assert labels(positive(by_outcome["{{error_type}}"]), "error_type") >= STAGED_CODES
    assert labels(positive(only(70)), "error_type") >= STAGED_CODES
    assert labels(only(11), "error_type") >= STAGED_CODES  # failure share

    n = stack.names(kind)
    four_twenty_nines = labels(positive(only(20)), "error_type", n.will_retry)
    assert {("rate_limited", "true"), ("rate_limited", "false"),
            ("quota_exhausted", "false")} <= four_twenty_nines
    assert labels(positive(only(22)), "error_type") == {"rate_limited"}  # retry backoff
    assert labels(only(21), "gen_ai_request_model", n.ratelimit_kind) >= {
        (MODEL, "requests"), (MODEL, "tokens")
    }
    assert labels(positive(only(23)), "gen_ai_request_model") == {MODEL}

    server_side = labels(positive(only(30)), "error_type")
    assert server_side == {"server_error", "overloaded", "timeout"}
    statuses = labels(positive(only(31)), "http_response_status_code", "error_type")
    assert {("500", "server_error"), ("503", "overloaded"), ("", "timeout")} <= statuses
    assert labels(positive(only(33)), "error_type") == {"connection_error", "stream_interrupted"}


@pytest.mark.parametrize("kind", KINDS)
def test_latency_background_and_tokens(stack: Stack, kind: str) -> None:
    n = stack.names(kind)
    for panel_id in (40, 41, 42):
        (result,) = run_panel(stack, panel(stack, kind, panel_id), kind).values()
        outcomes = labels(result, "error_type")
        assert {"ok", "timeout"} <= outcomes
        timeout = next(s for s in result if s["metric"]["error_type"] == "timeout")
        assert 0.4 <= float(timeout["value"][1]) <= 2.6, "a timeout sits near the 0.5 s limit"
    (background,) = run_panel(stack, panel(stack, kind, 50), kind).values()
    assert {("response", "completed", ""), ("response", "failed", "server_error")} <= labels(
        positive(background), n.job_type, n.job_status, "error_type"
    )
    (ratio,) = run_panel(stack, panel(stack, kind, 51), kind).values()
    assert 0 < float(ratio[0]["value"][1]) < 1
    (tokens,) = run_panel(stack, panel(stack, kind, 60), kind).values()
    assert labels(positive(tokens), "gen_ai_token_type") == {"input", "output"}
    first_chunk = run_panel(stack, panel(stack, kind, 43), kind)
    assert all(first_chunk.values())


def test_quota_exhaustion_pages_through_alertmanager(stack: Stack) -> None:
    """The fixture staged the exhaustion after the other codes and waited for this alert."""
    alert = stack.quota_alert
    assert alert["status"] == "firing"
    assert alert["labels"]["job"] == JOBS["classic"]
    assert alert["labels"]["severity"] == "critical"
    assert alert["labels"]["error_type"] == "quota_exhausted"
    assert alert["annotations"]["runbook_url"].endswith("#openaiquotaexhausted")
    assert "insufficient_quota" in alert["annotations"]["description"]


def test_healthy_headroom_does_not_alert(stack: Stack) -> None:
    """The fault server's limits are far from used up: no headroom alert may fire."""
    firing = {a["labels"]["alertname"] for a in stack.prometheus.firing()}
    assert "OpenAIRateLimitHeadroomLow" not in firing
    assert "OpenAIRateLimitHeadroomLow" not in {
        a["labels"]["alertname"] for a in stack.hook.alerts()
    }
