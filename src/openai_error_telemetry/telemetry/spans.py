"""How a failure is written onto a span's status."""

from __future__ import annotations

from opentelemetry.trace import Span, Status, StatusCode

from ..classification import Classification
from ..codes import CODE_INFO


def set_failed_status(span: Span, classification: Classification) -> None:
    """Status ERROR with the code's meaning as the description: ``error.type`` already
    names the code (the recorder writes it with the other failure attributes, in the
    span's one attribute mapping), and a provider's message may echo the prompt."""
    span.set_status(Status(StatusCode.ERROR, CODE_INFO[classification.code].meaning))
