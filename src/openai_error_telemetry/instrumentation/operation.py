"""One OpenAI operation and its HTTP attempts, from request() entry to the end of its span.

The hooks only report what happened (an attempt began, answered, raised; a retry was
planned; the call returned or raised) and this module turns it into spans, metric
points and log events. Success pays for a span, a duration point, an attempt count
and the rate-limit gauges; classification, failure attributes and logs run only on
failure.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Optional

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind

from ..classification import Classification, Source
from ..classify import classify_exception, classify_http, classify_response
from ..classify.headers import normalize, rate_limit_numbers
from ..codes import ErrorCode
from ..telemetry import logs, semconv
from ..telemetry.attributes import Attributes, with_error
from ..telemetry.spans import mark_failed
from .background import NON_TERMINAL, TERMINAL
from .naming import INFERENCE_OPERATIONS, describe
from .runtime import Runtime

_NEVER_WINS = frozenset({ErrorCode.QUOTA_EXHAUSTED, ErrorCode.AUTH_ERROR})


class Attempt:
    """One HTTP try: its span stays open until the SDK decides whether to retry it."""

    __slots__ = ("classification", "guard_stopped", "number", "span", "start", "status")

    def __init__(self, span: Span, number: int) -> None:
        self.span = span
        self.number = number
        self.start = time.perf_counter()
        self.status: Optional[int] = None
        self.classification: Optional[Classification] = None
        self.guard_stopped = False


def _server(client: Any) -> tuple[str, int]:
    url = client.base_url
    host = url.host or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    return host, port


def _request_model(options: Any) -> Optional[str]:
    data = getattr(options, "json_data", None)
    if isinstance(data, dict):
        model = data.get("model")
        if isinstance(model, str):
            return model
    return None


def _usage_numbers(usage: Any) -> tuple[Optional[int], Optional[int]]:
    """(input, output) tokens from chat/completions/embeddings or Responses usage."""
    if usage is None:
        return None, None
    source = usage if isinstance(usage, dict) else getattr(usage, "__dict__", {})
    tokens_in = source.get("input_tokens", source.get("prompt_tokens"))
    tokens_out = source.get("output_tokens", source.get("completion_tokens"))
    return (
        tokens_in if isinstance(tokens_in, int) else None,
        tokens_out if isinstance(tokens_out, int) else None,
    )


class Operation:
    """A logical call (retries included): the CLIENT span and the operation metrics."""

    __slots__ = (
        "attempt",
        "attempts",
        "attrs",
        "context",
        "description",
        "ended",
        "failure",
        "http_client",
        "model",
        "response_model",
        "rt",
        "span",
        "start",
        "streaming",
    )

    def __init__(self, rt: Runtime, client: Any, options: Any) -> None:
        self.rt = rt
        self.start = time.perf_counter()
        self.description = describe(str(options.method), str(options.url))
        self.model = _request_model(options)
        host, port = _server(client)
        provider = (
            semconv.PROVIDER_AZURE
            if rt.layout.azure_types and isinstance(client, rt.layout.azure_types)
            else semconv.PROVIDER_OPENAI
        )
        attrs: Attributes = {
            semconv.GEN_AI_OPERATION_NAME: self.description.name,
            semconv.GEN_AI_PROVIDER_NAME: provider,
            semconv.SERVER_ADDRESS: host,
            semconv.SERVER_PORT: port,
        }
        if self.model is not None:
            attrs[semconv.GEN_AI_REQUEST_MODEL] = self.model
        self.attrs = attrs
        name = self.description.name
        links = self._links()
        self.span = rt.tracer.start_span(
            f"{name} {self.model}" if self.model else name,
            kind=SpanKind.CLIENT,
            attributes=attrs,
            links=links,
        )
        self.context: Context = trace.set_span_in_context(self.span)
        self.http_client = getattr(client, "_client", None)
        self.attempt: Optional[Attempt] = None
        self.attempts = 0
        self.failure: Optional[Classification] = None
        self.response_model: Optional[str] = None
        self.streaming = False
        self.ended = False

    def _links(self) -> Optional[list[Link]]:
        response_id = self.description.response_id
        if response_id is None:
            return None
        created_by = self.rt.tracker.link_for(response_id)
        return [Link(created_by)] if created_by is not None else None

    # -- attempts -------------------------------------------------------------------

    def begin_attempt(self, method: str, path: str) -> Attempt:
        """A new HTTP try; a still-open previous one was evidently retried."""
        if self.attempt is not None:
            self.finish_attempt(will_retry=True)
        number = self.attempts
        self.attempts += 1
        attributes: Attributes = {
            semconv.HTTP_REQUEST_METHOD: method,
            semconv.SERVER_ADDRESS: self.attrs[semconv.SERVER_ADDRESS],
            semconv.SERVER_PORT: self.attrs[semconv.SERVER_PORT],
            semconv.URL_PATH: path,
        }
        if number:
            attributes[semconv.HTTP_REQUEST_RESEND_COUNT] = number
        span = self.rt.tracer.start_span(
            method, context=self.context, kind=SpanKind.CLIENT, attributes=attributes
        )
        attempt = Attempt(span, number)
        self.attempt = attempt
        return attempt

    def attempt_answered(self, attempt: Attempt, status: int, headers: Any, body: Any) -> None:
        """The attempt got an HTTP answer; a failure waits for the retry decision."""
        attempt.status = status
        view = normalize(headers)  # read once for the gauges and the classifier
        self._record_rate_limits(view)
        if status >= 400:
            attempt.classification = classify_http(status, view, body)
        else:
            self.finish_attempt(will_retry=False)

    def attempt_raised(self, attempt: Attempt, error: BaseException) -> None:
        """No HTTP answer: a timeout or a connection failure (the SDK may retry it)."""
        attempt.classification = classify_exception(error)

    def guard_stops(self) -> bool:
        """Retry guard: True when the pending attempt can never succeed by retrying."""
        attempt = self.attempt
        if attempt is None or attempt.classification is None:
            return False
        if attempt.classification.code in _NEVER_WINS:
            attempt.guard_stopped = True
            return True
        return False

    def retry_planned(self, delay: float) -> None:
        """The SDK is about to sleep ``delay`` seconds and try again."""
        attempt = self.attempt
        if attempt is None:
            return
        reason = attempt.classification
        try:
            attributes = dict(self.attrs)
            if reason is not None:
                attributes[semconv.ERROR_TYPE] = reason.code.value
            self.rt.instruments.retry_delay.record(delay, attributes)
            event: Attributes = {
                semconv.OPENAI_RETRY_DELAY: delay,
                semconv.HTTP_REQUEST_RESEND_COUNT: attempt.number + 1,
            }
            if reason is not None:
                event[semconv.ERROR_TYPE] = reason.code.value
            self.span.add_event(semconv.EVENT_RETRY, event)
        finally:
            self.finish_attempt(will_retry=True, delay=delay)

    def finish_attempt(self, will_retry: bool, delay: Optional[float] = None) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        self.attempt = None
        span = attempt.span
        try:
            self._count_attempt(attempt, will_retry)
            failure = attempt.classification
            if attempt.status is not None:
                span.set_attribute(semconv.HTTP_RESPONSE_STATUS_CODE, attempt.status)
            if failure is not None:
                span.set_attribute(semconv.OPENAI_RETRY_WILL_RETRY, will_retry)
                if delay is not None:
                    span.set_attribute(semconv.OPENAI_RETRY_DELAY, delay)
                if attempt.guard_stopped:
                    span.set_attribute(semconv.OPENAI_RETRY_GUARD_STOPPED, True)
                mark_failed(span, failure)
                if self.rt.settings.logs:
                    self._log_attempt(attempt, failure, will_retry, delay)
        finally:
            span.end()  # whatever failed above, the attempt span never stays open

    def _count_attempt(self, attempt: Attempt, will_retry: bool) -> None:
        attributes = dict(self.attrs)
        if attempt.status is not None:
            attributes[semconv.HTTP_RESPONSE_STATUS_CODE] = attempt.status
        failure = attempt.classification
        if failure is not None:
            attributes[semconv.ERROR_TYPE] = failure.code.value
            if failure.rate_limit_kind is not None:
                # requests vs tokens: two values, only on rate-limited attempts
                attributes[semconv.OPENAI_RATELIMIT_KIND] = failure.rate_limit_kind
        attributes[semconv.OPENAI_RETRY_WILL_RETRY] = will_retry
        self.rt.instruments.attempts.add(1, attributes)

    def _log_attempt(
        self, attempt: Attempt, failure: Classification, will_retry: bool,
        delay: Optional[float],
    ) -> None:
        fields = logs.failure_fields(
            failure, attempt.span, operation=self.description.name, model=self.model,
            duration_s=time.perf_counter() - attempt.start, attempt=attempt.number + 1,
            retry_delay_s=delay, will_retry=will_retry,
        )
        logs.emit(semconv.LOG_ATTEMPT_FAILED, "warning" if will_retry else "error", fields)

    def _record_rate_limits(self, headers: Any) -> None:
        """The latest ``x-ratelimit-*`` of every answer, for the observable gauges."""
        numbers = rate_limit_numbers(headers)
        if numbers:
            self.rt.instruments.ratelimits.update(
                str(self.attrs[semconv.SERVER_ADDRESS]), self.model, numbers)

    # -- the end of the operation ---------------------------------------------------

    def returned(self, result: Any) -> None:
        """request() returned: read the response model, usage and background status."""
        try:
            self.finish_attempt(will_retry=False)
            if isinstance(result, self.rt.layout.model_type):
                self.observe_model(result)
        finally:
            if not self.streaming:
                self.end()

    def observe_model(self, result: Any) -> None:
        """Response id, model and usage of a returned object or a stream's final one."""
        values = getattr(result, "__dict__", {})
        model = values.get("model")
        if isinstance(model, str):
            self.response_model = model
        response_id = values.get("id")
        if isinstance(response_id, str):
            self.span.set_attribute(semconv.GEN_AI_RESPONSE_ID, response_id)
        usage = values.get("usage")
        if usage is not None:
            self._record_usage(usage)
        if self.description.is_responses and values.get("object") == "response":
            self.observe_response(result, values)

    def _record_usage(self, usage: Any) -> None:
        tokens_in, tokens_out = _usage_numbers(usage)
        attributes = self._metric_attributes()
        latest = self.rt.instruments.latest
        inference = latest is not None and self.description.name in INFERENCE_OPERATIONS
        for kind, count, name in (
            (semconv.TOKEN_INPUT, tokens_in, semconv.GEN_AI_USAGE_INPUT_TOKENS),
            (semconv.TOKEN_OUTPUT, tokens_out, semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            if count is None:
                continue
            self.span.set_attribute(name, count)
            point = dict(attributes)
            point[semconv.GEN_AI_TOKEN_TYPE] = kind
            self.rt.instruments.token_usage.record(count, point)
            if inference and latest is not None:
                target = latest.input_tokens if kind == semconv.TOKEN_INPUT else (
                    latest.output_tokens
                )
                target.record(count, attributes)

    def observe_response(self, response: Any, values: dict[str, Any]) -> None:
        """A Responses ``Response``: background bookkeeping and terminal failures."""
        status = values.get("status")
        response_id = values.get("id")
        if not isinstance(status, str) or not isinstance(response_id, str):
            return
        self.span.set_attribute(semconv.OPENAI_RESPONSE_STATUS, status)
        background = values.get("background") is True
        if background:
            self.span.set_attribute(semconv.OPENAI_RESPONSE_BACKGROUND, True)
        failure = classify_response(response) if status in TERMINAL else None
        if failure is not None:
            self.failure = failure
        if not background:
            if failure is not None and not self.streaming and self.rt.settings.logs:
                self._log_operation(failure)
            return
        tracker = self.rt.tracker
        if status in NON_TERMINAL:
            tracker.created(response_id, self.span.get_span_context())
        elif status in TERMINAL and tracker.first_terminal(response_id):
            self._count_background(status, failure)

    def _count_background(self, status: str, failure: Optional[Classification]) -> None:
        attributes = self._metric_attributes()
        attributes[semconv.OPENAI_RESPONSE_STATUS] = status
        if failure is not None:
            attributes[semconv.ERROR_TYPE] = failure.code.value
        self.rt.instruments.background.add(1, attributes)
        if failure is not None and self.rt.settings.logs:
            fields = logs.failure_fields(
                failure, self.span, operation=self.description.name,
                model=self.response_model or self.model,
                duration_s=time.perf_counter() - self.start,
            )
            fields["response_status"] = status
            logs.emit(semconv.LOG_BACKGROUND_FAILED, "error", fields)

    def raised(self, error: BaseException, after_response: bool = False) -> None:
        """request() or the stream raised: the operation failed with this code."""
        try:
            failure = classify_exception(error, after_response=after_response)
            attempt = self.attempt
            attempt_failed = attempt is not None and attempt.classification is not None
            self.finish_attempt(will_retry=False)
            self.failure = failure
            if self.rt.settings.record_exceptions:
                self.span.record_exception(error)
            if self.rt.settings.logs and not attempt_failed:
                self._log_operation(failure)
        finally:
            self.end(semconv.STREAM_FAILED if self.streaming else None)

    def _log_operation(self, failure: Classification) -> None:
        """A failure no attempt reported: a raised stream, parse(), a failed response."""
        event = semconv.LOG_STREAM_FAILED if self.streaming else semconv.LOG_OPERATION_FAILED
        fields = logs.failure_fields(
            failure, self.span, operation=self.description.name,
            model=self.response_model or self.model,
            duration_s=time.perf_counter() - self.start,
        )
        logs.emit(event, "error", fields)

    def stream_failed(self, failure: Classification) -> None:
        """A stream event said the response failed (``error``, ``response.failed``...)."""
        if self.failure is None:
            self.failure = failure
            if self.rt.settings.logs:
                self._log_operation(failure)

    def first_chunk(self) -> None:
        elapsed = time.perf_counter() - self.start
        self.span.set_attribute(semconv.OPENAI_STREAM_TIME_TO_FIRST_CHUNK, elapsed)
        attributes = self._metric_attributes()
        self.rt.instruments.time_to_first_chunk.record(elapsed, attributes)
        latest = self.rt.instruments.latest
        if latest is not None and self.description.name in INFERENCE_OPERATIONS:
            latest.time_to_first_chunk.record(elapsed, attributes)

    def _metric_attributes(self) -> Attributes:
        attributes = dict(self.attrs)
        if self.response_model is not None:
            attributes[semconv.GEN_AI_RESPONSE_MODEL] = self.response_model
        return attributes

    def end(self, outcome: Optional[str] = None) -> None:
        """End the span and record the duration, once."""
        if self.ended:
            return
        self.ended = True
        span = self.span
        try:
            self.finish_attempt(will_retry=False)
            elapsed = time.perf_counter() - self.start
            attributes = self._metric_attributes()
            if self.response_model is not None:
                span.set_attribute(semconv.GEN_AI_RESPONSE_MODEL, self.response_model)
            if outcome is not None:
                span.set_attribute(semconv.OPENAI_STREAM_OUTCOME, outcome)
            failure = self.failure
            if failure is not None:
                mark_failed(span, failure)
                attributes = with_error(attributes, failure)
            self.rt.instruments.duration.record(elapsed, attributes)
            latest = self.rt.instruments.latest
            if latest is not None and self.description.name in INFERENCE_OPERATIONS:
                latest.duration.record(elapsed, attributes)
        finally:
            span.end()  # ended once, even when recording failed


def end_quietly(op: Operation) -> None:
    """End ``op`` after our own failure, so its span never stays open; never raises."""
    with contextlib.suppress(Exception):
        op.end()


def stream_interrupted() -> Classification:
    """A Responses stream that ended without a terminal event."""
    return Classification(
        code=ErrorCode.STREAM_INTERRUPTED, retryable=True, source=Source.STREAM_EVENT
    )
