"""Stable error codes and telemetry for every way an OpenAI call can fail.

The public face. Names that need the ``openai`` SDK (and so ``httpx``/``httpx2``) are
loaded on first use, so ``from openai_error_telemetry import classify`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .classification import Classification
from .codes import CODE_INFO, CodeInfo, ErrorCode

if TYPE_CHECKING:
    from .classify import (
        classify,
        classify_batch_line,
        classify_exception,
        classify_http,
        classify_response,
        classify_stream_event,
        is_retryable,
    )
    from .errors import ClassifiedError, raise_for_response, raise_for_stream_event
    from .instrumentation import OpenAIErrorTelemetryInstrumentor, instrument, uninstrument

__version__ = "0.1.0"

_LAZY = {
    "classify": ".classify",
    "classify_batch_line": ".classify",
    "classify_exception": ".classify",
    "classify_http": ".classify",
    "classify_response": ".classify",
    "classify_stream_event": ".classify",
    "is_retryable": ".classify",
    "ClassifiedError": ".errors",
    "raise_for_response": ".errors",
    "raise_for_stream_event": ".errors",
    "instrument": ".instrumentation",
    "uninstrument": ".instrumentation",
    "OpenAIErrorTelemetryInstrumentor": ".instrumentation",
}

__all__ = [
    "CODE_INFO",
    "Classification",
    "ClassifiedError",
    "CodeInfo",
    "ErrorCode",
    "OpenAIErrorTelemetryInstrumentor",
    "classify",
    "classify_batch_line",
    "classify_exception",
    "classify_http",
    "classify_response",
    "classify_stream_event",
    "instrument",
    "is_retryable",
    "raise_for_response",
    "raise_for_stream_event",
    "uninstrument",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
