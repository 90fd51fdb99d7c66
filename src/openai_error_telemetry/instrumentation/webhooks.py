"""A webhook event about a job that ended: recorded like any other sight of that end.

``client.webhooks.unwrap()`` verifies and parses an event locally; no HTTP call, so no
operation. The event's job is recorded once (the tracker is shared with retrieves,
polls and streams), on the span current in the application's webhook handler if there
is one. Its payload carries only the job's id, never its error: a failure first seen
through a webhook is counted as ``unknown`` (an expiry as ``timeout``), and a later
retrieve of the same job records nothing new (see docs/telemetry.md).
"""

from __future__ import annotations

import time
from typing import Any, Optional

from opentelemetry import trace
from opentelemetry.trace import Span

from ..classify import classify_webhook_event
from ..classify.jobfacts import webhook_facts
from ..classify.jobs import FAILURES
from ..health import health_alert_event
from ..telemetry import semconv
from ..telemetry.attributes import Attributes
from ..telemetry.recorder import JobEnd
from .runtime import Runtime

OPERATION = "webhooks.unwrap"


class _Seen:
    """What the recorder reads: the current span and the webhook's attributes."""

    __slots__ = ("attrs", "context", "end_attrs", "metric_attrs", "metric_response_model",
                 "model", "name", "response_model", "span", "start")

    def __init__(self, span: Span, provider: str) -> None:
        self.name = OPERATION
        self.model: Optional[str] = None
        self.response_model: Optional[str] = None
        self.metric_response_model: Optional[str] = None
        self.span = span
        self.context = trace.set_span_in_context(span)
        self.end_attrs: Attributes = {}
        self.start = time.perf_counter()
        self.attrs: Attributes = {semconv.GEN_AI_OPERATION_NAME: OPERATION,
                                  semconv.GEN_AI_PROVIDER_NAME: provider}
        self.metric_attrs = self.attrs  # both from closed sets


def observe_webhook(rt: Runtime, event: Any) -> None:
    alert = health_alert_event(event)
    if alert is not None:  # OpenAI's own health alert, not a job
        if alert.alert_id is not None:
            rt.recorder.health_alert(alert.state, alert.alert_id, alert.event_id)
        return
    facts = webhook_facts(event)
    if facts is None or facts.job_id is None:
        return
    if not rt.tracker.first_end(facts.surface, facts.job_id, facts.outcome):
        return
    seen = _Seen(trace.get_current_span(), semconv.PROVIDER_OPENAI)
    rt.recorder.job_ended(seen, JobEnd(
        facts.surface.name, facts.job_id, facts.status, classify_webhook_event(event),
        facts.outcome in FAILURES), seen.start)
