"""Finding the error object inside a body, whatever the provider wrapped it in.

Shapes seen in the wild, all reduced to one ``ErrorFields``::

    OpenAI, Groq, Together, DeepSeek   {"error": {"message", "type", "param", "code"}}
    Azure OpenAI                       {"error": {"code": "content_filter", "status": 400,
                                                  "innererror": {"code": "ResponsibleAI..."}}}
    Azure API Management               {"statusCode": 429, "message": "..."}
    Gemini (OpenAI-compatible)         [{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                                   "details": [{"retryDelay": "37s"}]}}]
                                       {"error": {"code": 400, "message": "<the above as JSON>"}}
    Anthropic (OpenAI-compatible)      {"type": "error", "error": {"type": "overloaded_error"}}
    OpenRouter, llama.cpp              {"error": {"code": 429, "message", "metadata": {...}}}
    Mistral, vLLM                      {"object": "error", "message", "type", "code": 400}
    Ollama                             {"error": "model 'x' not found"}
    Responses ``error`` event          {"type": "error", "code", "message", "param"}
    gateways                           "<html>502 Bad Gateway</html>"

Only the message is kept as text, for the classifier's last-resort word match; it
never leaves the classifier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple, Optional

__all__ = ["ErrorFields", "fields_from_body", "fields_from_object", "plain_fields"]

_MAX_PARSE = 256 * 1024  # larger bodies are not error envelopes; do not spend time on them
_MAX_MESSAGE = 2048
_MAX_TOKEN = 128
_MAX_INT_TOKEN = 10 ** (_MAX_TOKEN - 1)  # a numeric code of at most 128 characters, sign included
_MAX_DEPTH = 4


class ErrorFields(NamedTuple):
    code: Optional[str] = None
    type: Optional[str] = None
    message: Optional[str] = None
    status_word: Optional[str] = None
    body_status: Optional[int] = None
    inner_code: Optional[str] = None
    retry_delay: Optional[float] = None
    reason: Optional[str] = None


EMPTY = ErrorFields()


def _token(value: object) -> Optional[str]:
    """A raw code or type as a short string: ints become digits, other values None."""
    if isinstance(value, str):
        value = value.strip()
        return value[:_MAX_TOKEN] or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # a number too long to be a code (a 400-digit JSON int) is no code at all
        return str(value) if -_MAX_INT_TOKEN < value < _MAX_INT_TOKEN else None
    return None


def _status(value: object) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value  # no float(): a 400-digit JSON int would overflow it
    elif isinstance(value, float):
        number = int(value) if value.is_integer() else 0
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip()[:4])
    else:
        return None
    return number if 100 <= number <= 599 else None


def _seconds(value: object) -> Optional[float]:
    """Google's ``retryDelay`` ("37s", "1.5s") in seconds."""
    if isinstance(value, str) and value.endswith("s"):
        try:
            seconds = float(value[:-1])
        except ValueError:
            return None
        return round(seconds, 3) if 0 <= seconds < 1e9 else None
    return None


def _retry_delay(details: object) -> Optional[float]:
    if not isinstance(details, list):
        return None
    for item in details[:8]:
        if isinstance(item, Mapping) and "retryDelay" in item:
            return _seconds(item.get("retryDelay"))
    return None


def _reason(details: object) -> Optional[str]:
    """Google's ``ErrorInfo.reason`` (``API_KEY_INVALID``), or a legacy ``errors[].reason``."""
    if not isinstance(details, list):
        return None
    for item in details[:8]:
        if isinstance(item, Mapping) and isinstance(item.get("reason"), str):
            return _token(item.get("reason"))
    return None


def _message(value: object) -> Optional[str]:
    return value[:_MAX_MESSAGE] if isinstance(value, str) and value else None


def _stringified(raw: object, depth: int) -> Optional[ErrorFields]:
    """An upstream error a gateway put into ``message`` as JSON text, if that is what it is.

    Gemini's OpenAI-compatible layer answers ``{"error": {"code": 400, "status": "Bad
    Request", "message": "{\"error\": {... \"status\": \"INVALID_ARGUMENT\" ...}}"}}``;
    the structured fields that say why are only inside the string.
    """
    if depth >= _MAX_DEPTH or not isinstance(raw, str) or not raw:
        return None
    if raw[0] not in "{[" and not raw[0].isspace():
        return None  # the usual case, a sentence: decided without copying it
    text = raw.strip()
    if text[:1] not in ("{", "[") or len(text) > _MAX_PARSE:
        return None
    try:
        decoded = json.loads(text)
    except Exception:
        return None
    if isinstance(decoded, list):
        decoded = next((item for item in decoded[:4] if isinstance(item, Mapping)), None)
    if not isinstance(decoded, Mapping):
        return None
    found = _from_mapping(decoded, depth + 1)
    return found if found != EMPTY else None


def _under(outer: ErrorFields, inner: Optional[ErrorFields]) -> ErrorFields:
    """The inner (upstream) fields, with the outer ones filling what the inner lack."""
    if inner is None:
        return outer
    merged: dict[str, Any] = {
        name: mine if mine is not None else theirs
        for name, mine, theirs in zip(ErrorFields._fields, inner, outer)
    }
    return ErrorFields(**merged)


