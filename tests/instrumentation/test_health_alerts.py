"""OpenAI's own health alerts beside ours: webhooks from the fault server, the real SDK.

The fault server signs ``health.alert.triggered`` / ``resolved`` deliveries as OpenAI
does; the application unwraps them with the SDK; we log the news once and hold the
``openai.health.alerts.active`` gauge; ``fetch_health_alert`` retrieves the alert with
an Admin key and ``health_alert_facts`` reads what it measured.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from openai_error_telemetry.faultserver.webhooks import DEFAULT_SECRET
from openai_error_telemetry.health import (
    fetch_health_alert,
    health_alert_event,
    health_alert_facts,
)
from openai_error_telemetry.telemetry.health import MAX_ACTIVE, HealthAlertState
from tests.fault_server import FaultServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test",
                       max_retries=0, timeout=10, **_admin_key()) as client:
        if not hasattr(client, "admin") or not hasattr(client.admin.organization, "health"):
            pytest.skip(f"openai {openai.__version__} has no Admin health alerts")
        yield client


def _admin_key() -> dict[str, str]:
    """An Admin key, for the SDKs that take one (3.x)."""
    known = inspect.signature(openai.OpenAI).parameters
    return {"admin_api_key": "sk-admin-test"} if "admin_api_key" in known else {}


def delivery(server: FaultServerProcess, kind: str, data_id: str, **alert: Any) -> Any:
    asked: dict[str, Any] = {"type": kind, "data": {"id": data_id}}
    if alert:
        asked["alert"] = alert
    answer = httpx.post(server.base_url.removesuffix("/v1") + "/_fault/webhooks", json=asked)
    assert answer.status_code == 200, answer.text
    return answer.json()


def unwrap(client: openai.OpenAI, sent: dict[str, Any]) -> Any:
    if not hasattr(client, "webhooks"):
        pytest.skip(f"openai {openai.__version__} has no webhooks")
    return client.webhooks.unwrap(sent["body"], sent["headers"], secret=DEFAULT_SECRET)


def gauge(telemetry: Any) -> list[float]:
    return [p.value for p in telemetry.points("openai.health.alerts.active")]


def test_triggered_then_resolved_is_two_log_events_and_the_gauge_follows(
        telemetry, logs, job_sdk, fault_server):
    assert gauge(telemetry) == []  # no health webhook yet: no claim of zero alerts
    triggered = delivery(fault_server, "health.alert.triggered", "halert_1")
    for _ in range(2):  # a redelivery is no news
        event = unwrap(job_sdk, triggered)
    if not str(getattr(event, "type", "")).startswith("health."):
        pytest.skip(f"openai {openai.__version__} does not know health alert webhooks")
    assert gauge(telemetry) == [1]
    unwrap(job_sdk, delivery(fault_server, "health.alert.triggered", "halert_2"))
    assert gauge(telemetry) == [2]
    unwrap(job_sdk, delivery(fault_server, "health.alert.resolved", "halert_1"))
    assert gauge(telemetry) == [1]
    found = logs.named("openai.health_alert")
    assert [(e["openai.health_alert.state"], e["openai.health_alert.id"]) for e in found] == [
        ("triggered", "halert_1"), ("triggered", "halert_2"), ("resolved", "halert_1")]
    assert telemetry.points("openai.jobs.ended") == []  # an alert is no job


def test_fetch_health_alert_reads_what_the_alert_measured(telemetry, admin, fault_server):
    sent = delivery(fault_server, "health.alert.triggered", "halert_9",
                    measurement="error_rate", value=0.31, threshold=0.05,
                    model="gpt-4o-mini", http_status=503)
    event = unwrap(admin, sent)
    alert = fetch_health_alert(admin, event)
    facts = health_alert_facts(alert)
    assert facts is not None
    assert (facts.alert_id, facts.state, facts.measurement) == ("halert_9", "triggered",
                                                               "error_rate")
    assert (facts.value, facts.threshold, facts.model, facts.http_status) == (
        0.31, 0.05, "gpt-4o-mini", 503)
    assert fetch_health_alert(admin, {"type": "batch.failed", "data": {"id": "b"}}) is None


def test_events_and_alerts_are_read_from_dicts_and_garbage_is_none():
    event = {"id": "evt_1", "type": "health.alert.resolved", "data": {"id": "halert_3"}}
    assert health_alert_event(event) == ("resolved", "halert_3", "evt_1")
    for junk in (None, 3, {"type": "batch.failed"}, {"type": object()}, "health.alert"):
        assert health_alert_event(junk) is None
        assert health_alert_facts(junk) is None
    odd = health_alert_facts({"object": "health.alert", "type": "weird",
                              "measurement": {"type": "brand_new", "value": True},
                              "dimensions": {"http_status": "500"}})
    assert odd is not None
    assert (odd.state, odd.measurement, odd.value, odd.http_status) == (
        None, "other", None, None)


def test_the_active_set_is_bounded_and_ignores_unknown_resolves():
    state = HealthAlertState()
    assert state.update("never-triggered", "resolved") is False
    for n in range(MAX_ACTIVE + 50):
        state.update(f"a{n}", "triggered")
    assert len(state) == MAX_ACTIVE
    assert state.update("a0", "resolved") is False  # forgotten first
    assert state.update(f"a{MAX_ACTIVE + 49}", "resolved") is True


def test_the_fault_server_refuses_an_unknown_event_type(fault_server):
    answer = httpx.post(fault_server.base_url.removesuffix("/v1") + "/_fault/webhooks",
                        json={"type": "made.up", "data": {"id": "x"}})
    assert answer.status_code == 400
    assert "unknown webhook event type 'made.up'" in answer.text
