"""Exceptions for failures that raise nothing, catchable as the SDK's own classes.

A background Response that failed with ``rate_limit_exceeded`` comes back as HTTP 200;
``raise_for_response`` turns it into ``RateLimitedError``, which ``except
openai.RateLimitError`` catches like any 429, while ``except QuotaExhaustedError``
catches only the one that needs a human::

    openai.OpenAIError
     ├── openai.APIError
     │    ├── openai.APIStatusError
     │    │    ├── openai.RateLimitError ........ RateLimitedError, QuotaExhaustedError
     │    │    ├── openai.InternalServerError ... OverloadedError, ServerError
     │    │    ├── openai.BadRequestError ....... ContextLengthExceededError,
     │    │    │                                  InvalidRequestError, ContentFilteredError*
     │    │    ├── openai.AuthenticationError ... AuthError
     │    │    ├── openai.PermissionDeniedError . AccessDeniedError
     │    │    ├── openai.NotFoundError ......... ResourceNotFoundError
     │    │    └── openai.ConflictError ......... ResourceConflictError
     │    ├── openai.APIConnectionError ......... ConnectionFailedError, StreamInterruptedError
     │    │    └── openai.APITimeoutError ....... TimedOutError
     │    ├── openai.APIResponseValidationError . ResponseValidationError
     │    └── ............................... ResponseCancelledError, UnknownFailureError
     └── openai.LengthFinishReasonError ......... OutputTruncatedError
    * ContentFilteredError is also an openai.ContentFilterFinishReasonError.

Every class here is also a ``ClassifiedError`` carrying ``.classification`` and
``.failure`` (the Response or event that failed). ``status_code`` is the status the
same failure has on a synchronous call (429 for a rate limit); what the wire said is
in ``.classification.http_status`` (None: the poll itself succeeded).
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, TypeVar

import openai

from .classification import Classification
from .classify import classify_job, classify_job_facts, classify_stream_event
from .classify.jobfacts import job_facts
from .classify.jobs import Outcome
from .classify.responses import field
from .codes import CODE_INFO, ErrorCode

__all__ = [
    "AccessDeniedError",
    "AuthError",
    "ClassifiedError",
    "ConnectionFailedError",
    "ContentFilteredError",
    "ContextLengthExceededError",
    "InvalidRequestError",
    "OutputTruncatedError",
    "OverloadedError",
    "QuotaExhaustedError",
    "RateLimitedError",
    "ResourceConflictError",
    "ResourceNotFoundError",
    "ResponseCancelledError",
    "ResponseValidationError",
    "ServerError",
    "StreamInterruptedError",
    "TimedOutError",
    "UnknownFailureError",
    "error_for",
    "raise_for_job",
    "raise_for_response",
    "raise_for_stream_event",
]

T = TypeVar("T")


class ClassifiedError(Exception):
    """A failure that arrived as data, raised with its classification."""

    classification: Classification
    failure: object
    contract_code: ClassVar[ErrorCode]

    def __init__(
        self, message: str, *, classification: Classification, failure: object = None
    ) -> None:
        # The SDK's constructors want an HTTP request/response we do not have; set the
        # attributes its callers read instead of calling them.
        Exception.__init__(self, message)
        info = CODE_INFO[classification.code]
        body = _error_body(failure)
        self.__dict__.update(
            classification=classification,
            failure=failure,
            message=message,
            request=None,
            response=None,
            body=body,
            code=classification.provider_code,
            type=classification.provider_type,
            param=body.get("param") if body else None,
            status_code=info.implied_status,
            request_id=classification.request_id,
            completion=None,
        )

    @property
    def retryable(self) -> bool:
        return self.classification.retryable


class RateLimitedError(ClassifiedError, openai.RateLimitError):
    """``rate_limited``: slow down and retry."""

    contract_code = ErrorCode.RATE_LIMITED


class QuotaExhaustedError(ClassifiedError, openai.RateLimitError):
    """``quota_exhausted``: out of credit or over a spend limit; never retry."""

    contract_code = ErrorCode.QUOTA_EXHAUSTED


class OverloadedError(ClassifiedError, openai.InternalServerError):
    """``overloaded``: no capacity now; back off."""

    contract_code = ErrorCode.OVERLOADED


class ServerError(ClassifiedError, openai.InternalServerError):
    """``server_error``: the provider failed."""

    contract_code = ErrorCode.SERVER_ERROR


class TimedOutError(ClassifiedError, openai.APITimeoutError):
    """``timeout``: no answer in time."""

    contract_code = ErrorCode.TIMEOUT


class ConnectionFailedError(ClassifiedError, openai.APIConnectionError):
    """``connection_error``: no connection."""

    contract_code = ErrorCode.CONNECTION_ERROR


class StreamInterruptedError(ClassifiedError, openai.APIConnectionError):
    """``stream_interrupted``: the stream broke off."""

    contract_code = ErrorCode.STREAM_INTERRUPTED


class AuthError(ClassifiedError, openai.AuthenticationError):
    """``auth_error``: bad credentials."""

    contract_code = ErrorCode.AUTH_ERROR


class AccessDeniedError(ClassifiedError, openai.PermissionDeniedError):
    """``permission_denied``: not allowed."""

    contract_code = ErrorCode.PERMISSION_DENIED


class ResourceNotFoundError(ClassifiedError, openai.NotFoundError):
    """``not_found``: no such model, deployment or response."""

    contract_code = ErrorCode.NOT_FOUND


class ContextLengthExceededError(ClassifiedError, openai.BadRequestError):
    """``context_length_exceeded``: the input does not fit."""

    contract_code = ErrorCode.CONTEXT_LENGTH_EXCEEDED


class InvalidRequestError(ClassifiedError, openai.BadRequestError):
    """``invalid_request``: the request is wrong."""

    contract_code = ErrorCode.INVALID_REQUEST


class ContentFilteredError(
    ClassifiedError, openai.BadRequestError, openai.ContentFilterFinishReasonError
):
    """``content_filtered``: blocked by a filter or policy."""

    contract_code = ErrorCode.CONTENT_FILTERED


class ResourceConflictError(ClassifiedError, openai.ConflictError):
    """``conflict``: the resource is busy."""

    contract_code = ErrorCode.CONFLICT


class ResponseCancelledError(ClassifiedError, openai.APIError):
    """``cancelled``: the response was cancelled."""

    contract_code = ErrorCode.CANCELLED


class OutputTruncatedError(ClassifiedError, openai.LengthFinishReasonError):
    """``output_truncated``: the output hit its limit."""

    contract_code = ErrorCode.OUTPUT_TRUNCATED


class ResponseValidationError(ClassifiedError, openai.APIResponseValidationError):
    """``response_validation``: the response could not be validated."""

    contract_code = ErrorCode.RESPONSE_VALIDATION


class UnknownFailureError(ClassifiedError, openai.APIError):
    """``unknown``: failed, but nothing says why."""

    contract_code = ErrorCode.UNKNOWN


# Each code's class, from the classes themselves; a test checks each against the
# contract's openai-class column.
_CLASSES: dict[ErrorCode, type[ClassifiedError]] = {
    cls.contract_code: cls for cls in ClassifiedError.__subclasses__()
}


def _error_body(failure: object) -> Optional[dict[str, Any]]:
    """The failure's error object as a dict, as ``APIError.body`` holds it."""
    error = (field(failure, "error") or field(failure, "last_error")
             or field(field(failure, "response"), "error"))
    if error is None:
        return None
    if isinstance(error, dict):
        return dict(error)
    dump = getattr(error, "model_dump", None)
    try:
        return dict(dump()) if callable(dump) else None
    except Exception:
        return None


