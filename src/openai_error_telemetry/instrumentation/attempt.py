"""One HTTP try of an operation, kept until the SDK decides whether to retry it."""

from __future__ import annotations

import time
from typing import Any, Optional

from ..classification import Classification
from ..telemetry import semconv
from ..telemetry.attributes import Attributes
from ..telemetry.urls import full_url


class Attempt:
    """One HTTP try, kept until the SDK decides whether to retry it. Its span is written
    then, with its real start time, and only if there is something to say: a lone
    successful attempt says nothing its operation span does not (telemetry.md)."""

    __slots__ = ("classification", "guard_stopped", "method", "number",
                 "op_attrs", "pending", "start", "start_ns", "status", "url")

    def __init__(self, op_attrs: Attributes, method: str, url: Any, number: int) -> None:
        self.op_attrs = op_attrs  # its operation's span attributes: server address, port
        self.method = method
        self.url = url  # the request's URL object; read only if the attempt gets a span
        self.number = number
        self.start_ns = time.time_ns()
        self.start = time.perf_counter()
        self.status: Optional[int] = None
        self.classification: Optional[Classification] = None
        self.guard_stopped = False
        # an error answer not classified yet: (status, headers, body). Classified when
        # something needs the code (the retry guard, a retry, the attempt's end), or from
        # the SDK's exception if it raises this answer: its body parsed once, by the SDK
        self.pending: Optional[tuple[int, Any, Any]] = None

    @property
    def attributes(self) -> Attributes:
        """Its span's start attributes, built only when it gets a span."""
        op_attrs = self.op_attrs
        attributes: Attributes = {
            semconv.HTTP_REQUEST_METHOD: self.method,
            semconv.SERVER_ADDRESS: op_attrs[semconv.SERVER_ADDRESS],
            semconv.SERVER_PORT: op_attrs[semconv.SERVER_PORT],
            semconv.URL_PATH: str(self.url.path),
            semconv.URL_FULL: full_url(self.url),
        }
        if self.number:
            attributes[semconv.HTTP_REQUEST_RESEND_COUNT] = self.number
        return attributes


def raised_from(attempt: Attempt, error: BaseException) -> bool:
    """Whether ``error`` is the SDK's exception for this attempt's own failure: the
    status error of its HTTP answer, or the wrapper of its transport exception."""
    if attempt.status is not None:
        status = getattr(error, "status_code", None)
        return isinstance(status, int) and status == attempt.status
    return error.__cause__ is not None or error.__context__ is not None
