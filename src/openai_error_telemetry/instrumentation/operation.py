"""One OpenAI operation and its HTTP attempts: what happened, decided once.

The hooks report events (an attempt began, answered, raised; a retry was planned; the
call returned or raised; a stream yielded, failed or ended) and ``Operation`` keeps the
facts: the attempts and their classifications, the operation's own failure, the jobs it
saw end. It decides; ``telemetry/recorder.py`` writes the spans, metric points and log
events from what it decided, so every name and attribute is written in one place.

How an operation ended, by precedence (the first that applies wins):

1. ``request()`` (or its stream) raised: that exception's classification;
2. its stream reported a failure (an ``error`` chunk or event, ``response.failed`` /
   ``response.incomplete``, a Responses stream with no terminal event), unless the
   operation only reads an existing job (a resumed ``retrieve(stream=True)``), whose end
   is the job's, not the read's;
3. the Response its own create returned ended without its result (a foreground
   ``responses.create`` that came back ``failed`` or ``incomplete``);
4. otherwise it succeeded. Jobs it saw ended (a ``retrieve``, a poll, a ``list``, a
   cancel, a background create) are job outcomes, recorded once per job by the
   tracker, never a failure of the call that saw them: the call itself worked.

Success pays for the spans, a duration point, an attempt count and the rate-limit
gauges; classification, failure attributes and logs run only on failure.
"""

from __future__ import annotations

import contextlib
import time
from contextvars import ContextVar
from typing import Any, Optional

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link

from ..classification import Classification, Source
from ..classify import classify_answered, classify_exception, classify_http, classify_job_facts
from ..classify.headers import RATE_LIMIT_HEADERS as _RATE_LIMIT_HEADERS
from ..classify.headers import normalize
from ..classify.jobfacts import job_facts
from ..classify.jobs import FAILURES, JOB_OBJECTS
from ..codes import ErrorCode, guard_stops
from ..telemetry import semconv
from ..telemetry.attributes import Attributes
from ..telemetry.recorder import JobEnd
from .attempt import Attempt, raised_from
from .facts import (
    finish_reasons,
    raw_json,
    request_facts,
    usage_numbers,
    values_of,
)
from .jobs import job_key
from .names import is_responses
from .paths import job_path
from .providers import destination
from .runtime import Runtime

_NEVER_WINS = guard_stops()  # the contract's retry-guard column
_MAX_CHOICES = 16  # finish reasons kept from at most this many choices
_MAX_FACT = 128  # a longer service tier or fingerprint is not a real one: not recorded
# Strings of a returned object written on the span as they are, spans only
_RESPONSE_FACTS = (
    ("service_tier", semconv.OPENAI_RESPONSE_SERVICE_TIER),
    ("system_fingerprint", semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT),
)

# The operation whose request() is running in this thread or task. The attempt and
# retry hooks, deeper in the same call, attach to it only if it is their client's and
# still open: a call made inside another one (a transport that calls a second client, a
# task spawned during a call) is an operation of its own.
CURRENT: ContextVar[Optional[Operation]] = ContextVar(
    "openai_error_telemetry_operation", default=None
)


