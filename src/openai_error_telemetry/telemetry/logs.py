"""structlog events for failures, and a processor that adds trace context to any event.

The library logs through its own named logger and never calls ``structlog.configure``:
where the events go (console, JSON, OTLP) is the application's choice.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Optional

import structlog
from opentelemetry.trace import Span, get_current_span

from ..classification import Classification
from . import semconv

LOGGER_NAME = "openai_error_telemetry"

_logger: Any = structlog.get_logger(LOGGER_NAME)


def add_trace_context(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: ``trace_id`` and ``span_id`` of the current span, if any.

    Add it to your own ``structlog.configure(processors=[...])`` so your events line up
    with the traces in Grafana; events that already carry the ids keep theirs.
    """
    if "trace_id" not in event_dict:
        context = get_current_span().get_span_context()
        if context.is_valid:
            event_dict["trace_id"] = format(context.trace_id, "032x")
            event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def failure_fields(
    classification: Classification,
    span: Optional[Span],
    *,
    operation: str,
    model: Optional[str],
    duration_s: Optional[float] = None,
    attempt: Optional[int] = None,
    retry_delay_s: Optional[float] = None,
    will_retry: Optional[bool] = None,
    names: semconv.OwnNames = semconv.OLDER_NAMES,
) -> dict[str, Any]:
    """The fields every failure event carries; never a message, prompt or header value.
    A fact nobody knows (no request id, no retry-after, no model) is left out, not
    written as null: a line in a storm costs what it says."""
    fields: dict[str, Any] = {
        # the code (and below, the rate-limit kind) under the names spans and metrics use
        semconv.ERROR_TYPE: classification.code.value,
        "retryable": classification.retryable,
        "operation": operation,
        "source": classification.source,
    }
    for name, value in ((names.ratelimit_kind, classification.rate_limit_kind),
                        ("http_status", classification.http_status),
                        ("provider_code", classification.provider_code),
                        ("provider_type", classification.provider_type),
                        ("request_id", classification.request_id),
                        ("retry_after_s", classification.retry_after),
                        ("model", model)):
        if value is not None:
            fields[name] = value
    if attempt is not None:
        fields["attempt"] = attempt
    if will_retry is not None:
        fields["will_retry"] = will_retry
    if retry_delay_s is not None:
        fields["retry_delay_s"] = round(retry_delay_s, 6)
    if duration_s is not None:
        fields["duration_s"] = round(duration_s, 6)
    if span is not None:
        context = span.get_span_context()
        if context.is_valid:
            fields["trace_id"] = format(context.trace_id, "032x")
            fields["span_id"] = format(context.span_id, "016x")
    return fields


def emit(event: str, level: str, fields: dict[str, Any]) -> None:
    """One event at ``info``, ``warning`` or ``error`` on the library's named logger."""
    if level == "warning":
        _logger.warning(event, **fields)
    elif level == "info":
        _logger.info(event, **fields)
    else:
        _logger.error(event, **fields)
