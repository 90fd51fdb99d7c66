"""The one writer of spans, metric points and log events, from what an operation decided.

``instrumentation/operation.py`` decides what happened (which attempt failed and why,
whether the SDK retried, how the operation ended, which job it saw end); this module
writes it down, the same way for every call: ``error.type`` and the failure attributes
come from ``attributes.py`` and nowhere else, each metric point from one attribute set.
Nothing here knows the SDK; it reads the records it is handed (``OperationView``,
``AttemptView``, ``JobEnd``).
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple, Optional, Protocol

from opentelemetry._logs import Logger
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Tracer

from ..classification import Classification
from ..classify.headers import HeaderMap
from . import logs, semconv
from .attributes import Attributes, error_attributes, with_error
from .bounds import Bounds
from .events import emit_operation_exception
from .logbudget import LogBudget
from .metrics import Instruments
from .scrub import exception_attributes
from .semconv import INFERENCE_OPERATIONS
from .spans import set_failed_status


class OperationView(Protocol):
    """What the recorder reads of an operation."""

    context: Context  # its span in a context: the parent of its attempt spans
    end_attrs: Attributes  # span attributes learnt during the call, set once at its end
    name: str
    model: Optional[str]
    response_model: Optional[str]
    metric_response_model: Optional[str]  # the same, bounded (Bounds.response_model)
    attrs: Attributes  # its span's start attributes
    metric_attrs: Attributes  # the same, bounded for metrics (Recorder.bounded)
    span: Span
    start: float


class AttemptView(Protocol):
    method: str
    number: int
    status: Optional[int]
    classification: Optional[Classification]
    guard_stopped: bool
    start: float  # perf_counter
    start_ns: int  # wall clock, the span's start time

    @property
    def attributes(self) -> Attributes: ...  # its span's start attributes


class JobEnd(NamedTuple):
    """A job seen ended for the first time in this process: what to write of it."""

    surface: str
    job_id: Optional[str]
    status: str
    failure: Optional[Classification]  # None: it succeeded
    is_failure: bool  # failed/expired/incomplete (a cancel is classified, not a failure)


class OperationSets(NamedTuple):
    """The attribute sets every call of one (operation, provider, server, model) starts
    from, built once and shared: read and copied, never changed."""

    span: Attributes  # its span's start attributes: ``attrs`` and the API type
    attrs: Attributes  # name, provider, server address and port, request model
    metric: Attributes  # ``attrs`` as metrics write them (Recorder.bounded)


MAX_SETS = 1024  # distinct operation sets kept; past it the cache starts over


class Recorder:
    """Spans, metrics and logs for the operations of one ``instrument()``."""

    __slots__ = ("_sets", "bounds", "exception_logger", "instruments", "log_budget", "logs",
                 "names", "record_exceptions", "tracer")

    def __init__(self, tracer: Tracer, instruments: Instruments, *, logs: bool,
                 record_exceptions: bool, exception_logger: Optional[Logger] = None) -> None:
        self.tracer = tracer
        self.exception_logger = exception_logger
        self.instruments = instruments
        self.names = instruments.names  # our own names as this mode spells them
        self.logs = logs
        self.log_budget = LogBudget()  # failure events a second, per event and code
        self.record_exceptions = record_exceptions
        self.bounds = Bounds()
        self._sets: dict[tuple[Any, ...], OperationSets] = {}

    def operation_sets(self, name: str, provider: str, host: str, port: int,
                       model: Optional[str], api_type: Optional[str]) -> OperationSets:
        """The attribute sets of an operation, from the cache (bounded: ``MAX_SETS``).
        ``api_type`` follows from ``name``. The bounds decide a value once and for good,
        so a cached metric set is what ``bounded`` would build again."""
        key = (name, provider, host, port, model)
        found = self._sets.get(key)
        if found is not None:
            return found
        attrs: Attributes = {
            semconv.GEN_AI_OPERATION_NAME: name,
            semconv.GEN_AI_PROVIDER_NAME: provider,
            semconv.SERVER_ADDRESS: host,
            semconv.SERVER_PORT: port,
        }
        if model is not None:
            attrs[semconv.GEN_AI_REQUEST_MODEL] = model
        span = {**attrs, semconv.OPENAI_API_TYPE: api_type} if api_type else attrs
        found = OperationSets(span, attrs, self.bounded(attrs))
        if len(self._sets) >= MAX_SETS:
            self._sets.clear()
        self._sets[key] = found
        return found

    def bounded(self, attributes: Attributes) -> Attributes:
        """An operation's start attributes as metrics write them: the request model and
        the server bounded (bounds.py); the same mapping when nothing was folded."""
        bounds = self.bounds
        model = attributes.get(semconv.GEN_AI_REQUEST_MODEL)
        host = attributes[semconv.SERVER_ADDRESS]
        port = attributes[semconv.SERVER_PORT]
        kept_model = bounds.request_model(model) if isinstance(model, str) else model
        address, kept_port = bounds.server_pair(str(host), int(port))  # type: ignore[arg-type]
        if kept_model == model and address == host and kept_port == port:
            return attributes
        metric = dict(attributes)
        if isinstance(kept_model, str):
            metric[semconv.GEN_AI_REQUEST_MODEL] = kept_model
        metric[semconv.SERVER_ADDRESS] = address
        if kept_port is None:
            del metric[semconv.SERVER_PORT]
        return metric

    # -- spans that start ------------------------------------------------------------

    def start_operation(self, name: str, model: Optional[str], attributes: Attributes,
                        links: Optional[list[Link]],
                        span_only: Optional[Attributes] = None) -> Span:
        if span_only:  # the stream flag, service tier: the metrics keep their sets
            attributes = {**attributes, **span_only}
        return self.tracer.start_span(
            f"{name} {model}" if model else name, kind=SpanKind.CLIENT,
            attributes=attributes, links=links)


    # -- attempts ----------------------------------------------------------------------

    def retry(self, op: OperationView, attempt: AttemptView, delay: float) -> None:
        """The SDK will sleep ``delay`` and try again: a delay point and a span event."""
        reason = attempt.classification
        attributes = dict(op.metric_attrs)
        if reason is not None:
            attributes = with_error(attributes, reason)
        self.instruments.retry_delay.record(delay, attributes)
        event: Attributes = {
            self.names.retry_delay: delay,
            semconv.HTTP_REQUEST_RESEND_COUNT: attempt.number + 1,
        }
        if reason is not None:
            event[semconv.ERROR_TYPE] = reason.code.value
        op.span.add_event(self.names.event_retry, event)

    def attempt_ended(self, op: OperationView, attempt: AttemptView, will_retry: bool,
                      delay: Optional[float], now: float) -> None:
        """The attempt's count, span and (if it failed) log event.

        The span is written now, after the fact, with the attempt's real start and end,
        as a child of the operation, only when the SDK made more than one try: a call's
        one try, success or failure, is its operation span alone, which takes its status
        code (and the failure, which the operation ended with) (telemetry.md)."""
        failure = attempt.classification
        names = self.names
        if attempt.number == 0 and not will_retry:
            if attempt.status is not None:
                op.end_attrs[semconv.HTTP_RESPONSE_STATUS_CODE] = attempt.status
            if attempt.guard_stopped:
                op.end_attrs[names.retry_guard_stopped] = True
            self._count_attempt(op, attempt, will_retry)
            if failure is not None:
                self._attempt_log(op, attempt, failure, op.span, will_retry, delay, now)
            return
        # everything the span says is known now: one attribute mapping, given at its start
        attributes = attempt.attributes
        if failure is not None:
            attributes.update(error_attributes(failure, names))
            attributes[names.retry_will_retry] = will_retry
            if delay is not None:
                attributes[names.retry_delay] = delay
            if attempt.guard_stopped:
                attributes[names.retry_guard_stopped] = True
        if attempt.status is not None:
            attributes[semconv.HTTP_RESPONSE_STATUS_CODE] = attempt.status
        span = self.tracer.start_span(
            attempt.method, context=op.context, kind=SpanKind.CLIENT,
            attributes=attributes, start_time=attempt.start_ns)
        try:
            self._count_attempt(op, attempt, will_retry)
            if failure is not None:
                set_failed_status(span, failure)
                self._attempt_log(op, attempt, failure, span, will_retry, delay, now)
        finally:
            # whatever failed above, the attempt span never stays open
            span.end(end_time=attempt.start_ns + int((now - attempt.start) * 1e9))

    def _attempt_log(self, op: OperationView, attempt: AttemptView, failure: Classification,
                     span: Span, will_retry: bool, delay: Optional[float], now: float) -> None:
        """``openai.attempt.failed``, in the trace of the attempt's span (or, for a call's
        one try, of its operation's)."""
        self._failure_log(
            self.names.log_attempt_failed, "warning" if will_retry else "error", failure,
            span, operation=op.name, model=op.model, duration_s=now - attempt.start,
            attempt=attempt.number + 1, retry_delay_s=delay, will_retry=will_retry)

    def _failure_log(self, event: str, level: str, failure: Classification,
                     span: Optional[Span], **facts: Any) -> None:
        """A failure event within the storm budget (logbudget.py): the fields are built
        only for an event that is logged, and say how many were left out before it."""
        if not self.logs:
            return
        left_out = self.log_budget.admit(event, failure.code.value)
        if left_out is None:
            return  # a storm: counted, and said by the next event logged
        fields = logs.failure_fields(failure, span, names=self.names, **facts)
        if left_out:
            fields["suppressed"] = left_out
        logs.emit(event, level, fields)

    def _count_attempt(self, op: OperationView, attempt: AttemptView, will_retry: bool) -> None:
        attributes = dict(op.metric_attrs)
        if attempt.status is not None:
            status = self.bounds.status_code(attempt.status)
            if status is not None:
                attributes[semconv.HTTP_RESPONSE_STATUS_CODE] = status
        failure = attempt.classification
        if failure is not None:
            attributes = with_error(attributes, failure)
            if failure.rate_limit_kind is not None:
                # requests vs tokens: two values, only on rate-limited attempts
                attributes[self.names.ratelimit_kind] = failure.rate_limit_kind
        attributes[self.names.retry_will_retry] = will_retry
        self.instruments.attempts.add(1, attributes)

    def rate_limits(self, server: str, model: Optional[str], headers: HeaderMap,
                    provider: Optional[str] = None) -> None:
        """An answer's headers, whose ``x-ratelimit-*`` the observable gauges read."""
        self.instruments.ratelimits.answered(server, model, headers, provider)

    # -- what the operation returned ---------------------------------------------------

    def usage(self, op: OperationView, tokens: tuple[Optional[int], Optional[int]]) -> None:
        """The tokens an operation used: on its span and the token metrics. Not for a
        ``fetch_response``: reading a response again generates nothing (and a poll would
        count the same tokens on every read)."""
        if op.name == semconv.OPERATION_FETCH_RESPONSE:
            return
        attributes = metric_attributes(op)
        latest = self.instruments.latest
        if latest is not None:
            attributes[semconv.GEN_AI_TOKEN_MODALITY] = semconv.MODALITY_UNKNOWN
        for kind, count, name in (
            (semconv.TOKEN_INPUT, tokens[0], semconv.GEN_AI_USAGE_INPUT_TOKENS),
            (semconv.TOKEN_OUTPUT, tokens[1], semconv.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            if count is None:
                continue
            op.end_attrs[name] = count
            if latest is not None:
                totals = latest.input_tokens if kind == semconv.TOKEN_INPUT else (
                    latest.output_tokens)
                totals.add(count, attributes)
                continue
            point = dict(attributes)
            point[semconv.GEN_AI_TOKEN_TYPE] = kind
            self.instruments.token_usage.record(count, point)

    def first_chunk(self, op: OperationView, elapsed: float) -> None:
        op.end_attrs[semconv.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = elapsed
        latest = self.instruments.latest
        histogram = (latest.time_to_first_chunk
                     if latest is not None and op.name in INFERENCE_OPERATIONS
                     else self.instruments.time_to_first_chunk)
        histogram.record(elapsed, metric_attributes(op))

    def job_ended(self, op: OperationView, job: JobEnd, now: float) -> None:
        """A job seen ended for the first time: one count, one span event, one log."""
        names = self.names
        attributes = metric_attributes(op)
        attributes[names.job_type] = job.surface
        attributes[names.job_status] = job.status
        if job.failure is not None:
            attributes = with_error(attributes, job.failure)
        self.instruments.jobs.add(1, attributes)
        event: Attributes = {names.job_type: job.surface, names.job_status: job.status}
        if job.job_id is not None:
            event[names.job_id] = job.job_id
        if job.failure is not None:
            event.update(error_attributes(job.failure, names))
        op.span.add_event(names.event_job_ended, event)
        if job.is_failure and job.failure is not None and self.logs:
            fields = logs.failure_fields(job.failure, op.span, operation=op.name,
                                         model=op.response_model or op.model,
                                         duration_s=now - op.start, names=names)
            fields["job_type"] = job.surface
            fields["job_status"] = job.status
            fields["job_id"] = job.job_id
            logs.emit(names.log_job_failed, "error", fields)

    def health_alert(self, state: str, alert_id: str, event_id: Optional[str]) -> None:
        """An OpenAI health alert triggered or resolved (its webhook): the gauge, and one
        log event when the news is new (a redelivery changes nothing)."""
        if not self.instruments.health.update(alert_id, state) or not self.logs:
            return
        names = self.names
        fields: dict[str, Any] = {names.health_alert_state: state,
                                  names.health_alert_id: alert_id, "event_id": event_id}
        logs.add_trace_context(None, "", fields)
        logs.emit(names.log_health_alert, "warning" if state == "triggered" else "info",
                  fields)

    # -- the end -----------------------------------------------------------------------

    def operation_failed_log(self, op: OperationView, failure: Classification,
                             streaming: bool, now: float) -> None:
        """A failure no attempt reported: a raised stream, parse(), a failed generation."""
        names = self.names
        self._failure_log(
            names.log_stream_failed if streaming else names.log_operation_failed, "error",
            failure, op.span, operation=op.name, model=op.response_model or op.model,
            duration_s=now - op.start)

    def exception(self, op: OperationView, error: BaseException,
                  failure: Classification) -> None:
        """An exception raised to the caller: the conventions' log event (and, if asked,
        the traceback on the span)."""
        if self.record_exceptions:  # as span.record_exception, with no credential in it
            op.span.add_event("exception", exception_attributes(error))
        if self.exception_logger is not None:
            emit_operation_exception(self.exception_logger, error, failure,
                                     partial(metric_attributes, op), op.context)

    def operation_ended(self, op: OperationView, failure: Optional[Classification],
                        outcome: Optional[str], elapsed: float) -> None:
        """The duration point and the span's last attributes; the span always ends."""
        span = op.span
        try:
            attributes = metric_attributes(op)
            end_attrs = op.end_attrs
            if op.response_model is not None:
                end_attrs[semconv.GEN_AI_RESPONSE_MODEL] = op.response_model
            if outcome is not None:
                end_attrs[self.names.stream_outcome] = outcome
            latest = self.instruments.latest
            if failure is not None:
                end_attrs.update(error_attributes(failure, self.names))
                set_failed_status(span, failure)
                attributes = with_error(attributes, failure)
            if end_attrs:
                span.set_attributes(end_attrs)  # one call, one lock, whatever was learnt
            histogram = (latest.duration
                         if latest is not None and op.name in INFERENCE_OPERATIONS
                         else self.instruments.duration)
            histogram.record(elapsed, attributes)
        finally:
            span.end()  # ended once, even when recording failed


def metric_attributes(op: OperationView) -> Attributes:
    """The operation's metric attribute set: its bounded start attributes and the bounded
    response model."""
    attributes = dict(op.metric_attrs)
    if op.metric_response_model is not None:
        attributes[semconv.GEN_AI_RESPONSE_MODEL] = op.metric_response_model
    return attributes