def _message(classification: Classification, failure: object) -> str:
    body = _error_body(failure)
    said = body.get("message") if body else None
    what = classification.provider_code or classification.code.value
    subject = field(failure, "id") or field(field(failure, "response"), "id")
    facts = job_facts(failure)
    noun = facts.surface.name if facts is not None else "response"
    head = f"{noun} {subject} " if isinstance(subject, str) else ""
    return f"{head}{classification.code.value} ({what})" + (f": {said}" if said else "")


def error_for(classification: Classification, failure: object = None) -> ClassifiedError:
    """The exception for a classification: an instance of the matching ``openai`` class."""
    cls = _CLASSES[classification.code]
    return cls(_message(classification, failure), classification=classification, failure=failure)


def raise_for_response(response: T) -> T:
    """Raise if a Response ended ``failed``, ``incomplete`` or ``cancelled``; else return it.

    ``r = raise_for_response(client.responses.retrieve(job_id))``
    """
    classification = classify_job(response)
    if classification is not None:
        raise error_for(classification, response)
    return response


def raise_for_job(job: T, *, incomplete: bool = False, cancelled: bool = False) -> T:
    """Raise if a job of any surface ended without its result; else return it.

    ``batch = raise_for_job(client.batches.retrieve(batch_id))``. Raises on ``failed``,
    ``expired`` and a ``completed`` Batch whose every request failed; on ``incomplete``
    only with ``incomplete=True`` and on a cancel only with ``cancelled=True``, as
    openai-python's proposed ``raise_for_status`` (PR #3723) does: an incomplete output
    may still be usable, and a cancel was asked for. Anything that is not a job, or is
    still running, is returned untouched; this never raises for any other reason.
    """
    facts = job_facts(job)
    if facts is None or not facts.without_result:
        return job
    if facts.outcome is Outcome.INCOMPLETE and not incomplete:
        return job
    if facts.outcome is Outcome.CANCELLED and not cancelled:
        return job
    classification = classify_job_facts(facts)
    if classification is None:
        return job
    raise error_for(classification, job)


def raise_for_stream_event(event: T) -> T:
    """Raise if a stream event reports a failure (``error``, ``response.failed``, ...)."""
    classification = classify_stream_event(event)
    if classification is not None:
        raise error_for(classification, event)
    return event
