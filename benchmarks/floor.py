"""The floor: the bare cost of writing exactly what ours writes, with nothing decided.

Ours minus the floor is what our own work costs (reading the answer, classifying,
choosing what to write); the floor minus the plain SDK is what OpenTelemetry and
structlog charge for writing it, which no instrumentation that records the same can
avoid. So the floor writes, call for call, what ``tools.py``'s ours writes in the
benchmark's cases (the same spans with the same attributes, the same metric points with
the same attribute sets, the same log events with the same fields, the operation's span
current during the call), from mappings built in advance. Checked against ours by
``tests/test_benchmarks.py``.

Shapes (``docs/telemetry.md``): one operation span; an attempt span per try only when
the SDK made more than one (the retried try's is written when the SDK sleeps before its
retry); the attempt count (an integer, reported at collection, as ours); the duration;
token points; the time to first chunk of a stream; a retry's delay point and span event;
an ``openai.attempt.failed`` log event per failed try.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.metrics import Observation
from opentelemetry.trace import SpanKind, Status, StatusCode

from openai_error_telemetry.codes import CODE_INFO  # the status descriptions, as ours
from openai_error_telemetry.telemetry.logbudget import LogBudget

MODEL = "gpt-4o-mini"
BASE = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "server.address": "bench.test", "server.port": 80, "gen_ai.request.model": MODEL}
START = {**BASE, "openai.api.type": "chat_completions"}
ANSWERED = {**BASE, "gen_ai.response.model": MODEL}
ATTEMPT = {"http.request.method": "POST", "server.address": "bench.test", "server.port": 80,
           "url.path": "/v1/chat/completions",
           "url.full": "http://bench.test/v1/chat/completions"}
# what each failure of the benchmark's cases says, as ours writes it: (span attributes
# of the failure, the attempt count's extra attributes, the log event's fields)
_RATE = ({"error.type": "rate_limited", "openai.error.retryable": True,
          "openai.failure.source": "http", "openai.error.code": "rate_limit_exceeded",
          "openai.error.type": "requests", "openai.retry_after": 0.006,
          "openai.ratelimit.kind": "requests", "openai.request_id": "req_0123456789abcdef"},
         {"http.response.status_code": 429, "error.type": "rate_limited",
          "openai.ratelimit.kind": "requests"},
         {"error.type": "rate_limited", "retryable": True, "operation": "chat",
          "source": "http", "openai.ratelimit.kind": "requests", "http_status": 429,
          "provider_code": "rate_limit_exceeded", "provider_type": "requests",
          "request_id": "req_0123456789abcdef", "retry_after_s": 0.006, "model": MODEL})
_SERVER = ({"error.type": "server_error", "openai.error.retryable": True,
            "openai.failure.source": "http", "openai.error.code": "server_error",
            "openai.error.type": "server_error",
            "openai.request_id": "req_0123456789abcdef"},
           {"http.response.status_code": 500, "error.type": "server_error"},
           {"error.type": "server_error", "retryable": True, "operation": "chat",
            "source": "http", "http_status": 500, "provider_code": "server_error",
            "provider_type": "server_error", "request_id": "req_0123456789abcdef",
            "model": MODEL})
_TIMEOUT = ({"error.type": "timeout", "openai.error.retryable": True,
             "openai.failure.source": "exception"},
            {"error.type": "timeout"},
            {"error.type": "timeout", "retryable": True, "operation": "chat",
             "source": "exception", "model": MODEL})
# a background Response retrieved failed: its span's facts, its job event, its log
FETCH = {"gen_ai.operation.name": "fetch_response", "gen_ai.provider.name": "openai",
         "server.address": "bench.test", "server.port": 80}
FETCHED = {**FETCH, "gen_ai.response.model": MODEL}
_JOB_END = {"gen_ai.response.status": "failed", "openai.job.type": "response",
            "openai.job.status": "failed", "openai.response.background": True,
            "gen_ai.response.model": MODEL, "http.response.status_code": 200}
_JOB_EVENT = {"openai.job.type": "response", "openai.job.status": "failed",
              "error.type": "server_error", "openai.error.retryable": True,
              "openai.failure.source": "background", "openai.error.code": "server_error",
              "openai.request_id": "req_0123456789abcdef"}
_JOB_LOG = {"error.type": "server_error", "retryable": True, "operation": "fetch_response",
            "source": "background", "provider_code": "server_error",
            "request_id": "req_0123456789abcdef", "model": MODEL, "job_type": "response",
            "job_status": "failed"}
_JOB_COUNTED = {**FETCHED, "openai.job.type": "response", "openai.job.status": "failed",
                "error.type": "server_error"}
_MEANING = {code.value: info.meaning for code, info in CODE_INFO.items()}


def _failure_of(error: BaseException) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    status = getattr(error, "status_code", None)
    return _RATE if status == 429 else _SERVER if status == 500 else _TIMEOUT


def install(pipeline: Any) -> None:
    """Patch the SDK's ``request`` (and its retry sleep) to write the floor's records."""
    import openai
    from openai._base_client import AsyncAPIClient, SyncAPIClient

    tracer = pipeline.tracer_provider.get_tracer("floor")
    meter = pipeline.meter_provider.get_meter("floor")
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
    first_chunk = meter.create_histogram("gen_ai.client.operation.time_to_first_chunk",
                                         unit="s")
    retry_delay = meter.create_histogram("openai.client.retry.delay", unit="s")
    totals: dict[tuple[Any, ...], int] = {}
    meter.create_observable_counter(
        "openai.client.attempts", unit="{attempt}",
        callbacks=[lambda options: [Observation(v, dict(k)) for k, v in totals.items()]])
    jobs = [0]
    meter.create_observable_counter(
        "openai.jobs.ended", unit="{job}",
        callbacks=[lambda options: [Observation(jobs[0], _JOB_COUNTED)] if jobs[0] else []])
    logger = structlog.get_logger("floor")

    def count(attributes: dict[str, Any]) -> None:
        key = tuple(attributes.items())
        totals[key] = totals.get(key, 0) + 1

    # in a storm (not lone calls), as many log events as ours' budget lets through
    budget = None if pipeline.lone_calls else LogBudget()

    def log(level: str, fields: dict[str, Any], span: Any, **facts: Any) -> None:
        if budget is not None and budget.admit("openai.attempt.failed", "rate_limited") is None:
            return
        context = span.get_span_context()
        getattr(logger, level)("openai.attempt.failed", **fields, **facts,
                               trace_id=format(context.trace_id, "032x"),
                               span_id=format(context.span_id, "016x"))

    # this thread's call in flight (the workloads make one at a time per thread):
    # [op span, current try's start (wall, monotonic), tries]
    local = threading.local()

    def begin(stream: bool, fetch: bool) -> tuple[Any, Any, float]:
        start = time.perf_counter()
        if fetch:
            op = tracer.start_span("fetch_response", kind=SpanKind.CLIENT,
                                   attributes={**FETCH, "openai.api.type": "responses"})
        else:
            attributes = {**START, "gen_ai.request.stream": True} if stream else START
            op = tracer.start_span(f"chat {MODEL}", kind=SpanKind.CLIENT,
                                   attributes=attributes)
        token = otel_context.attach(trace.set_span_in_context(op))
        local.current = [op, time.time_ns(), start, 0]
        return op, token, start

    def retried(error: BaseException, delay: float) -> None:
        """The SDK is about to retry: the failed try's span, log, count and delay."""
        current = local.current
        op = current[0]
        span_attrs, count_attrs, fields = _failure_of(error)
        attempt = tracer.start_span(
            "POST", context=trace.set_span_in_context(op), kind=SpanKind.CLIENT,
            attributes={**ATTEMPT, **span_attrs, "http.response.status_code": 429,
                        "openai.retry.will_retry": True, "openai.retry.delay": delay},
            start_time=current[1])
        attempt.set_status(Status(StatusCode.ERROR, _MEANING[span_attrs["error.type"]]))
        count({**BASE, **count_attrs, "openai.retry.will_retry": True})
        log("warning", fields, attempt, attempt=current[3] + 1, will_retry=True,
            retry_delay_s=delay, duration_s=round(time.perf_counter() - current[2], 6))
        attempt.end()
        retry_delay.record(delay, {**BASE, "error.type": span_attrs["error.type"]})
        op.add_event("openai.retry", {"openai.retry.delay": delay,
                                      "http.request.resend_count": current[3] + 1,
                                      "error.type": span_attrs["error.type"]})
        current[1], current[2], current[3] = time.time_ns(), time.perf_counter(), current[3] + 1

    def failed(op: Any, start: float, error: BaseException) -> None:
        current = local.current
        span_attrs, count_attrs, fields = _failure_of(error)
        status = count_attrs.get("http.response.status_code")
        end = dict(span_attrs)
        end["openai.failure.source"] = "exception"
        if status is not None:
            end["http.response.status_code"] = status
        op.set_attributes(end)
        status_of = Status(StatusCode.ERROR, _MEANING[span_attrs["error.type"]])
        op.set_status(status_of)
        logged_on = op
        if current[3]:  # the last of several tries: its span, as ours
            logged_on = tracer.start_span(
                "POST", context=trace.set_span_in_context(op), kind=SpanKind.CLIENT,
                attributes={**ATTEMPT, **span_attrs, "http.request.resend_count": current[3],
                            "openai.retry.will_retry": False, **(
                                {"http.response.status_code": status} if status else {})},
                start_time=current[1])
            logged_on.set_status(status_of)
        count({**BASE, **count_attrs, "openai.retry.will_retry": False})
        log("error", fields, logged_on, attempt=current[3] + 1, will_retry=False,
            duration_s=round(time.perf_counter() - current[2], 6))
        if logged_on is not op:
            logged_on.end()
        duration.record(time.perf_counter() - start,
                        {**BASE, "error.type": span_attrs["error.type"]})
        op.end()

    def job_failed(op: Any, start: float, result: Any) -> None:
        op.set_attributes({"gen_ai.response.id": result.id, **_JOB_END})
        count({**FETCH, "http.response.status_code": 200, "openai.retry.will_retry": False})
        jobs[0] += 1  # the job count: an integer, as the attempt count
        op.add_event("openai.job.ended", {**_JOB_EVENT, "openai.job.id": result.id})
        context = op.get_span_context()
        logger.error("openai.job.failed", **_JOB_LOG, job_id=result.id,
                     duration_s=round(time.perf_counter() - start, 6),
                     trace_id=format(context.trace_id, "032x"),
                     span_id=format(context.span_id, "016x"))
        duration.record(time.perf_counter() - start, FETCHED)
        op.end()

    def answered(op: Any, start: float, result: Any) -> None:
        current = local.current
        if getattr(result, "status", None) == "failed":
            job_failed(op, start, result)
            return
        end: dict[str, Any] = {"gen_ai.response.id": "chatcmpl-1"}
        if current[3]:  # after a retry the successful try has its span too
            tracer.start_span("POST", context=trace.set_span_in_context(op),
                              kind=SpanKind.CLIENT, start_time=current[1],
                              attributes={**ATTEMPT, "http.request.resend_count": current[3],
                                          "http.response.status_code": 200}).end()
        else:
            end["http.response.status_code"] = 200
        count({**BASE, "http.response.status_code": 200, "openai.retry.will_retry": False})
        usage = getattr(result, "usage", None)
        if usage is not None:
            end["gen_ai.response.finish_reasons"] = ("stop",)
            end["gen_ai.usage.input_tokens"] = usage.prompt_tokens
            end["gen_ai.usage.output_tokens"] = usage.completion_tokens
            tokens.record(usage.prompt_tokens, {**ANSWERED, "gen_ai.token.type": "input"})
            tokens.record(usage.completion_tokens, {**ANSWERED, "gen_ai.token.type": "output"})
        end["gen_ai.response.model"] = MODEL
        op.set_attributes(end)
        duration.record(time.perf_counter() - start, ANSWERED)
        op.end()

    def streamed(op: Any, start: float, stream: Any) -> Any:
        """A stream: its first chunk's point, and the end when it is used up."""
        first = True
        for chunk in stream:
            if first:
                first = False
                elapsed = time.perf_counter() - start
                op.set_attribute("gen_ai.response.time_to_first_chunk", elapsed)
                first_chunk.record(elapsed, BASE)
            yield chunk
        op.set_attributes({"http.response.status_code": 200,
                           "gen_ai.response.id": "chatcmpl-1",
                           "gen_ai.response.model": MODEL, "openai.stream.outcome": "completed"})
        count({**BASE, "http.response.status_code": 200, "openai.retry.will_retry": False})
        duration.record(time.perf_counter() - start, ANSWERED)
        op.end()

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def request(self: Any, cast_to: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
            op, token, start = begin(bool(kwargs.get("stream")), options.method == "get")
            try:
                result = original(self, cast_to, options, *args, **kwargs)
            except Exception as error:
                failed(op, start, error)
                raise
            finally:
                otel_context.detach(token)
            if isinstance(result, openai.Stream):
                return _Stream(result, streamed(op, start, result))
            answered(op, start, result)
            return result
        return request

    def wrap_async(original: Callable[..., Any]) -> Callable[..., Any]:
        async def request(self: Any, cast_to: Any, options: Any, *args: Any,
                          **kwargs: Any) -> Any:
            op, token, start = begin(False, options.method == "get")
            try:
                result = await original(self, cast_to, options, *args, **kwargs)
            except Exception as error:
                failed(op, start, error)
                raise
            finally:
                otel_context.detach(token)
            answered(op, start, result)
            return result
        return request

    def wrap_retry(original: Callable[..., Any]) -> Callable[..., Any]:
        def calculate(self: Any, *args: Any, **kwargs: Any) -> Any:
            delay = original(self, *args, **kwargs)
            retried(_Rate(), float(delay))
            return delay
        return calculate

    SyncAPIClient.request = wrap(SyncAPIClient.request)  # type: ignore[method-assign]
    AsyncAPIClient.request = wrap_async(AsyncAPIClient.request)  # type: ignore[method-assign]
    # the SDK's one call made only when it will retry, returning the delay it sleeps
    for client in (SyncAPIClient, AsyncAPIClient):
        client._calculate_retry_timeout = wrap_retry(  # type: ignore[method-assign]
            client._calculate_retry_timeout)


class _Rate(Exception):
    """The retried try of the benchmark's ``retry`` case: a 429."""

    status_code = 429


class _Stream:
    """The SDK's stream as the caller iterates it, the floor's generator inside."""

    def __init__(self, stream: Any, chunks: Any) -> None:
        self._stream = stream
        self._chunks = chunks

    def __iter__(self) -> Any:
        return self._chunks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
