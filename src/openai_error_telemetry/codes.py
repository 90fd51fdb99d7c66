"""The error-code contract: one stable, low-cardinality code for every way a call can fail.

Codes are grouped by what the caller should do about them::

    retry (transient)
      ├── rate_limited          429 rate_limit_exceeded, slow_down, RPM/TPM limits
      ├── overloaded            503 overloaded, 529, capacity unavailable
      ├── server_error          500, 502, other 5xx
      ├── timeout               client timeout, 408, 504, *_timeout codes
      ├── connection_error      refused, reset, DNS, TLS before a response
      ├── stream_interrupted    the transport dropped after stream data arrived
      └── conflict              409
    fix the account (never heals by retrying)
      ├── quota_exhausted       insufficient_quota, billing, spend limits, 402
      ├── auth_error            401
      └── permission_denied     403
    fix the request
      ├── not_found             404, model_not_found, unknown response id
      ├── context_length_exceeded
      ├── invalid_request       other 400/413/415/422
      ├── content_filtered      content filter, moderation, policy
      └── output_truncated      max_output_tokens, LengthFinishReasonError
    other
      ├── cancelled             cancelled background response, caller cancellation
      ├── response_validation   the SDK could not validate a response
      └── unknown               nothing identifiable (retryable by HTTP status)

The promise: within a major version of this package, codes are added, never renamed
or removed. The table below is the single source for the docs, the CLI and the
exceptions that ``raise_for_response`` raises.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

__all__ = ["CODE_INFO", "CodeInfo", "ErrorCode"]


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


@dataclass(frozen=True)
class CodeInfo:
    """What the contract says about one code.

    ``retryable`` is None only for ``unknown``, whose answer depends on the HTTP
    status (5xx yes, anything else no). ``openai_class`` names the SDK exception
    class a caller catches for it, or None when the SDK has none.
    """

    code: ErrorCode
    meaning: str
    maps_from: str
    retryable: Optional[bool]
    openai_class: Optional[str]
    implied_status: Optional[int]


def _info(
    code: ErrorCode,
    retryable: Optional[bool],
    openai_class: Optional[str],
    implied_status: Optional[int],
    meaning: str,
    maps_from: str,
) -> tuple[ErrorCode, CodeInfo]:
    return code, CodeInfo(code, meaning, maps_from, retryable, openai_class, implied_status)


CODE_INFO: dict[ErrorCode, CodeInfo] = dict(
    [
        _info(
            ErrorCode.RATE_LIMITED, True, "RateLimitError", 429,
            "Too many requests or tokens for now; slow down and retry after the hint.",
            "429 rate_limit_exceeded (requests or tokens), slow_down, provider RPM/TPM "
            "limits, RESOURCE_EXHAUSTED",
        ),
        _info(
            ErrorCode.QUOTA_EXHAUSTED, False, "RateLimitError", 429,
            "The account is out of credit or over a spend limit; retrying cannot help.",
            "insufficient_quota, credit_balance_exhausted, *_spend_limit_exceeded, "
            "*_usage_limit_exceeded, billing_not_active, billing_hard_limit_reached, 402",
        ),
        _info(
            ErrorCode.OVERLOADED, True, "InternalServerError", 503,
            "The provider has no capacity right now; back off and retry.",
            "503, 529, overloaded_error, server_is_overloaded, engine overloaded, "
            "flex_unavailable, UNAVAILABLE",
        ),
        _info(
            ErrorCode.SERVER_ERROR, True, "InternalServerError", 500,
            "The provider failed while handling the request.",
            "500, 502 and other 5xx, server_error, internal_error, api_error",
        ),
        _info(
            ErrorCode.TIMEOUT, True, "APITimeoutError", 408,
            "No answer in time, from the client's timeout or a gateway's.",
            "APITimeoutError, httpx(2) *Timeout, 408, 504, 522, 524, *_timeout codes, "
            "DEADLINE_EXCEEDED",
        ),
        _info(
            ErrorCode.CONNECTION_ERROR, True, "APIConnectionError", None,
            "No HTTP response: refused, reset, DNS or TLS failure.",
            "APIConnectionError, httpx(2) ConnectError/NetworkError, aiohttp/requests "
            "connection errors, connection_failed",
        ),
        _info(
            ErrorCode.STREAM_INTERRUPTED, True, "APIConnectionError", None,
            "The transport dropped after stream data had arrived.",
            "RemoteProtocolError/ReadError after the response began, incomplete chunked "
            "read, Responses stream ending without response.completed",
        ),
        _info(
            ErrorCode.AUTH_ERROR, False, "AuthenticationError", 401,
            "The credentials are missing, invalid or expired.",
            "401, invalid_api_key, authentication_error, OAuthError, UNAUTHENTICATED",
        ),
        _info(
            ErrorCode.PERMISSION_DENIED, False, "PermissionDeniedError", 403,
            "The credentials are valid but not allowed to do this.",
            "403, unsupported_country_region_territory, insufficient_permissions, "
            "data_residency_mismatch, PERMISSION_DENIED",
        ),
        _info(
            ErrorCode.NOT_FOUND, False, "NotFoundError", 404,
            "The model, deployment, file or response does not exist (or is not visible).",
            "404, model_not_found, previous_response_not_found, DeploymentNotFound, NOT_FOUND",
        ),
        _info(
            ErrorCode.CONTEXT_LENGTH_EXCEEDED, False, "BadRequestError", 400,
            "The input does not fit the model's context window.",
            "context_length_exceeded, context_window_exceeded, 'maximum context length' "
            "messages of compatible servers",
        ),
        _info(
            ErrorCode.INVALID_REQUEST, False, "BadRequestError", 400,
            "The request is malformed or asks for something the model cannot do.",
            "other 400/413/415/422, invalid_value, unsupported_parameter, invalid_prompt, "
            "invalid_image*, INVALID_ARGUMENT",
        ),
        _info(
            ErrorCode.CONTENT_FILTERED, False, "BadRequestError", 400,
            "A content filter, moderation or usage policy blocked the input or output.",
            "content_filter, content_policy_violation, moderation_blocked, bio_policy, "
            "ResponsibleAIPolicyViolation, ContentFilterFinishReasonError",
        ),
        _info(
            ErrorCode.CONFLICT, True, "ConflictError", 409,
            "The resource is busy or in a conflicting state.",
            "409, conflict",
        ),
        _info(
            ErrorCode.CANCELLED, False, None, None,
            "The work was cancelled: a cancelled background response, or the caller gave up.",
            "background status=cancelled, incomplete reason steered, batch_cancelled, "
            "asyncio.CancelledError, HTTP 499",
        ),
        _info(
            ErrorCode.OUTPUT_TRUNCATED, False, "LengthFinishReasonError", None,
            "The output stopped at its token or message limit.",
            "incomplete reason max_output_tokens/max_messages, LengthFinishReasonError",
        ),
        _info(
            ErrorCode.RESPONSE_VALIDATION, False, "APIResponseValidationError", None,
            "The SDK received a response it could not validate.",
            "APIResponseValidationError",
        ),
        _info(
            ErrorCode.UNKNOWN, None, "APIError", None,
            "Nothing identifiable; look at the raw provider code and status.",
            "anything else, e.g. 410, 423, an unknown body code with no status",
        ),
    ]
)
