"""Span helpers: how a failure and a success are written onto a span."""

from __future__ import annotations

from typing import Optional

from opentelemetry.trace import Span, Status, StatusCode

from ..classification import Classification
from ..codes import CODE_INFO
from .attributes import error_attributes
from .semconv import OLDER_NAMES, OwnNames


def mark_failed(
    span: Span,
    classification: Classification,
    exception: Optional[BaseException] = None,
    record_exception: bool = False,
    names: OwnNames = OLDER_NAMES,
) -> None:
    """Status ERROR, the failure attributes, and the code's meaning as the description:
    ``error.type`` already names the code, and a provider's message may echo the prompt.

    The traceback is recorded only when asked: ``record_exception`` costs hundreds
    of microseconds per failure.
    """
    if not span.is_recording():
        return
    span.set_attributes(error_attributes(classification, names))
    span.set_status(Status(StatusCode.ERROR, CODE_INFO[classification.code].meaning))
    if record_exception and exception is not None:
        span.record_exception(exception)