def _from_mapping(error: Mapping[str, object], depth: int) -> ErrorFields:
    inner = error.get("error")
    if depth < _MAX_DEPTH and isinstance(inner, Mapping):
        return plain_fields(inner) or _from_mapping(inner, depth + 1)
    base = error.get("base_resp")
    if base is not None and isinstance(base, Mapping) and base.get("status_code") not in (
            0, None):
        # MiniMax: HTTP 200 with {"base_resp": {"status_code": 1002, "status_msg": ...}}
        return ErrorFields(code=_token(base.get("status_code")),
                           message=_message(base.get("status_msg")))
    if isinstance(inner, str):
        # Ollama and some proxies: the error is just a sentence.
        return ErrorFields(message=_message(inner), body_status=_status(error.get("status")))
    raw_code = error.get("code")
    status_value = error.get("status")
    if status_value is None:
        status_value = error.get("statusCode") or error.get("StatusCode")
    details = error.get("details")
    errors = error.get("errors")
    innererror = error.get("innererror")
    inner_code = _token(innererror.get("code")) if isinstance(innererror, Mapping) else None
    message = (_message(error.get("message")) or _message(error.get("detail"))
               or _message(error.get("msg")))
    outer = ErrorFields(
        code=_token(raw_code),
        type=_token(error.get("type")),
        message=message,
        status_word=status_value.strip()[:_MAX_TOKEN] or None
        if isinstance(status_value, str) and not status_value.strip().isdigit()
        else None,
        body_status=_status(raw_code) or (
            _status(status_value) if status_value is not None else None),
        inner_code=inner_code,
        retry_delay=_retry_delay(details) if details is not None else None,
        reason=(_reason(details) if details is not None else None) or (
            _reason(errors) if errors is not None else None),
    )
    upstream = _stringified(error.get("message"), depth)
    if upstream is None and depth < _MAX_DEPTH and not _KNOWN_KEYS.issuperset(error):
        # keys no provider's own envelope has: perhaps a gateway's, around the provider's
        upstream = _wrapped(error, depth)
        metadata = error.get("metadata")
        if upstream is None and metadata is not None and isinstance(metadata, Mapping):
            # OpenRouter and gateways like it: the provider's own body, as text
            upstream = _stringified(metadata.get("raw"), depth)
    return _under(outer, upstream)


# The keys of the envelopes read above; a mapping with only these holds no wrapped error.
_KNOWN_KEYS = frozenset({
    "error", "message", "type", "param", "code", "status", "statusCode", "innererror",
    "details", "errors", "detail", "msg", "object", "request_id", "id", "sequence_number",
    "line",
})


def _wrapped(error: Mapping[str, object], depth: int) -> Optional[ErrorFields]:
    """A provider's error a gateway nested under a key of its own (``extError``,
    ``upstream_error``, ``provider_error``): any object under a key ending in ``error``."""
    for count, (key, value) in enumerate(error.items()):
        if count >= 16:
            return None
        if (isinstance(key, str) and key.lower().endswith("error") and key != "innererror"
                and isinstance(value, Mapping)):
            found = _from_mapping(value, depth + 1)
            return found if found != EMPTY else None
    return None


_PLAIN_KEYS = frozenset({"message", "type", "param", "code"})


def plain_fields(body: object) -> Optional[ErrorFields]:
    """OpenAI's own error object, as the SDK hands it over in ``exc.body``, read directly.

    The general walk looks for nested errors, Azure's inner codes, Google's details and
    JSON inside the message; none can be in a dict with only OpenAI's four keys, a
    non-numeric code and a message that is a sentence. Anything else returns None and
    goes the general way, with the same answer it always had.
    """
    if type(body) is not dict or not _PLAIN_KEYS.issuperset(body):
        return None
    code = body.get("code")
    kind = body.get("type")
    message = body.get("message")
    if code is not None:
        if type(code) is not str or code.strip().isdigit():
            return None
        code = code.strip()[:_MAX_TOKEN] or None
    if kind is not None:
        if type(kind) is not str:
            return None
        kind = kind.strip()[:_MAX_TOKEN] or None
    if type(message) is not str or not message:
        message = None
    elif message[0] in "{[" or message[0].isspace():
        return None  # perhaps an upstream error as JSON text: the general walk reads it
    else:
        message = message[:_MAX_MESSAGE]
    return ErrorFields(code, kind, message)


def _from_text(text: str) -> ErrorFields:
    stripped = text.strip()
    if stripped[:1] in ("{", "[") and len(stripped) <= _MAX_PARSE:
        try:
            return fields_from_body(json.loads(stripped))
        except Exception:  # not JSON after all, or nested too deep
            pass
    return ErrorFields(message=_message(stripped[:_MAX_MESSAGE]))


def fields_from_body(body: object) -> ErrorFields:
    """The error fields of a decoded or raw body; ``EMPTY`` when there are none."""
    if body is None:
        return EMPTY
    if isinstance(body, Mapping):
        return _from_mapping(body, 0)
    if isinstance(body, (bytes, bytearray, memoryview)):
        return _from_text(bytes(body[:_MAX_PARSE + 1]).decode("utf-8", errors="replace"))
    if isinstance(body, str):
        return _from_text(body if len(body) <= _MAX_PARSE + 1 else body[:_MAX_PARSE + 1])
    if isinstance(body, (list, tuple)):
        for item in body[:4]:
            if isinstance(item, Mapping):
                return _from_mapping(item, 0)
        return EMPTY
    return fields_from_object(body)


def fields_from_object(error: object) -> ErrorFields:
    """The error fields of an SDK model (``ResponseError``, ``ResponseErrorEvent``...)."""
    if error is None:
        return EMPTY
    if isinstance(error, Mapping):
        return _from_mapping(error, 0)
    try:
        return ErrorFields(
            code=_token(getattr(error, "code", None)),
            type=_token(getattr(error, "type", None)),
            message=_message(getattr(error, "message", None)),
        )
    except Exception:
        return EMPTY
