"""Exceptions, recognised by class name and module, never by import.

Matching names instead of importing ``openai``, ``httpx``, ``httpx2``, ``aiohttp`` or
``requests`` keeps the classifier light, makes it work across openai 1.x/2.x/3.x and
both HTTP stacks, and lets the CLI classify an exception it only knows by name
(``"httpx.ReadTimeout"``). The most derived class that matches wins, so
``aiohttp.ServerTimeoutError`` (a connection error and a timeout) is a timeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Optional

from ..codes import CODE_INFO
from ..codes import ErrorCode as C

__all__ = ["ExceptionFacts", "Kind", "facts_of", "kind_of_names", "names_of"]


class Kind:
    """How an exception class is to be read."""

    STATUS = "status"  # carries an HTTP status: decide by status, body, headers
    BODY = "body"  # openai's bare APIError (mid-stream): decide by body, no status
    FIXED = "fixed"  # the class alone decides
    TRANSPORT = "transport"  # a connection-level failure: connection or stream
    AMBIGUOUS = "ambiguous"  # a protocol error: stream drop if the body had begun
    STREAM_HELPER = "stream_helper"  # RuntimeError of the Responses stream helper
    OPENAI_BASE = "openai_base"  # a bare OpenAIError: only its message can tell
    JOB = "job"  # raised for a job that ended without its result: read its ``.response``


_OPENAI_ROOTS = frozenset({"openai", ""})
_TRANSPORT_ROOTS = frozenset({
    "httpx", "httpx2", "httpcore", "httpcore2", "h11", "h2", "aiohttp", "requests", "urllib3",
    "anyio", "ssl", "socket", "builtins", "asyncio", "concurrent", "http", "trio", "websockets",
    "",
})

# openai's classes, most specific first in any MRO walk.
_OPENAI: dict[str, tuple[str, Optional[C]]] = {
    "APITimeoutError": (Kind.FIXED, C.TIMEOUT),
    "APIConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "LengthFinishReasonError": (Kind.FIXED, C.OUTPUT_TRUNCATED),
    "ContentFilterFinishReasonError": (Kind.FIXED, C.CONTENT_FILTERED),
    "APIResponseValidationError": (Kind.FIXED, C.RESPONSE_VALIDATION),
    # openai-python PR #3723's ``raise_for_status`` helper (not shipped as of 3.57): a
    # polled Response that ended failed/incomplete, an OpenAIError with ``.response``.
    "ResponseFailedError": (Kind.JOB, None),
    "ResponseIncompleteError": (Kind.JOB, None),
    "ResponseNotCompletedError": (Kind.JOB, None),
    "OAuthError": (Kind.FIXED, C.AUTH_ERROR),
    "SubjectTokenProviderError": (Kind.FIXED, C.AUTH_ERROR),
    "WebSocketConnectionClosedError": (Kind.FIXED, C.CONNECTION_ERROR),
    "BadRequestError": (Kind.STATUS, None),
    "AuthenticationError": (Kind.STATUS, None),
    "PermissionDeniedError": (Kind.STATUS, None),
    "NotFoundError": (Kind.STATUS, None),
    "ConflictError": (Kind.STATUS, None),
    "UnprocessableEntityError": (Kind.STATUS, None),
    "RateLimitError": (Kind.STATUS, None),
    "InternalServerError": (Kind.STATUS, None),
    "APIStatusError": (Kind.STATUS, None),
    "APIError": (Kind.BODY, None),
    "OpenAIError": (Kind.OPENAI_BASE, None),
}

# The status each openai class stands for, for exceptions known only by name: the
# lowest the contract implies for the codes raised as that class (InternalServerError
# is 500, not overloaded's 503), plus the SDK's two classes no code is raised as.
CLASS_STATUS: dict[str, int] = {"UnprocessableEntityError": 422, "OAuthError": 401}
for _info in CODE_INFO.values():
    if _info.implied_status is not None:
        _known = CLASS_STATUS.get(_info.openai_class, _info.implied_status)
        CLASS_STATUS[_info.openai_class] = min(_known, _info.implied_status)
del _info, _known

_TRANSPORT: dict[str, tuple[str, C]] = {
    # timeouts: httpx(2)/httpcore, aiohttp, requests, urllib3, the standard library
    "TimeoutException": (Kind.FIXED, C.TIMEOUT),
    "ReadTimeout": (Kind.FIXED, C.TIMEOUT),
    "WriteTimeout": (Kind.FIXED, C.TIMEOUT),
    "ConnectTimeout": (Kind.FIXED, C.TIMEOUT),
    "PoolTimeout": (Kind.FIXED, C.TIMEOUT),
    "ServerTimeoutError": (Kind.FIXED, C.TIMEOUT),
    "ConnectionTimeoutError": (Kind.FIXED, C.TIMEOUT),
    "SocketTimeoutError": (Kind.FIXED, C.TIMEOUT),
    "ReadTimeoutError": (Kind.FIXED, C.TIMEOUT),
    "ConnectTimeoutError": (Kind.FIXED, C.TIMEOUT),
    "Timeout": (Kind.FIXED, C.TIMEOUT),
    "TimeoutError": (Kind.FIXED, C.TIMEOUT),
    "timeout": (Kind.FIXED, C.TIMEOUT),
    "TooSlowError": (Kind.FIXED, C.TIMEOUT),
    # the body broke off after it had begun
    "ClientPayloadError": (Kind.FIXED, C.STREAM_INTERRUPTED),
    "ContentLengthError": (Kind.FIXED, C.STREAM_INTERRUPTED),
    "TransferEncodingError": (Kind.FIXED, C.STREAM_INTERRUPTED),
    "ChunkedEncodingError": (Kind.FIXED, C.STREAM_INTERRUPTED),
    "IncompleteRead": (Kind.FIXED, C.STREAM_INTERRUPTED),
    "StreamConsumed": (Kind.FIXED, C.STREAM_INTERRUPTED),
    # protocol errors: before the response a connection failure, after it a stream drop
    "RemoteProtocolError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ProtocolError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ReadError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "EndOfStream": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ServerDisconnectedError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ConnectionResetError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "BrokenResourceError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ClosedResourceError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    "ClientConnectionResetError": (Kind.AMBIGUOUS, C.CONNECTION_ERROR),
    # no response at all
    "ConnectError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "NetworkError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "WriteError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ProxyError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "UnsupportedProtocol": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "LocalProtocolError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "TransportError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientConnectorError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    # aiohttp's leaves are named too, for exceptions known only by name (the CLI, logs):
    # DefaultAioHttpClient's DNS failure is ClientConnectorDNSError
    "ClientConnectorDNSError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientConnectorSSLError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientProxyConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "UnixClientConnectorError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ServerFingerprintMismatch": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "CloseError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "DecodingError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "TooManyRedirects": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientConnectorCertificateError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientSSLError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientOSError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ClientConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ServerConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "NewConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "NameResolutionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "MaxRetryError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "SSLError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "SSLCertVerificationError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "gaierror": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "herror": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ConnectionRefusedError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ConnectionAbortedError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "BrokenPipeError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ConnectionError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "ConnectionClosed": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    "RequestError": (Kind.TRANSPORT, C.CONNECTION_ERROR),
    # the caller gave up
    "CancelledError": (Kind.FIXED, C.CANCELLED),
    "Cancelled": (Kind.FIXED, C.CANCELLED),
    "KeyboardInterrupt": (Kind.FIXED, C.CANCELLED),
    # HTTP libraries' status errors
    "HTTPStatusError": (Kind.STATUS, C.UNKNOWN),
    "ClientResponseError": (Kind.STATUS, C.UNKNOWN),
    "HTTPError": (Kind.STATUS, C.UNKNOWN),
}

# A dropped body, told apart from a refused connection by what the library says.
STREAM_DROP_WORDS = (
    "incomplete chunked read",
    "peer closed connection without sending complete message body",
    "incomplete message body",
    "response payload is not completed",
    "connection broken",
    "incompleteread",
)


class ExceptionFacts(NamedTuple):
    kind: str
    code: Optional[C]
    class_name: str


_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}
_NAMES_MAX = 512  # bounded: classes made at run time must not grow it without limit


def names_of(cls: type) -> tuple[tuple[str, str], ...]:
    """``(module root, class name)`` along the MRO, most derived first (cached per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = tuple((k.__module__.split(".", 1)[0], k.__name__) for k in cls.__mro__)
        if len(_NAMES) >= _NAMES_MAX:
            _NAMES.clear()
        _NAMES[cls] = names
    return names


def kind_of_names(names: Sequence[tuple[str, str]]) -> Optional[ExceptionFacts]:
    """The first class along ``names`` that the tables know."""
    for root, name in names:
        if root in _OPENAI_ROOTS:
            hit = _OPENAI.get(name)
            if hit is not None:
                return ExceptionFacts(hit[0], hit[1], name)
        if root in _TRANSPORT_ROOTS:
            transport = _TRANSPORT.get(name)
            if transport is not None:
                return ExceptionFacts(transport[0], transport[1], name)
        if name == "RuntimeError" and root in ("builtins", ""):
            return ExceptionFacts(Kind.STREAM_HELPER, None, name)
    return None


_FACTS: dict[type, Optional[ExceptionFacts]] = {}


def facts_of(exc: BaseException) -> Optional[ExceptionFacts]:
    """What the tables say about ``exc``'s class: one dict lookup after the first time."""
    cls = type(exc)
    try:
        return _FACTS[cls]
    except KeyError:
        pass
    facts = kind_of_names(names_of(cls))
    if len(_FACTS) >= _NAMES_MAX:
        _FACTS.clear()
    _FACTS[cls] = facts
    return facts
