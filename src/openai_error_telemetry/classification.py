"""The classifier's answer: a frozen value that the telemetry turns into attributes."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from .codes import ErrorCode

__all__ = ["Classification", "Source", "Why"]


class Source:
    """Where a failure was seen; also the value of ``openai.failure.source``."""

    EXCEPTION = "exception"
    HTTP = "http"
    BACKGROUND = "background"  # a job (background Response, Batch, run...) seen ended
    WEBHOOK = "webhook"  # a webhook event announcing that a job ended
    RESPONSE = "response"  # the Response a call returned (not a background job) ended failed
    STREAM_EVENT = "stream_event"
    BATCH_LINE = "batch_line"


class Why(NamedTuple):
    """Which rule decided a code, and from which field (``classify --explain``).

    Both are short constants of the classifier (a rule name; a field such as
    ``error.code`` or an exception class name), never text from the failure.
    """

    rule: str
    field: str


class Classification(NamedTuple):
    """One failure, reduced to what a program or a dashboard can act on.

    Immutable (a named tuple: building one costs a fraction of a frozen dataclass, and
    this is built on every failure).

    ``provider_code`` and ``provider_type`` are the raw ``error.code`` and
    ``error.type`` (strings, truncated); ``retry_after`` is in seconds;
    ``rate_limit_kind`` is ``"requests"``, ``"tokens"`` or None; ``decided_by``
    says which rule decided. No message text is kept: messages can quote the request.
    """

    code: ErrorCode
    retryable: bool
    http_status: Optional[int] = None
    provider_code: Optional[str] = None
    provider_type: Optional[str] = None
    retry_after: Optional[float] = None
    rate_limit_kind: Optional[str] = None
    request_id: Optional[str] = None
    source: str = Source.EXCEPTION
    decided_by: Optional[Why] = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping, with the code as a plain string."""
        return {
            "code": self.code.value,
            "retryable": self.retryable,
            "http_status": self.http_status,
            "provider_code": self.provider_code,
            "provider_type": self.provider_type,
            "retry_after_s": self.retry_after,
            "rate_limit_kind": self.rate_limit_kind,
            "request_id": self.request_id,
            "source": self.source,
        }
