"""The GenAI conventions' ``gen_ai.client.operation.exception`` log event.

One OpenTelemetry log record (severity WARN, as the conventions ask) for each exception
an operation raises to its caller, in the context of the operation's span. It carries
``exception.type`` (the class, as ``module.QualName``), our code as ``error.type`` and
the operation's low-cardinality attributes, never ``exception.message`` or a stack trace:
a provider's message may echo the prompt, and we record failures, not conversations.
It goes wherever the application's ``LoggerProvider`` sends logs; with none set, the
API's no-op logger drops it.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from opentelemetry._logs import Logger, LoggerProvider, LogRecord, SeverityNumber, get_logger
from opentelemetry.context import Context

from .. import __version__
from ..classification import Classification
from . import semconv
from .attributes import Attributes


def exception_logger(logger_provider: Optional[LoggerProvider] = None) -> Logger:
    return get_logger(semconv.METER_NAME, __version__, logger_provider,
                      schema_url=semconv.SCHEMA_URL)


def exception_type(error: BaseException) -> str:
    """``openai.RateLimitError``: the name the official helper gives the same class."""
    cls = type(error)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _record(**fields: Any) -> LogRecord:
    try:
        return LogRecord(**fields)
    except TypeError:  # an opentelemetry-api from before event_name: as an attribute
        name = fields.pop("event_name")
        fields["attributes"] = {**fields["attributes"], "event.name": name}
        return LogRecord(**fields)


def emit_operation_exception(logger: Logger, error: BaseException, failure: Classification,
                             attributes: Callable[[], Attributes], context: Context) -> None:
    """``attributes`` makes the operation's attribute set (a new dict, the record's own),
    only after the logger said it wants the record: with no LoggerProvider set, nothing
    is built."""
    enabled = getattr(logger, "enabled", None)  # an older API has no enabled()
    if enabled is not None and not enabled(context=context, severity_number=SeverityNumber.WARN,
                                           event_name=semconv.EVENT_OPERATION_EXCEPTION):
        return
    record_attributes: dict[str, Any] = attributes()
    record_attributes[semconv.EXCEPTION_TYPE] = exception_type(error)
    record_attributes[semconv.ERROR_TYPE] = failure.code.value
    logger.emit(_record(
        event_name=semconv.EVENT_OPERATION_EXCEPTION,
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        attributes=record_attributes,
        context=context,
    ))
