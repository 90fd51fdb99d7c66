"""The wrapt wrappers: each one reports to the current ``Operation`` and nothing else.

Every wrapper has the same shape: if instrumentation is off, call through; otherwise
do our part inside a guard (our exception is reported once and swallowed), call the
original exactly as given, and re-raise its exception untouched with a bare ``raise``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from opentelemetry import context as otel_context

from . import runtime as _rt
from .guard import report
from .operation import Attempt, Operation, end_quietly
from .streams import trace_stream
from .webhooks import observe_webhook

Wrapped = Callable[..., Any]


def _options(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[1] if len(args) > 1 else kwargs["options"]


def _start_operation(
    instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Optional[Operation]:
    runtime = _rt.get_runtime()
    if runtime is None or _rt.CURRENT.get() is not None:
        return None
    try:
        return Operation(runtime, instance, _options(args, kwargs))
    except Exception as error:
        report("operation.start", error)
        return None


def _returned(op: Operation, result: Any, is_async: bool) -> Any:
    """End the operation (or hand it to a stream proxy); on our error, the bare result.

    With ``raise_job_failures`` on, a retrieve of a job that failed raises its
    classified exception here, the one exception that is ours by design."""
    try:
        layout = op.rt.layout
        stream_type = layout.async_stream_type if is_async else layout.stream_type
        if isinstance(result, stream_type):
            op.streaming = True
            op.returned(result)
            return trace_stream(result, op, is_async)
        op.returned(result)
    except Exception as error:
        report("operation.returned", error)
        end_quietly(op)  # the bare result goes back: nothing else would end the span
        return result
    if op.job_to_raise is not None:
        _raise_job(*op.job_to_raise)
    return result


def _raise_job(classification: Any, job: Any) -> None:
    try:
        from ..errors import error_for

        failure = error_for(classification, job)
    except Exception as error:
        report("operation.raise_job", error)
        return
    raise failure


def _raised(op: Operation, error: BaseException) -> None:
    try:
        op.raised(error)
    except Exception as own:
        report("operation.raised", own)
        end_quietly(op)


def request(wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """SyncAPIClient.request: one operation, whatever the endpoint."""
    op = _start_operation(instance, args, kwargs)
    if op is None:
        return wrapped(*args, **kwargs)
    token = _rt.CURRENT.set(op)
    context_token = otel_context.attach(op.context)
    try:
        result = wrapped(*args, **kwargs)
    except BaseException as error:
        _raised(op, error)
        raise
    finally:
        otel_context.detach(context_token)
        _rt.CURRENT.reset(token)
    return _returned(op, result, is_async=False)


async def request_async(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """AsyncAPIClient.request: one operation, whatever the endpoint."""
    op = _start_operation(instance, args, kwargs)
    if op is None:
        return await wrapped(*args, **kwargs)
    token = _rt.CURRENT.set(op)
    context_token = otel_context.attach(op.context)
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as error:
        _raised(op, error)
        raise
    finally:
        otel_context.detach(context_token)
        _rt.CURRENT.reset(token)
    return _returned(op, result, is_async=True)


# -- one HTTP attempt -----------------------------------------------------------------


def _request_of(args: tuple[Any, ...], kwargs: dict[str, Any], index: int) -> Any:
    return args[index] if len(args) > index else kwargs["request"]


def _begin_attempt(op: Operation, http_request: Any) -> Optional[Attempt]:
    try:
        return op.begin_attempt(str(http_request.method), http_request.url)
    except Exception as error:
        report("attempt.begin", error)
        return None


def _needs_body(response: Any) -> bool:
    """An error answer whose body is still unread (streamed requests)."""
    return int(response.status_code) >= 400 and not response.is_closed


def _body(response: Any) -> Any:
    try:
        return response.content
    except Exception:  # never read: classify by status and headers alone
        return None


def _answered(op: Operation, attempt: Attempt, response: Any) -> None:
    try:
        status = int(response.status_code)
        body = _body(response) if status >= 400 else None
        op.attempt_answered(attempt, status, response.headers, body)
    except Exception as error:
        report("attempt.answered", error)


def _attempt_raised(op: Operation, attempt: Attempt, error: BaseException) -> None:
    try:
        op.attempt_raised(attempt, error)
    except Exception as own:
        report("attempt.raised", own)


def _read_error_body(response: Any) -> None:
    try:
        if _needs_body(response):
            response.read()
    except Exception as error:
        report("attempt.read_body", error)


async def _aread_error_body(response: Any) -> None:
    try:
        if _needs_body(response):
            await response.aread()
    except Exception as error:
        report("attempt.read_body", error)


def _current_for(instance: Any, via_transport: bool) -> Optional[Operation]:
    op = _rt.CURRENT.get()
    if op is None or op.ended:
        return None
    if via_transport and instance is not op.http_client:
        return None
    return op


def _make_send(request_index: int, via_transport: bool) -> Callable[..., Any]:
    def send(wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        op = _current_for(instance, via_transport)
        attempt = _begin_attempt(op, _request_of(args, kwargs, request_index)) if op else None
        if op is None or attempt is None:
            return wrapped(*args, **kwargs)
        try:
            response = wrapped(*args, **kwargs)
        except BaseException as error:
            _attempt_raised(op, attempt, error)
            raise
        _read_error_body(response)
        _answered(op, attempt, response)
        return response

    return send


def _make_send_async(request_index: int, via_transport: bool) -> Callable[..., Any]:
    async def send(
        wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        op = _current_for(instance, via_transport)
        attempt = _begin_attempt(op, _request_of(args, kwargs, request_index)) if op else None
        if op is None or attempt is None:
            return await wrapped(*args, **kwargs)
        try:
            response = await wrapped(*args, **kwargs)
        except BaseException as error:
            _attempt_raised(op, attempt, error)
            raise
        await _aread_error_body(response)
        _answered(op, attempt, response)
        return response

    return send


# APIClient._send_request(self, request, *, stream, **kwargs): openai >= 2.31
send_request = _make_send(0, via_transport=False)
send_request_async = _make_send_async(0, via_transport=False)
# httpx.Client.send(self, request, ...): older SDKs; only the SDK client's own sends count
transport_send = _make_send(0, via_transport=True)
transport_send_async = _make_send_async(0, via_transport=True)


# -- webhooks -------------------------------------------------------------------------


def webhook_unwrap(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Webhooks.unwrap: a verified event about a job that ended is that job's end."""
    event = wrapped(*args, **kwargs)
    runtime = _rt.get_runtime()
    if runtime is not None:
        try:
            observe_webhook(runtime, event)
        except Exception as error:
            report("webhook.unwrap", error)
    return event


# -- retry decisions ------------------------------------------------------------------


def calculate_retry_timeout(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """BaseClient._calculate_retry_timeout: called only when the SDK will retry, and
    returns exactly the delay it is about to sleep."""
    delay = wrapped(*args, **kwargs)
    op = _rt.CURRENT.get()
    if op is not None and not op.ended:
        try:
            op.retry_planned(float(delay))
        except Exception as error:
            report("retry.planned", error)
    return delay


def should_retry(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """BaseClient._should_retry under the retry guard: never retry what cannot succeed."""
    verdict = wrapped(*args, **kwargs)
    if not verdict:
        return verdict
    op = _rt.CURRENT.get()
    if op is None or op.ended or not op.rt.settings.retry_guard:
        return verdict
    try:
        if op.guard_stops():
            return False
    except Exception as error:
        report("retry.guard", error)
    return verdict
