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
from typing import Any, Optional

__all__ = [
    "RATE_LIMIT_HEADERS",
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


class _Lowered(dict):  # type: ignore[type-arg]
    """A header dict already normalized, so normalizing it again costs nothing."""


_EMPTY: HeaderMap = _Lowered()
_MAX_VALUE = 256
_MAX_INT = 10 ** (_MAX_VALUE - 1)  # an int header value of at most 256 characters
# The rate-limit headers, named once: ((kind, field), header name).
_NUMBER_NAMES = tuple(
    ((kind, field), f"x-ratelimit-{field}-{kind}")
    for kind in RATE_LIMIT_KINDS for field in ("remaining", "limit")
)
# the names ``rate_limit_numbers`` reads: an answer without any has nothing for the gauges
RATE_LIMIT_HEADERS = frozenset(name for _, name in _NUMBER_NAMES)
_REMAINING_NAMES = tuple((kind, name) for (kind, field), name in _NUMBER_NAMES
                         if field == "remaining")
# Every header a reader below asks for, by exact name: one set lookup per header on
# the failure path instead of a prefix test and a lookup.
_WANTED = frozenset({
    "retry-after", "retry-after-ms", "x-should-retry", "x-request-id", "apim-request-id",
    *(name for _, name in _NUMBER_NAMES),
})
_WANTED_BYTES = {name.encode(): name for name in _WANTED}


def _text(value: object) -> Optional[str]:
    if isinstance(value, str):
        return value[:_MAX_VALUE]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[:_MAX_VALUE]).decode("latin-1")
    if isinstance(value, float):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # str() of a huge int is long or raises; either would cost every other header
        return str(value) if -_MAX_INT < value < _MAX_INT else None
    if isinstance(value, (list, tuple)) and value:
        return _text(value[0])
    return None


def _from_httpx(pairs: list[Any]) -> HeaderMap:
    """``httpx``/``httpx2`` keep ``(raw key, lower-case key, value)`` byte triples; reading
    them directly skips the per-lookup decoding that makes ``Headers.get`` cost ~1.5 us."""
    result = _Lowered()
    wanted = _WANTED_BYTES
    for _raw, key, value in pairs:
        name = wanted.get(key)
        if name is not None and name not in result:
            result[name] = value[:_MAX_VALUE].decode("latin-1")
    return result


def normalize(headers: object) -> HeaderMap:
    """The headers this module reads, with lower-case keys and ``str`` values.

    One pass over whatever container arrives; every later lookup is a plain dict access.
    Empty for anything unusable.
    """
    if type(headers) is _Lowered:  # already normalized: the common case inside the classifier
        return headers
    if headers is None:
        return _EMPTY
    try:
        if type(headers).__name__ == "Headers":
            pairs = getattr(headers, "_list", None)
            if isinstance(pairs, list) and (not pairs or len(pairs[0]) == 3):
                return _from_httpx(pairs)
        if isinstance(headers, Mapping):
            items: Any = headers.items()
        elif isinstance(headers, (list, tuple)):
            items = headers
        else:
            items = headers.items()  # type: ignore[attr-defined]  # multidicts
        result = _Lowered()
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                continue
            key = _text(item[0])
            if key is None:
                continue
            key = key.lower()
            if key in _WANTED and key not in result:
                value = _text(item[1])
                if value is not None:
                    result[key] = value
        return result
    except Exception:
        return _EMPTY


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


def retry_after(headers: object, *, now: Optional[float] = None) -> Optional[float]:
    """Seconds the server asks us to wait: ``retry-after-ms``, then ``Retry-After``.

    ``Retry-After`` may be seconds or an HTTP-date (RFC 9110); a date in the past
    means zero. Negative, infinite and unparseable values mean no hint.
    """
    headers = normalize(headers)
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None and millis >= 0:
        return round(millis / 1000.0, 3)
    raw = headers.get("retry-after")
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
    for key, name in _NUMBER_NAMES:
        value = _number(view.get(name))
        if value is not None and value >= 0:
            found[key] = value
    return found


def rate_limit_kind(headers: object) -> Optional[str]:
    """Which bucket ran dry, judged by which ``x-ratelimit-remaining-*`` is at zero."""
    headers = normalize(headers)
    for kind, name in _REMAINING_NAMES:
        remaining = _number(headers.get(name))
        if remaining is not None and remaining <= 0:
            return kind
    return None


def request_id(headers: object) -> Optional[str]:
    """OpenAI's ``x-request-id``, or Azure API Management's ``apim-request-id``."""
    headers = normalize(headers)
    return headers.get("x-request-id") or headers.get("apim-request-id")


def should_retry(headers: object) -> Optional[bool]:
    """The server's own ``x-should-retry`` verdict, if it gave one."""
    headers = normalize(headers)
    value = headers.get("x-should-retry")
    if value is None:
        return None
    value = value.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    return None
