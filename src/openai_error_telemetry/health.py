"""OpenAI's own health alerts (Admin API, openai 3.62+), brought beside ours.

An organization can have OpenAI watch its traffic (error rate by HTTP status, rate-limit
utilisation, service-tier fallback, prompt-cache hit rate) and send a webhook when an
alert triggers or resolves. The webhook (``health.alert.triggered`` /
``health.alert.resolved``) carries only the alert's id: what is known from the event is
that an alert of OpenAI's changed state. The instrumentation records that (a log event
and the ``openai.health.alerts.active`` gauge, see docs/telemetry.md) when the
application unwraps the webhook; ``fetch_health_alert`` is the one call that retrieves
the alert itself, with an organization Admin API key, and ``health_alert_facts`` reads
what it measured. Pure apart from that one call.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from .classify.jobs import field

__all__ = [
    "HEALTH_ALERT_EVENTS",
    "MEASUREMENTS",
    "HealthAlertEvent",
    "HealthAlertFacts",
    "fetch_health_alert",
    "health_alert_event",
    "health_alert_facts",
]

# The webhook event types and the state each announces.
HEALTH_ALERT_EVENTS = {"health.alert.triggered": "triggered",
                       "health.alert.resolved": "resolved"}
# What an alert can measure (``HealthAlert.measurement.type``); anything else is "other".
MEASUREMENTS = frozenset({"error_rate", "rate_limit_utilization",
                          "service_tier_fallback_rate", "prompt_cache_hit_rate"})
MAX_ID = 128


def _text(value: object) -> Optional[str]:
    return value[:MAX_ID] if isinstance(value, str) and value else None


def _number(value: object) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class HealthAlertEvent(NamedTuple):
    """A health-alert webhook: which alert, and whether it triggered or resolved."""

    state: str  # "triggered" | "resolved"
    alert_id: Optional[str]
    event_id: Optional[str]


def health_alert_event(event: object) -> Optional[HealthAlertEvent]:
    """The facts of a ``health.alert.*`` webhook (``client.webhooks.unwrap()``'s model or
    its JSON as a dict); None for any other event. Never raises."""
    try:
        kind = field(event, "type")
        state = HEALTH_ALERT_EVENTS.get(kind) if isinstance(kind, str) else None
        if state is None:
            return None
        return HealthAlertEvent(state, _text(field(field(event, "data"), "id")),
                                _text(field(event, "id")))
    except Exception:
        return None


class HealthAlertFacts(NamedTuple):
    """What a retrieved ``HealthAlert`` says, bounded: no project id, no tag."""

    alert_id: Optional[str]
    state: Optional[str]  # "triggered" | "resolved"
    measurement: str  # one of MEASUREMENTS, or "other"
    value: Optional[float]
    threshold: Optional[float]
    model: Optional[str]
    http_status: Optional[int]
    rate_limit_metric: Optional[str]  # "rpm" | "tpm" for a rate-limit utilisation alert


def health_alert_facts(alert: object) -> Optional[HealthAlertFacts]:
    """Read a ``HealthAlert`` (model or dict); None when it is not one. Never raises."""
    try:
        if field(alert, "object") not in ("health.alert", "service_health.alert"):
            return None
        measurement = field(alert, "measurement")
        kind = field(measurement, "type")
        dimensions = field(alert, "dimensions")
        status = field(dimensions, "http_status")
        metric = field(measurement, "metric")
        state = field(alert, "type")
        return HealthAlertFacts(
            _text(field(alert, "id")),
            state if state in ("triggered", "resolved") else None,
            kind if kind in MEASUREMENTS else "other",
            _number(field(measurement, "value")), _number(field(measurement, "threshold")),
            _text(field(dimensions, "model")),
            status if isinstance(status, int) and not isinstance(status, bool) else None,
            metric if metric in ("rpm", "tpm") else None,
        )
    except Exception:
        return None


def fetch_health_alert(admin_client: Any, event: object) -> Optional[Any]:
    """The ``HealthAlert`` a webhook names, retrieved with ``admin_client`` (an
    ``OpenAI``/``AsyncOpenAI`` holding an organization Admin API key; with the async
    client, await it). One HTTP call. None for an event that is no health alert, or an
    SDK older than 3.62, which has no health alerts."""
    facts = health_alert_event(event)
    if facts is None or facts.alert_id is None:
        return None
    try:
        alerts = admin_client.admin.organization.health.alerts
    except AttributeError:
        return None
    return alerts.retrieve(facts.alert_id)
