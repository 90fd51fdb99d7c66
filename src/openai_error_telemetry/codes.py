"""The error-code contract: one stable, low-cardinality code for every way a call can fail.

Codes are grouped in families by what the caller should do about them::

    retry (transient)
      ├── rate ........ rate_limited          429 rate_limit_exceeded, slow_down, RPM/TPM
      ├── server ...... overloaded            503, 529, capacity unavailable
      │                 server_error          500, 502, other 5xx
      ├── timeout ..... timeout               client timeout, 408, 504, *_timeout codes
      └── connection .. connection_error      refused, reset, DNS, TLS before a response
                        stream_interrupted    the transport dropped after stream data
    fix the account (never heals by retrying)
      ├── quota ....... quota_exhausted       insufficient_quota, billing, spend limits, 402
      └── auth ........ auth_error            401
                        permission_denied     403
    fix the request
      ├── client ...... not_found             404, model_not_found, unknown response id
      │                 context_length_exceeded
      │                 invalid_request       other 400/413/415/422
      │                 conflict              409 (retryable: the resource was busy)
      └── content ..... content_filtered      content filter, moderation, policy
                        output_truncated      max_output_tokens, LengthFinishReasonError
    other ............. cancelled, response_validation, unknown

``CODE_INFO`` is the contract as one table: for each code its family, whether it is
retryable, the HTTP statuses that mean it when the body says nothing, the ``openai``
class the error raised for it subclasses, and whether the retry guard stops the SDK
from retrying it. The status table of the classifier, the raised error classes, the
retry guard, the dashboards' groups and the docs are derived from it, and the alert
rules are checked against it by a test.

The promise: within a major version of this package, codes are added, never renamed
or removed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

__all__ = ["CODE_INFO", "CodeInfo", "ErrorCode", "Family", "codes_of", "guard_stops"]


class ErrorCode(str, enum.Enum):
    """A failure's code. A ``str`` subclass, so it compares equal to its value."""

    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    STREAM_INTERRUPTED = "stream_interrupted"
    AUTH_ERROR = "auth_error"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"
    INVALID_REQUEST = "invalid_request"
    CONTENT_FILTERED = "content_filtered"
    CONFLICT = "conflict"
    CANCELLED = "cancelled"
    OUTPUT_TRUNCATED = "output_truncated"
    RESPONSE_VALIDATION = "response_validation"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def info(self) -> CodeInfo:
        return CODE_INFO[self]


class Family(str, enum.Enum):
    """What kind of failure a code is: the unit dashboards stack and alerts select."""

    RATE = "rate"
    QUOTA = "quota"
    AUTH = "auth"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CLIENT = "client"
    CONTENT = "content"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class CodeInfo:
    """What the contract says about one code.

    ``retryable`` is None only for ``unknown``, whose answer depends on the HTTP
    status (5xx yes, anything else no). ``statuses`` are the HTTP statuses that mean
    this code when the body says nothing more (any other 5xx is ``server_error``);
    ``implied_status`` is the status an error raised for it carries (a failed
    background job raises a 429 for a rate limit). ``openai_class`` is the SDK class
    that error subclasses, so ``except openai.<class>`` catches it. ``guard_stops``:
    the retry guard stops the SDK from retrying it (it never succeeds on a retry).
    """

    code: ErrorCode
    family: Family
    meaning: str
    maps_from: str
    retryable: Optional[bool]
    openai_class: str
    implied_status: Optional[int]
    statuses: tuple[int, ...]
    guard_stops: bool


def _info(
    code: ErrorCode,
    family: Family,
    retryable: Optional[bool],
    openai_class: str,
    statuses: tuple[int, ...],
    implied_status: Optional[int],
    guard: bool,
    meaning: str,
    maps_from: str,
) -> tuple[ErrorCode, CodeInfo]:
    return code, CodeInfo(code, family, meaning, maps_from, retryable, openai_class,
                          implied_status, statuses, guard)


F = Family