class Operation:
    """A logical call (retries included): its facts, and the span the recorder writes."""

    __slots__ = (
        "attempt",
        "attempts",
        "attrs",
        "client",
        "context",
        "end_attrs",
        "ended",
        "generation_failure",
        "http_client",
        "job",
        "job_to_raise",
        "metric_attrs",
        "metric_response_model",
        "model",
        "name",
        "raised_failure",
        "rec",
        "response_model",
        "rt",
        "span",
        "start",
        "stream_failure",
        "streaming",
    )

    def __init__(self, rt: Runtime, client: Any, options: Any, name: str) -> None:
        self.rt = rt
        self.rec = rt.recorder
        self.start = time.perf_counter()
        self.client = client
        self.name = name
        self.job = job_path(str(options.method), str(options.url))
        self.model, span_only = request_facts(options)
        api_type = (semconv.API_TYPE_RESPONSES if is_responses(name)
                    else semconv.API_TYPE_CHAT_COMPLETIONS if name == "chat" else None)
        layout = rt.layout
        host, port, provider = destination(client, layout.azure_types, layout.bedrock_types)
        # built once per distinct (name, provider, server, model): shared, never mutated
        sets = self.rec.operation_sets(name, provider, host, port, self.model, api_type)
        self.attrs = sets.attrs
        self.metric_attrs = sets.metric  # every value from outside bounded
        # what is learnt during the call, written onto the span once, at its end
        self.end_attrs: Attributes = {}
        self.span = self.rec.start_operation(name, self.model, sets.span, self._links(),
                                             span_only)
        self.context: Context = trace.set_span_in_context(self.span)
        self.http_client = getattr(client, "_client", None)
        self.attempt: Optional[Attempt] = None
        self.attempts = 0
        self.raised_failure: Optional[Classification] = None
        self.stream_failure: Optional[Classification] = None
        self.generation_failure: Optional[Classification] = None
        self.job_to_raise: Optional[tuple[Classification, Any]] = None
        self.response_model: Optional[str] = None
        self.metric_response_model: Optional[str] = None
        self.streaming = False
        self.ended = False

    @property
    def failure(self) -> Optional[Classification]:
        """The operation's own failure, by the module's precedence."""
        return self.raised_failure or self.stream_failure or self.generation_failure

    def _links(self) -> Optional[list[Link]]:
        job = self.job
        if job.surface is None or job.job_id is None:
            return None
        created_by = self.rt.tracker.link_for(job_key(job.surface, job.job_id))
        return [Link(created_by)] if created_by is not None else None

    # -- attempts -------------------------------------------------------------------

    def begin_attempt(self, method: str, url: Any) -> Attempt:
        """A new HTTP try; a still-open previous one was evidently retried."""
        if self.attempt is not None:
            self.finish_attempt(will_retry=True)
        number = self.attempts
        self.attempts += 1
        attempt = Attempt(self.attrs, method, url, number)
        self.attempt = attempt
        return attempt

    def attempt_answered(self, attempt: Attempt, status: int, headers: Any, body: Any) -> None:
        """The attempt got an HTTP answer; a failure waits for the retry decision."""
        attempt.status = status
        view = normalize(headers)  # read once for the gauges and the classifier
        if not _RATE_LIMIT_HEADERS.isdisjoint(view):  # parsed at collection (ratelimits.py)
            attrs = self.attrs
            self.rec.rate_limits(str(attrs[semconv.SERVER_ADDRESS]), self.model, view,
                                 str(attrs[semconv.GEN_AI_PROVIDER_NAME]))
        if status >= 400:
            attempt.pending = (status, view, body)
        else:
            self.finish_attempt(will_retry=False)

    def attempt_raised(self, attempt: Attempt, error: BaseException) -> None:
        """No HTTP answer: a timeout or a connection failure (the SDK may retry it)."""
        attempt.classification = classify_exception(error)

    @staticmethod
    def _settle(attempt: Attempt) -> Optional[Classification]:
        """The attempt's code, classifying its error answer now if not yet done."""
        pending = attempt.pending
        if pending is not None:
            attempt.pending = None
            attempt.classification = classify_http(*pending)
        return attempt.classification

    def guard_stops(self) -> bool:
        """Retry guard: True when the pending attempt can never succeed by retrying."""
        attempt = self.attempt
        if attempt is None:
            return False
        classification = self._settle(attempt)
        if classification is None:
            return False
        if classification.code in _NEVER_WINS:
            attempt.guard_stopped = True
            return True
        return False

    def retry_planned(self, delay: float) -> None:
        """The SDK is about to sleep ``delay`` seconds and try again."""
        attempt = self.attempt
        if attempt is None:
            return
        try:
            self._settle(attempt)
            self.rec.retry(self, attempt, delay)
        finally:
            self.finish_attempt(will_retry=True, delay=delay)

    def finish_attempt(self, will_retry: bool, delay: Optional[float] = None) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        self.attempt = None
        self._settle(attempt)
        self.rec.attempt_ended(self, attempt, will_retry, delay, time.perf_counter())

    # -- what came back -------------------------------------------------------------

    def returned(self, result: Any) -> None:
        """request() returned: read the response model, usage and any job in it."""
        try:
            self.finish_attempt(will_retry=False)
            if isinstance(result, self.rt.layout.model_type):
                self.observe_model(result)
            elif self.job.fetch and not self.streaming:
                raw = raw_json(result)  # a poll helper's with_raw_response.retrieve
                if isinstance(raw, dict):
                    self._observe_jobs(raw, raw)
        finally:
            if not self.streaming:
                self.end()

    def observe_model(self, result: Any) -> None:
        """Response id, model, usage and job status of a returned object, a stream chunk
        or a stream's final Response."""
        values = values_of(result)
        model = values.get("model")
        if isinstance(model, str) and model != self.response_model:
            self.response_model = model
            self.metric_response_model = self.rec.bounds.response_model(model)
        response_id = values.get("id")
        if isinstance(response_id, str) and values.get("object") != "list":
            self.end_attrs[semconv.GEN_AI_RESPONSE_ID] = response_id
        reasons = finish_reasons(values.get("choices"))
        if reasons is not None:
            self.end_attrs[semconv.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        for field, name in _RESPONSE_FACTS:
            value = values.get(field)
            if isinstance(value, str) and len(value) <= _MAX_FACT:
                self.end_attrs[name] = value
        usage = values.get("usage")
        # A read of an existing job (retrieve, cancel, its items) reports no usage: the
        # call that produced the output did, and polling would count it again.
        if usage is not None and self.job.job_id is None:
            self.rec.usage(self, usage_numbers(usage))
        self._observe_jobs(result, values)

    def _observe_jobs(self, obj: Any, values: dict[str, Any]) -> None:
        kind = values.get("object")
        if kind == "list":
            items = values.get("data")
            if isinstance(items, list):
                for item in items[:1000]:
                    values = values_of(item)
                    if values.get("object") in JOB_OBJECTS:
                        self._observe_job(item, values, single=False)
        elif kind in JOB_OBJECTS:  # a chat completion, an embedding...: one set lookup
            self._observe_job(obj, values, single=True)

    def observe_job(self, job: Any) -> None:
        """A job a stream event carries (a turn, a session): recorded once; its end is
        no failure of the stream that told it."""
        self._observe_job(job, values_of(job), single=False)

    def _observe_job(self, obj: Any, values: dict[str, Any], single: bool) -> None:
        is_response = values.get("object") == "response"
        status = values.get("status")
        if single and is_response and isinstance(status, str):
            self.end_attrs[semconv.GEN_AI_RESPONSE_STATUS] = status
        background = values.get("background") is True
        if is_response and not background:
            # a foreground Response is the call's own result, not a job; only one that
            # did not complete needs reading
            if (single and status != "completed" and not self.streaming
                    and self.job.job_id is None):
                self._generation_ended(obj)
            return
        facts = job_facts(obj)
        if facts is None or facts.job_id is None or not (single or facts.surface.listed):
            return
        if single:
            names = self.rec.names
            self.end_attrs[names.job_type] = facts.surface.name
            self.end_attrs[names.job_status] = facts.status
            if background:
                self.end_attrs[names.response_background] = True
        key = job_key(facts.surface.name, facts.job_id)
        if not facts.terminal:
            self.rt.tracker.created(key, self.span.get_span_context())
            return
        failure = classify_job_facts(facts)
        if (failure is not None and facts.outcome in FAILURES and single
                and self.job.fetch and self.rt.settings.raise_job_failures):
            self.job_to_raise = (failure, obj)
        if not self.rt.tracker.first_end(facts.surface, facts.job_id, facts.outcome):
            return
        # A stream that itself failed with this job's end has logged it already.
        logged = self.stream_failure is not None and self.streaming
        self.rec.job_ended(self, JobEnd(
            facts.surface.name, facts.job_id, facts.status, failure,
            facts.outcome in FAILURES and not logged), time.perf_counter())

    def _generation_ended(self, response: Any) -> None:
        """The Response this create returned: ended without its result, the call failed."""
        failure = classify_job_facts(job_facts(response))
        if failure is not None and failure.code is not ErrorCode.CANCELLED:
            self.generation_failure = failure._replace(source=Source.RESPONSE)
            self.rec.operation_failed_log(self, self.generation_failure, False,
                                          time.perf_counter())

    # -- failures -------------------------------------------------------------------

    def raised(self, error: BaseException, after_response: bool = False) -> None:
        """request() or the stream raised: the operation failed with this code."""
        try:
            attempt = self.attempt
            if (attempt is not None and attempt.pending is not None
                    and raised_from(attempt, error)):
                # the SDK raises what the attempt answered, its body parsed (and read, if
                # it was not): classified from the exception, the body parsed once
                _, view, _ = attempt.pending
                attempt.pending = None
                failure = classify_answered(error, view)  # headers read once, at the answer
                attempt.classification = failure._replace(source=Source.HTTP)
                attempt_failed = True
            else:
                known = self._settle(attempt) if attempt is not None else None
                attempt_failed = known is not None
                if known is not None and attempt is not None and raised_from(attempt, error):
                    # a transport failure the SDK wraps: the same facts, read once
                    failure = known._replace(source=Source.EXCEPTION)
                else:
                    failure = classify_exception(error, after_response=after_response)
            self.finish_attempt(will_retry=False)
            self.raised_failure = failure
            self.rec.exception(self, error, failure)
            if not attempt_failed:
                self.rec.operation_failed_log(self, failure, self.streaming,
                                              time.perf_counter())
        finally:
            self.end(semconv.STREAM_FAILED if self.streaming else None)

    def stream_failed(self, failure: Classification, *, job_end: bool = False) -> None:
        """A stream event said the response failed (``error``, ``response.failed``...).

        ``job_end``: the event is a job's own end (``response.failed`` of a Response),
        which is no failure of a call that only reads that job."""
        if job_end and self.job.fetch:
            return
        if self.failure is None:
            self.stream_failure = failure
            self.rec.operation_failed_log(self, failure, True, time.perf_counter())

    def chunk_finished(self, choices: Any) -> None:
        """A stream chunk that ends one or more choices: their finish reasons, in order."""
        reasons = finish_reasons(choices)
        if reasons is not None:
            key = semconv.GEN_AI_RESPONSE_FINISH_REASONS
            earlier = self.end_attrs.get(key)
            if isinstance(earlier, tuple) and len(earlier) < _MAX_CHOICES:
                reasons = earlier + reasons
            self.end_attrs[key] = reasons

    def first_chunk(self) -> None:
        self.rec.first_chunk(self, time.perf_counter() - self.start)

    def end(self, outcome: Optional[str] = None) -> None:
        """End the span and record the duration, once."""
        if self.ended:
            return
        self.ended = True
        try:
            self.finish_attempt(will_retry=False)
        finally:
            self.rec.operation_ended(self, self.failure, outcome,
                                     time.perf_counter() - self.start)


def end_quietly(op: Operation) -> None:
    """End ``op`` after our own failure, so its span never stays open; never raises."""
    with contextlib.suppress(Exception):
        op.end()
