"""Our codes in the official OpenTelemetry instrumentation's ``error.type``, without our spans.

``opentelemetry-util-genai``, the helper library behind the official
``opentelemetry-instrumentation-genai-openai``, names a failed invocation by a callback,
``error_type_resolver(exception) -> str | None``, and falls back to the exception's fully
qualified class name (``openai.RateLimitError`` for a rate limit and for an empty wallet
alike). ``error_type_resolver`` below is that callback built on our classifier.

The official OpenAI instrumentation starts its invocations without a resolver, so
``install()`` makes ours the default of every invocation the helper starts without one of
its own (``TelemetryHandler.inference`` and ``.fetch_response``); ``uninstall()`` undoes it::

    from openai_error_telemetry import util_genai
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

    util_genai.install()
    OpenAIInstrumentor().instrument()

An exception we cannot classify (one not from the SDK or its transports) keeps the
helper's own name for it: the resolver answers ``None`` rather than ``unknown``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from .classify import classify_exception
from .codes import ErrorCode
from .instrumentation.guard import report

# The helper's methods that take ``error_type_resolver``.
RESOLVING_METHODS = ("inference", "fetch_response")

_lock = threading.Lock()
_originals: dict[str, Callable[..., Any]] = {}


def error_type_resolver(exception: BaseException) -> str | None:
    """Our code for ``exception`` (``quota_exhausted``, ``rate_limited`` ...), or ``None``
    when we do not know it, so the helper keeps its class name. Never raises."""
    try:
        code = classify_exception(exception).code
    except Exception as error:  # our failure must not become the app's
        report("util_genai.error_type_resolver", error)
        return None
    return None if code is ErrorCode.UNKNOWN else code.value


def _with_our_resolver(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def start(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("error_type_resolver") is None:
            kwargs["error_type_resolver"] = error_type_resolver
        return method(self, *args, **kwargs)

    return start


def _handler_class() -> Any:
    try:
        from opentelemetry.util.genai.handler import TelemetryHandler
    except ImportError as error:
        raise ImportError(
            "openai_error_telemetry.util_genai.install() needs opentelemetry-util-genai "
            "(installed with opentelemetry-instrumentation-genai-openai)"
        ) from error
    return TelemetryHandler


def install() -> None:
    """Make ``error_type_resolver`` the default of the helper's invocations. Idempotent."""
    handler = _handler_class()
    with _lock:
        for name in RESOLVING_METHODS:
            method = getattr(handler, name, None)
            if name in _originals or method is None:
                continue
            _originals[name] = method
            setattr(handler, name, _with_our_resolver(method))


def uninstall() -> None:
    """Give the helper its own methods back."""
    handler = _handler_class()
    with _lock:
        for name, method in _originals.items():
            setattr(handler, name, method)
        _originals.clear()


def installed() -> bool:
    with _lock:
        return bool(_originals)
