"""Exception text with every credential-like token replaced, for ``record_exceptions``.

A 401's message echoes the key it refused (``Incorrect API key provided:
sk-proj-****1234``), and some gateways echo the whole key or the Authorization header.
What is kept: the exception's type, and its message and stack trace with each of these
replaced by ``[REDACTED]``: a key with a ``sk-``/``rk-``/``pk-``-style prefix (masked or
not), a ``Bearer`` token, the value after ``api-key``, ``api_key``, ``authorization`` or
``key=``, and any unbroken run of 32 or more letters, digits, ``-`` and ``_`` (an Azure
key is 32 hex digits; long ids go with them, which costs an exception text little).
"""

from __future__ import annotations

import re
import traceback

REDACTED = "[REDACTED]"
MAX_TEXT = 8 * 1024  # a stack trace longer than this is cut (from the start)
_SECRETS = re.compile(
    r"\b(?:sk|rk|pk|ak|sess)-[A-Za-z0-9_\-*.]{3,}"
    r"|\bBearer\s+[^\s\"',]+"
    # a `name: value` pair: the name is kept, the value redacted
    r"|(?P<name>(?i:\b(?:api[-_]?key|authorization|x-api-key|key)\b[\"']?\s*[:=]\s*[\"']?))"
    r"(?:Bearer\s+)?[^\s\"',}]+"
    r"|[A-Za-z0-9_\-]{32,}"
)


def _redact(match: re.Match[str]) -> str:
    return (match.group("name") or "") + REDACTED


def scrub(text: str) -> str:
    """``text`` with every credential-like token replaced."""
    return _SECRETS.sub(_redact, text)


def exception_attributes(error: BaseException) -> dict[str, str]:
    """The conventions' ``exception.*`` attributes of ``error``, scrubbed; never raises
    (an ``__str__`` that raises anything gives an empty message)."""
    try:
        message = str(error)
    except BaseException:  # ours to swallow: the app never asked for this str()
        message = ""
    try:
        stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except BaseException:  # a __str__ that raises breaks the formatting too
        stack = ""
    return {
        "exception.type": f"{type(error).__module__}.{type(error).__qualname__}",
        "exception.message": scrub(message[:MAX_TEXT]),
        "exception.stacktrace": scrub(stack[-MAX_TEXT:]),
    }
