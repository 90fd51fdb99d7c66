"""Reading the headers that matter for failures: retry hints, rate-limit state, request ids.

Takes any header container a user may hold (``httpx``/``httpx2`` ``Headers``, a dict in
any letter case, a list of pairs, an ``aiohttp`` multidict) without importing any HTTP
library, and never raises on garbage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Optional

__all__ = [
    "RATE_LIMIT_KINDS",
    "HeaderMap",
    "normalize",
    "rate_limit_kind",
    "rate_limit_numbers",
    "request_id",
    "retry_after",
    "should_retry",
]

HeaderMap = Mapping[str, str]
RATE_LIMIT_KINDS = ("requests", "tokens")
_EMPTY: HeaderMap = {}
_MAX_VALUE = 256
_CASE_INSENSITIVE = {"Headers", "CIMultiDict", "CIMultiDictProxy", "CaseInsensitiveDict"}


def _text(value: object) -> Optional[str]:
    if isinstance(value, str):
        return value[:_MAX_VALUE]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[:_MAX_VALUE]).decode("latin-1")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)) and value:
        return _text(value[0])
    return None


def normalize(headers: object) -> HeaderMap:
    """A mapping with lower-case keys and ``str`` values; empty for anything unusable.

    Case-insensitive containers from HTTP libraries are returned as they are, which
    keeps the success path (one lookup per rate-limit header) free of copies.
    """
    if headers is None:
        return _EMPTY
    if type(headers).__name__ in _CASE_INSENSITIVE and hasattr(headers, "get"):
        return headers  # type: ignore[return-value]
    try:
        items = headers.items() if isinstance(headers, Mapping) else iter(headers)  # type: ignore[call-overload]
        result: dict[str, str] = {}
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                continue
            key, value = _text(item[0]), _text(item[1])
            if key is not None and value is not None:
                result.setdefault(key.lower(), value)
        return result
    except Exception:
        return _EMPTY


def _get(headers: HeaderMap, name: str) -> Optional[str]:
    try:
        return _text(headers.get(name))
    except Exception:
        return None


def _number(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except (ValueError, OverflowError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def retry_after(headers: HeaderMap, *, now: Optional[float] = None) -> Optional[float]:
    """Seconds the server asks us to wait: ``retry-after-ms``, then ``Retry-After``.

    ``Retry-After`` may be seconds or an HTTP-date (RFC 9110); a date in the past
    means zero. Negative, infinite and unparseable values mean no hint.
    """
    millis = _number(_get(headers, "retry-after-ms"))
    if millis is not None and millis >= 0:
        return round(millis / 1000.0, 3)
    raw = _get(headers, "retry-after")
    if raw is None:
        return None
    seconds = _number(raw)
    if seconds is not None:
        return round(seconds, 3) if seconds >= 0 else None
    try:
        when = parsedate_to_datetime(raw.strip())
        wait = when.timestamp() - (time.time() if now is None else now)
    except Exception:
        return None
    return round(max(0.0, wait), 3)


def rate_limit_numbers(headers: object) -> dict[tuple[str, str], float]:
    """``{(kind, "remaining"|"limit"): value}`` from the ``x-ratelimit-*`` headers.

    Negative values (Azure sends -1 for "not reported") are left out.
    """
    found: dict[tuple[str, str], float] = {}
    view = normalize(headers)
    if not view:
        return found
    for kind in RATE_LIMIT_KINDS:
        for field in ("remaining", "limit"):
            value = _number(_get(view, f"x-ratelimit-{field}-{kind}"))
            if value is not None and value >= 0:
                found[(kind, field)] = value
    return found


def rate_limit_kind(headers: HeaderMap) -> Optional[str]:
    """Which bucket ran dry, judged by which ``x-ratelimit-remaining-*`` is at zero."""
    for kind in RATE_LIMIT_KINDS:
        remaining = _number(_get(headers, f"x-ratelimit-remaining-{kind}"))
        if remaining is not None and remaining <= 0:
            return kind
    return None


def request_id(headers: HeaderMap) -> Optional[str]:
    """OpenAI's ``x-request-id``, or Azure API Management's ``apim-request-id``."""
    return _get(headers, "x-request-id") or _get(headers, "apim-request-id")


def should_retry(headers: HeaderMap) -> Optional[bool]:
    """The server's own ``x-should-retry`` verdict, if it gave one."""
    value = _get(headers, "x-should-retry")
    if value is None:
        return None
    value = value.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    return None
