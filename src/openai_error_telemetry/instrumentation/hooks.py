"""The wrapt wrappers: each one reports to the current ``Operation`` and nothing else.

Every wrapper has the same shape: if instrumentation is off, call through; otherwise
do our part inside a guard (our exception is reported once and swallowed), call the
original exactly as given, and re-raise its exception untouched with a bare ``raise``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from opentelemetry import context as otel_context

from . import runtime as _rt
from .attempt import Attempt
from .bodies import available_body
from .guard import report
from .names import verb_name
from .operation import CURRENT, Operation, end_quietly
from .resources import CALLED, called_method, caller_frame
from .streams import trace_stream
from .webhooks import observe_webhook

Wrapped = Callable[..., Any]


def _options(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return args[1] if len(args) > 1 else kwargs["options"]


def _name(runtime: _rt.Runtime, client: Any, options: Any) -> str:
    """The resource method that made this request (found on the stack), else its
    listing's name (an awaited paginator, a next page), else its verb."""
    # from the frame that called the request hook up (under it: _start_operation, _name)
    name = called_method(caller_frame(3))
    if name is not None:
        return name
    called = CALLED.get()
    if called is not None and called[0] is client:
        return called[1]
    return runtime.pages.name_of(options) or verb_name(str(options.method))


def _start_operation(
    instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Optional[Operation]:
    """Every request() is an operation of its own, also one made inside another call."""
    runtime = _rt.get_runtime()
    if runtime is None:
        return None
    try:
        if runtime.providers_unchecked:
            runtime.check_providers()
        options = _options(args, kwargs)
        return Operation(runtime, instance, options, _name(runtime, instance, options))
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
        op.rt.pages.remember(result, op.name)  # a first page: its next ones keep the name
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
    token = CURRENT.set(op)
    context_token = otel_context.attach(op.context)
    try:
        result = wrapped(*args, **kwargs)
    except BaseException as error:
        _raised(op, error)
        raise
    finally:
        otel_context.detach(context_token)
        CURRENT.reset(token)
    return _returned(op, result, is_async=False)


async def request_async(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """AsyncAPIClient.request: one operation, whatever the endpoint."""
    op = _start_operation(instance, args, kwargs)
    if op is None:
        return await wrapped(*args, **kwargs)
    token = CURRENT.set(op)
    context_token = otel_context.attach(op.context)
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as error:
        _raised(op, error)
        raise
    finally:
        otel_context.detach(context_token)
        CURRENT.reset(token)
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


def _read_body(response: Any) -> Any:
    """The body the SDK has read, else the part of it already received if that is all of
    it (``bodies.py``): an unread body (a streamed request's error, which the SDK closes
    unread before a retry) is never read, waited for or consumed here."""
    content = getattr(response, "_content", None)
    if isinstance(content, bytes):
        return content
    try:
        return available_body(response)
    except Exception as error:
        report("attempt.available_body", error)
        return None


def _answered(op: Operation, attempt: Attempt, response: Any) -> None:
    try:
        status = int(response.status_code)
        body = _read_body(response) if status >= 400 else None
        op.attempt_answered(attempt, status, response.headers, body)
    except Exception as error:
        report("attempt.answered", error)


def _attempt_raised(op: Operation, attempt: Attempt, error: BaseException) -> None:
    try:
        op.attempt_raised(attempt, error)
    except Exception as own:
        report("attempt.raised", own)


def _current_for(instance: Any, via_transport: bool) -> Optional[Operation]:
    op = CURRENT.get()
    if op is None or op.ended:
        return None
    if instance is not (op.http_client if via_transport else op.client):
        return None  # another client's request, made inside this call
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
        _answered(op, attempt, response)
        return response

    return send


# APIClient._send_request(self, request, *, stream, **kwargs): openai >= 2.31
send_request = _make_send(0, via_transport=False)
send_request_async = _make_send_async(0, via_transport=False)
# httpx.Client.send(self, request, ...): older SDKs; only the SDK client's own sends count
transport_send = _make_send(0, via_transport=True)
transport_send_async = _make_send_async(0, via_transport=True)


# -- operation names of paginated lists ---------------------------------------------


def paginator_init(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """AsyncPaginator.__init__: an async ``list()`` requests only when awaited, outside
    the method; its name is read now, while that method is on the stack."""
    result = wrapped(*args, **kwargs)
    runtime = _rt.get_runtime()
    if runtime is not None:
        try:
            name = called_method(caller_frame(1))
            if name is not None:
                runtime.pages.remember(instance, name)
        except Exception as error:
            report("page.paginator", error)
    return result


def _listing(instance: Any) -> Any:
    """(runtime, client, name) of the listing a page belongs to, or None."""
    runtime = _rt.get_runtime()
    if runtime is None:
        return None
    try:
        name = runtime.pages.name_of(getattr(instance, "_options", None))
        return None if name is None else (runtime, getattr(instance, "_client", None), name)
    except Exception as error:
        report("page.next", error)
        return None


def _remember(runtime: _rt.Runtime, page: Any, name: str) -> None:
    try:
        runtime.pages.remember(page, name)
    except Exception as error:
        report("page.next", error)


def next_page(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """BaseSyncPage.get_next_page: the next page's request has its listing's name."""
    listing = _listing(instance)
    if listing is None:
        return wrapped(*args, **kwargs)
    runtime, client, name = listing
    token = CALLED.set((client, name))
    try:
        page = wrapped(*args, **kwargs)
    finally:
        CALLED.reset(token)
    _remember(runtime, page, name)
    return page


async def next_page_async(
    wrapped: Wrapped, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """BaseAsyncPage.get_next_page, as ``next_page``."""
    listing = _listing(instance)
    if listing is None:
        return await wrapped(*args, **kwargs)
    runtime, client, name = listing
    token = CALLED.set((client, name))
    try:
        page = await wrapped(*args, **kwargs)
    finally:
        CALLED.reset(token)
    _remember(runtime, page, name)
    return page


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
    op = _current_for(instance, via_transport=False)
    if op is not None:
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
    op = _current_for(instance, via_transport=False)
    if op is None or not op.rt.settings.retry_guard:
        return verdict
    try:
        if op.guard_stops():
            return False
    except Exception as error:
        report("retry.guard", error)
    return verdict
