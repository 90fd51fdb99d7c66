"""Webhook deliveries, signed as OpenAI signs them, and the health alerts they announce.

``POST /_fault/webhooks`` with ``{"type": "batch.failed", "data": {"id": "batch_1"}}``
answers the delivery an application's endpoint would receive: ``{"body", "headers"}``,
signed with the server's webhook secret (Standard Webhooks: HMAC-SHA256 over
``id.timestamp.body``), so ``client.webhooks.unwrap(body, headers, secret=...)`` of the
real SDK accepts it. The event types are the job table's and OpenAI's health alerts'. A
``health.alert.triggered`` delivery may say what the alert measured
(``"alert": {"measurement": "error_rate", "value": 0.2, "threshold": 0.05, "model": ...,
"http_status": 500}``); ``GET /v1/organization/health/alerts/{id}`` then answers that
alert, as the Admin API does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import OrderedDict
from typing import Any, Optional

from aiohttp import web

from ..classify.jobs import SURFACES
from ..health import HEALTH_ALERT_EVENTS, MEASUREMENTS
from . import payloads, wire
from .config import ServerConfig
from .faults import error_body

DEFAULT_SECRET = ServerConfig.webhook_secret
EVENT_TYPES = frozenset({event for row in SURFACES for event in row.webhooks}
                        | set(HEALTH_ALERT_EVENTS))
MAX_ALERTS = 1024


def sign(secret: str, body: str, webhook_id: str, timestamp: int) -> str:
    """The ``webhook-signature`` header value for ``body``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else default


def health_alert(alert_id: str, state: str, said: dict[str, Any], now: int) -> dict[str, Any]:
    """A ``HealthAlert`` as the Admin API returns it."""
    kind = said.get("measurement", "error_rate")
    if kind not in MEASUREMENTS:
        raise ValueError(f"measurement must be one of {sorted(MEASUREMENTS)}")
    value, threshold = _number(said.get("value"), 0.2), _number(said.get("threshold"), 0.05)
    measurement: dict[str, Any] = {"type": kind, "value": value, "threshold": threshold}
    if kind == "error_rate":
        measurement.update(error_count=20, request_count=100)
    elif kind == "rate_limit_utilization":
        measurement.update(metric=said.get("metric", "tpm"), consecutive_minutes=5,
                           rate_limit_scope="model")
    return {"id": alert_id, "object": "health.alert", "alert_rule_id": "hlr_fault1",
            "created_at": now, "occurred_at": now, "type": state,
            "dimensions": {"model": said.get("model"), "http_status": said.get("http_status"),
                           "project_id": None, "service_tier": None,
                           "observability_tag": None},
            "measurement": measurement, "window": {"started_at": now - 300, "ended_at": now}}


class Webhooks:
    """Signs deliveries and keeps the health alerts they announced (bounded)."""

    def __init__(self, secret: str = DEFAULT_SECRET) -> None:
        self.secret = secret
        self.alerts: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/_fault/webhooks", self._deliver)
        router.add_get("/v1/organization/health/alerts/{id}", self._alert)

    def delivery(self, kind: str, data_id: str,
                 alert: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        if kind not in EVENT_TYPES:
            raise ValueError(f"unknown webhook event type {kind!r}: one of "
                             + ", ".join(sorted(EVENT_TYPES)))
        now = int(time.time())
        state = HEALTH_ALERT_EVENTS.get(kind)
        if state is not None:
            self.alerts[data_id] = health_alert(data_id, state, alert or {}, now)
            while len(self.alerts) > MAX_ALERTS:
                self.alerts.popitem(last=False)
        body = json.dumps({"id": payloads.new_id("evt_"), "object": "event", "type": kind,
                           "created_at": now, "data": {"id": data_id}})
        webhook_id = payloads.new_id("wh_")
        return {"body": body, "headers": {
            "webhook-id": webhook_id, "webhook-timestamp": str(now),
            "webhook-signature": sign(self.secret, body, webhook_id, now)}}

    async def _deliver(self, request: web.Request) -> web.Response:
        try:
            asked = await request.json()
            kind, data_id = asked["type"], asked["data"]["id"]
            if not isinstance(kind, str) or not isinstance(data_id, str) or not data_id:
                raise ValueError("type and data.id must be strings")
            return web.json_response(self.delivery(kind, data_id, asked.get("alert")))
        except (ValueError, KeyError, TypeError) as error:
            return wire.json_answer(error_body(None, f"bad webhook request: {error}",
                                               type_="invalid_request_error"), 400, {})

    async def _alert(self, request: web.Request) -> web.Response:
        found = self.alerts.get(request.match_info["id"])
        if found is None:
            message = f"Health alert '{request.match_info['id']}' not found."
            return wire.json_answer(error_body(None, message, type_="invalid_request_error"),
                                    404, {"x-request-id": payloads.new_id("req_")})
        return wire.json_answer(found, 200, {"x-request-id": payloads.new_id("req_")})
