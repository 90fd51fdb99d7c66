"""Stream proxies: the operation span lives until the stream is done with.

A stream ends in one of four ways and each ends the span once: exhausted (OK, or
failed if an ``error`` / ``response.failed`` event came or a Responses stream stopped
without a terminal event), raised (failed, transport drops are ``stream_interrupted``),
closed early, or abandoned and garbage collected (OK, with the outcome recorded).
The proxies behave like the SDK's ``Stream`` / ``AsyncStream`` in every other respect,
and ``stream.response`` stays the SDK's own response object, of its own type.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import sys
import weakref
from typing import Any, Optional

import wrapt

from ..classification import Classification, Source
from ..classify import classify_stream_event
from ..classify.jobfacts import job_in_event
from ..classify.jobs import surface_by_event
from ..codes import ErrorCode
from ..telemetry import semconv
from .guard import report
from .operation import Operation, end_quietly

_FAILURE_EVENTS = frozenset({"error", "response.failed", "response.incomplete"})
_TERMINAL_EVENTS = frozenset(
    {"response.completed", "response.failed", "response.incomplete", "response.cancelled", "error"}
)


def stream_interrupted() -> Classification:
    """A Responses stream that ended without a terminal event."""
    return Classification(
        code=ErrorCode.STREAM_INTERRUPTED, retryable=True, source=Source.STREAM_EVENT
    )


class StreamWatcher:
    """What the proxies report to; shared by the sync and async versions."""

    __slots__ = ("done", "op", "reading", "responses_events", "seen_first", "terminal")

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.seen_first = False
        self.responses_events = False
        self.terminal = False
        self.done = False
        self.reading = False  # inside the SDK's __next__: its own closes end nothing

    def item(self, item: Any) -> None:
        op = self.op
        if not self.seen_first:
            self.seen_first = True
            op.first_chunk()
        # A model's fields are in its __dict__: reading them there skips pydantic's
        # __getattr__, which raises (and costs microseconds) for an absent ``type``.
        values = getattr(item, "__dict__", None)
        if isinstance(values, dict):
            kind = values.get("type")
            usage = values.get("usage")
            choices = values.get("choices")
        else:
            kind = getattr(item, "type", None)
            usage = getattr(item, "usage", None)
            choices = None
        if isinstance(kind, str) and kind.startswith(("response.", "error")):
            self._responses_event(kind, item)
        elif isinstance(kind, str) and surface_by_event(kind) is not None:
            job = job_in_event(item)  # an Agents session event: a turn, the session
            if job is not None:
                op.observe_job(job)
        elif usage is not None or op.response_model is None:
            op.observe_model(item)  # reads its finish reasons too
        elif choices and _finishes(choices):
            op.chunk_finished(choices)

    def _responses_event(self, kind: str, item: Any) -> None:
        self.responses_events = True
        op = self.op
        if kind in _TERMINAL_EVENTS:
            self.terminal = True
        if kind in _FAILURE_EVENTS:
            failure = classify_stream_event(item)
            if failure is not None:
                op.stream_failed(failure, job_end=kind != "error")
        response = getattr(item, "response", None)
        if response is not None and (kind in _TERMINAL_EVENTS or op.response_model is None):
            op.observe_model(response)

    def exhausted(self) -> None:
        if self.done:
            return
        self.done = True
        if self.responses_events and not self.terminal:
            self.op.stream_failed(stream_interrupted())
        outcome = semconv.STREAM_FAILED if self.op.failure is not None else semconv.STREAM_COMPLETED
        self.op.end(outcome)

    def raised(self, error: BaseException) -> None:
        if self.done:
            return
        self.done = True
        self.op.raised(error, after_response=True)

    def stopped(self, outcome: str) -> None:
        if self.done:
            return
        self.done = True
        self.op.end(outcome)


def _guarded(hook: str, call: Any, *args: Any) -> None:
    try:
        call(*args)
    except Exception as error:  # never let our bookkeeping break the user's stream
        report(hook, error)


def _finished(hook: str, watcher: StreamWatcher, call: Any, *args: Any) -> None:
    """The stream is over: report our failure, and end the span whatever failed."""
    try:
        call(*args)
    except Exception as error:
        report(hook, error)
        watcher.done = True
        end_quietly(watcher.op)


def _closed(watcher: StreamWatcher) -> None:
    _finished("stream.closed", watcher, watcher.stopped, semconv.STREAM_CLOSED)


def _abandoned(proxy: Any) -> None:
    """Garbage collected unfinished: end the span (silently, even at interpreter exit)."""
    with contextlib.suppress(Exception):  # a finalizer must never raise or print
        watcher = proxy._self_watcher
        try:
            watcher.stopped(semconv.STREAM_ABANDONED)
        finally:
            end_quietly(watcher.op)


@functools.lru_cache(maxsize=8)
def _own_closers(response_type: Any, name: str) -> frozenset[str]:
    """Files whose closes are a stream ending, not a user's close: the SDK's streaming
    module (openai 3.x closes the response in its generators' ``finally``, at the end of
    a read and when an abandoned stream is collected) and the response class's own
    module (httpx closes a response when its body is read to the end)."""
    files = set()
    with contextlib.suppress(Exception):
        from openai import _streaming

        files.add(_streaming.__file__)
    with contextlib.suppress(Exception):
        files.add(getattr(response_type, name).__code__.co_filename)
    return frozenset(files)


def _watch_close(stream: Any, watcher: StreamWatcher, name: str) -> None:
    """Know when the stream's HTTP response is closed, without replacing it.

    The SDK's stream helpers (``chat.completions.stream()``, ``responses.stream()``)
    close a stream by closing its ``response`` directly, so that close must end the span
    too. The response the user sees stays the SDK's own object, of its own type: only
    its ``close`` (``aclose`` for async) is shadowed on the instance. A close made while
    we are reading, or by the SDK's or httpx's own code, is the stream ending, which the
    read (or abandonment) reports. The hook holds the response weakly: no cycle.
    """
    response: Any = getattr(stream, "response", None)
    original = getattr(response, name, None) if response is not None else None
    if original is None:
        return
    own = _own_closers(response.__class__, name)
    target: Any = weakref.WeakMethod(original) if inspect.ismethod(original) else (
        lambda: original
    )

    def closed() -> None:
        if not watcher.reading and sys._getframe(2).f_code.co_filename not in own:
            _closed(watcher)

    if name == "aclose":
        async def aclose(*args: Any, **kwargs: Any) -> Any:
            call = target()
            try:
                return None if call is None else await call(*args, **kwargs)
            finally:
                closed()

        hook: Any = aclose
    else:
        def close(*args: Any, **kwargs: Any) -> Any:
            call = target()
            try:
                return None if call is None else call(*args, **kwargs)
            finally:
                closed()

        hook = close
    try:
        setattr(response, name, hook)
    except Exception as error:  # a response that takes no attributes: closes go unseen
        report("stream.watch_close", error)


class TracedStream(wrapt.ObjectProxy):  # type: ignore[type-arg]
    """Proxy of ``openai.Stream`` that ends the operation span with the stream."""

    def __init__(self, wrapped: Any, watcher: StreamWatcher) -> None:
        super().__init__(wrapped)
        self._self_watcher = watcher
        _watch_close(wrapped, watcher, "close")

    def __iter__(self) -> TracedStream:
        return self

    def __next__(self) -> Any:
        watcher = self._self_watcher
        watcher.reading = True
        try:
            item = self.__wrapped__.__next__()
        except StopIteration:
            _finished("stream.exhausted", watcher, watcher.exhausted)
            raise
        except BaseException as error:
            _finished("stream.raised", watcher, watcher.raised, error)
            raise
        finally:
            watcher.reading = False
        _guarded("stream.item", watcher.item, item)
        return item

    def __enter__(self) -> TracedStream:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Optional[bool]:
        try:
            result: Optional[bool] = self.__wrapped__.__exit__(*exc_info)
        finally:
            _closed(self._self_watcher)
        return result

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            _closed(self._self_watcher)

    def __copy__(self) -> Any:
        """As plain: a copy of the SDK's stream (wrapt's proxies refuse to be copied)."""
        return copy.copy(self.__wrapped__)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(self.__wrapped__, memo)

    def __del__(self) -> None:
        _abandoned(self)


class TracedAsyncStream(wrapt.ObjectProxy):  # type: ignore[type-arg]
    """Proxy of ``openai.AsyncStream`` that ends the operation span with the stream."""

    def __init__(self, wrapped: Any, watcher: StreamWatcher) -> None:
        super().__init__(wrapped)
        self._self_watcher = watcher
        _watch_close(wrapped, watcher, "aclose")

    def __aiter__(self) -> TracedAsyncStream:
        return self

    async def __anext__(self) -> Any:
        watcher = self._self_watcher
        watcher.reading = True
        try:
            item = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            _finished("stream.exhausted", watcher, watcher.exhausted)
            raise
        except BaseException as error:
            _finished("stream.raised", watcher, watcher.raised, error)
            raise
        finally:
            watcher.reading = False
        _guarded("stream.item", watcher.item, item)
        return item

    async def __aenter__(self) -> TracedAsyncStream:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> Optional[bool]:
        try:
            result: Optional[bool] = await self.__wrapped__.__aexit__(*exc_info)
        finally:
            _closed(self._self_watcher)
        return result

    async def close(self) -> None:
        try:
            await self.__wrapped__.close()
        finally:
            _closed(self._self_watcher)

    def __copy__(self) -> Any:
        """As plain: a copy of the SDK's stream (wrapt's proxies refuse to be copied)."""
        return copy.copy(self.__wrapped__)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(self.__wrapped__, memo)

    def __del__(self) -> None:
        _abandoned(self)


def trace_stream(stream: Any, op: Operation, is_async: bool) -> Any:
    """Wrap a Stream/AsyncStream so the operation span ends with it."""
    watcher = StreamWatcher(op)
    if is_async:
        return TracedAsyncStream(stream, watcher)
    return TracedStream(stream, watcher)


def _finishes(choices: Any) -> bool:
    """Whether a chunk ends a choice: its last choice has a finish reason (one dict read
    per chunk; most chunks end nothing)."""
    if not isinstance(choices, list):
        return False
    values = getattr(choices[-1], "__dict__", None)
    return isinstance(values, dict) and values.get("finish_reason") is not None
