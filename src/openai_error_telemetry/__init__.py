"""Stable error codes and telemetry for every way an OpenAI call can fail.

The public face. The classifier (standard library only) is imported eagerly: the
function ``classify`` must win over the subpackage of the same name, which the import
system would otherwise bind here the first time anything imports it. Names that need
the ``openai`` SDK (and so ``httpx``/``httpx2``) are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .classification import Classification
from .classify import (
    classify,
    classify_batch_line,
    classify_exception,
    classify_http,
    classify_job,
    classify_stream_event,
    classify_webhook_event,
    is_retryable,
)
from .codes import CODE_INFO, CodeInfo, ErrorCode

if TYPE_CHECKING:
    from .errors import ClassifiedError, raise_for_job, raise_for_response, raise_for_stream_event
    from .instrumentation import OpenAIErrorTelemetryInstrumentor, instrument, uninstrument
    from .telemetry.shutdown import shutdown_telemetry

__version__ = "0.1.0"

_LAZY = {
    "ClassifiedError": ".errors",
    "raise_for_job": ".errors",
    "raise_for_response": ".errors",
    "raise_for_stream_event": ".errors",
    "instrument": ".instrumentation",
    "uninstrument": ".instrumentation",
    "OpenAIErrorTelemetryInstrumentor": ".instrumentation",
    "shutdown_telemetry": ".telemetry.shutdown",
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
    "classify_job",
    "classify_stream_event",
    "classify_webhook_event",
    "instrument",
    "is_retryable",
    "raise_for_job",
    "raise_for_response",
    "raise_for_stream_event",
    "shutdown_telemetry",
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