CODE_INFO: dict[ErrorCode, CodeInfo] = dict(
    [
        _info(
            ErrorCode.RATE_LIMITED, F.RATE, True, "RateLimitError", (429,), 429, False,
            "Too many requests or tokens for now; slow down and retry after the hint.",
            "429 rate_limit_exceeded (requests or tokens), slow_down, provider RPM/TPM "
            "limits, RESOURCE_EXHAUSTED",
        ),
        _info(
            ErrorCode.QUOTA_EXHAUSTED, F.QUOTA, False, "RateLimitError", (402,), 429, True,
            "The account is out of credit or over a spend limit; retrying cannot help.",
            "insufficient_quota, credit_balance_exhausted, *_spend_limit_exceeded, "
            "*_usage_limit_exceeded, billing_not_active, billing_hard_limit_reached, 402",
        ),
        _info(
            ErrorCode.OVERLOADED, F.SERVER, True, "InternalServerError", (503, 529), 503, False,
            "The provider has no capacity right now; back off and retry.",
            "503, 529, overloaded_error, server_is_overloaded, engine overloaded, "
            "flex_unavailable, UNAVAILABLE",
        ),
        _info(
            ErrorCode.SERVER_ERROR, F.SERVER, True, "InternalServerError", (500, 502), 500, False,
            "The provider failed while handling the request.",
            "500, 502 and other 5xx, server_error, internal_error, api_error",
        ),
        _info(
            ErrorCode.TIMEOUT, F.TIMEOUT, True, "APITimeoutError", (408, 504, 522, 524), 408, False,
            "No answer in time, from the client's timeout or a gateway's.",
            "APITimeoutError, httpx(2) *Timeout, 408, 504, 522, 524, *_timeout codes, "
            "DEADLINE_EXCEEDED",
        ),
        _info(
            ErrorCode.CONNECTION_ERROR, F.CONNECTION, True, "APIConnectionError", (), None, False,
            "No HTTP response: refused, reset, DNS or TLS failure.",
            "APIConnectionError, httpx(2) ConnectError/NetworkError, aiohttp/requests "
            "connection errors, connection_failed",
        ),
        _info(
            ErrorCode.STREAM_INTERRUPTED, F.CONNECTION, True, "APIConnectionError", (), None, False,
            "The transport dropped after stream data had arrived.",
            "RemoteProtocolError/ReadError after the response began, incomplete chunked "
            "read, Responses stream ending without response.completed",
        ),
        _info(
            ErrorCode.AUTH_ERROR, F.AUTH, False, "AuthenticationError", (401,), 401, True,
            "The credentials are missing, invalid or expired.",
            "401, invalid_api_key, authentication_error, OAuthError, UNAUTHENTICATED",
        ),
        _info(
            ErrorCode.PERMISSION_DENIED, F.AUTH, False, "PermissionDeniedError", (403,), 403, False,
            "The credentials are valid but not allowed to do this.",
            "403, unsupported_country_region_territory, insufficient_permissions, "
            "data_residency_mismatch, PERMISSION_DENIED",
        ),
        _info(
            ErrorCode.NOT_FOUND, F.CLIENT, False, "NotFoundError", (404,), 404, False,
            "The model, deployment, file or response does not exist (or is not visible).",
            "404, model_not_found, previous_response_not_found, DeploymentNotFound, NOT_FOUND",
        ),
        _info(
            ErrorCode.CONTEXT_LENGTH_EXCEEDED, F.CLIENT, False, "BadRequestError", (), 400, False,
            "The input does not fit the model's context window.",
            "context_length_exceeded, context_window_exceeded, 'maximum context length' "
            "messages of compatible servers",
        ),
        _info(
            ErrorCode.INVALID_REQUEST, F.CLIENT, False, "BadRequestError",
            (400, 413, 415, 422), 400, False,
            "The request is malformed or asks for something the model cannot do.",
            "other 400/413/415/422, invalid_value, unsupported_parameter, invalid_prompt, "
            "invalid_image*, INVALID_ARGUMENT",
        ),
        _info(
            ErrorCode.CONTENT_FILTERED, F.CONTENT, False, "BadRequestError", (), 400, False,
            "A content filter, moderation or usage policy blocked the input or output.",
            "content_filter, content_policy_violation, moderation_blocked, bio_policy, "
            "ResponsibleAIPolicyViolation, ContentFilterFinishReasonError",
        ),
        _info(
            ErrorCode.CONFLICT, F.CLIENT, True, "ConflictError", (409,), 409, False,
            "The resource is busy or in a conflicting state.",
            "409, conflict",
        ),
        _info(
            ErrorCode.CANCELLED, F.OTHER, False, "APIError", (499,), None, False,
            "The work was cancelled: a cancelled background response, or the caller gave up.",
            "background status=cancelled, incomplete reason steered, batch_cancelled, "
            "asyncio.CancelledError, HTTP 499",
        ),
        _info(
            ErrorCode.OUTPUT_TRUNCATED, F.CONTENT, False, "LengthFinishReasonError", (), None,
            False,
            "The output stopped at its token or message limit.",
            "incomplete reason max_output_tokens/max_messages, LengthFinishReasonError",
        ),
        _info(
            ErrorCode.RESPONSE_VALIDATION, F.OTHER, False, "APIResponseValidationError", (),
            None, False,
            "The SDK received a response it could not validate.",
            "APIResponseValidationError",
        ),
        _info(
            ErrorCode.UNKNOWN, F.OTHER, None, "APIError", (), None, False,
            "Nothing identifiable; look at the raw provider code and status.",
            "anything else, e.g. 410, 423, an unknown body code with no status",
        ),
    ]
)


def codes_of(*families: Family) -> tuple[ErrorCode, ...]:
    """The codes of these families, in table order."""
    return tuple(code for code, info in CODE_INFO.items() if info.family in families)


def guard_stops() -> frozenset[ErrorCode]:
    """The codes the retry guard stops the SDK from retrying."""
    return frozenset(code for code, info in CODE_INFO.items() if info.guard_stops)
