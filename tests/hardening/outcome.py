"""What a user's call did, as plain data that two runs can be compared by.

A returned value becomes its class name and its fields; a stream, every item it gave and
the error it ended with; a raw response, its status, headers and parsed value; an
exception, its class, every attribute callers read, its HTTP response and the classes of
its ``__cause__`` and ``__context__``. Only what differs between any two calls to the
server (ids, timestamps, request ids, rate-limit countdowns) is masked, and request ids
keep their shape (``req_*``), so a lost or replaced one still shows.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import openai

VOLATILE_KEYS = frozenset({"id", "created", "created_at", "date", "openai-processing-ms"})
VOLATILE_HEADER_PREFIXES = ("x-ratelimit-remaining-", "x-ratelimit-reset-")
_IDS = re.compile(r"\b(chatcmpl-|resp_|msg_|req_)[0-9A-Za-z]+")
MASK = "<volatile>"
_ERROR_ATTRIBUTES = ("status_code", "code", "type", "param", "message", "body", "request_id")


def scrub(value: Any) -> Any:
    """``value`` with per-call ids and timestamps masked, recursively."""
    if isinstance(value, dict):
        return {
            str(k): MASK if _volatile(str(k)) else scrub(v) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return _IDS.sub(lambda m: m.group(1) + "*", value)
    return value


def _volatile(key: str) -> bool:
    lowered = key.lower()
    return lowered in VOLATILE_KEYS or lowered.startswith(VOLATILE_HEADER_PREFIXES) or (
        lowered == "x-request-id"
    )


def class_name(value: Any) -> str:
    """The class as the user sees it (``__class__``, which a transparent proxy forwards)."""
    cls = value.__class__
    return f"{cls.__module__}.{cls.__qualname__}"


def _headers(http_response: Any) -> Any:
    return scrub(dict(http_response.headers.items()))


def _http_response(response: Any) -> Any:
    if response is None:
        return None
    try:
        content: Any = scrub(response.content)
    except Exception as error:  # an unread streamed body
        content = f"<unread: {type(error).__name__}>"
    return {
        "class": class_name(response), "status": response.status_code,
        "headers": _headers(response), "content": content,
        "request": scrub(f"{response.request.method} {response.request.url}"),
    }


def error(exc: BaseException) -> dict[str, Any]:
    """Everything a caller can read off an exception."""
    attributes = {name: scrub(getattr(exc, name, "<absent>")) for name in _ERROR_ATTRIBUTES}
    request = getattr(exc, "request", None)
    return {
        "raised": class_name(exc),
        "str": scrub(str(exc)),
        "attributes": attributes,
        "response": _http_response(getattr(exc, "response", None)),
        "request": None if request is None else scrub(f"{request.method} {request.url}"),
        "cause": None if exc.__cause__ is None else class_name(exc.__cause__),
        "context": None if exc.__context__ is None else class_name(exc.__context__),
        "suppress_context": exc.__suppress_context__,
    }


def _model(value: Any) -> dict[str, Any]:
    return {"model": class_name(value),
            "fields": scrub(value.model_dump(mode="json", warnings=False))}


def _raw(value: Any) -> dict[str, Any]:
    return {"raw": class_name(value), "status": value.status_code,
            "headers": _headers(value), "retries_taken": getattr(value, "retries_taken", None)}


def _is_raw(value: Any) -> bool:
    return hasattr(value, "parse") and (
        hasattr(value, "http_request") or hasattr(value, "http_response")
    )


def describe(value: Any) -> Any:
    """A sync call's result, consumed the way a user would (streams read to the end)."""
    if isinstance(value, openai.BaseModel):
        return _model(value)
    if _is_raw(value):
        return {**_raw(value), "parsed": attempt(lambda: describe(value.parse()))}
    if hasattr(value, "__next__") or isinstance(value, openai.Stream):
        return _stream(value)
    if hasattr(value, "__enter__"):
        with value as entered:
            return {"entered": class_name(value), "value": describe(entered)}
    return scrub(value)


def _stream(stream: Any) -> dict[str, Any]:
    items: list[Any] = []
    try:
        for item in stream:
            items.append(describe(item))
    except Exception as exc:
        return {"stream": class_name(stream), "items": items, "ended": error(exc)}
    return {"stream": class_name(stream), "items": items, "ended": "exhausted"}


def attempt(call: Any) -> Any:
    """``call()``'s description, or the description of what it raised."""
    try:
        return {"returned": call()}
    except Exception as exc:
        return error(exc)


async def adescribe(value: Any) -> Any:
    """An async call's result, awaited and consumed the way a user would."""
    if inspect.isawaitable(value) and not isinstance(value, openai.BaseModel):
        value = await value
    if isinstance(value, openai.BaseModel):
        return _model(value)
    if _is_raw(value):
        return {**_raw(value), "parsed": await aattempt(lambda: adescribe(value.parse()))}
    if hasattr(value, "__anext__") or isinstance(value, openai.AsyncStream):
        return await _astream(value)
    if hasattr(value, "__aenter__"):
        async with value as entered:
            return {"entered": class_name(value), "value": await adescribe(entered)}
    return scrub(value)


async def _astream(stream: Any) -> dict[str, Any]:
    items: list[Any] = []
    try:
        async for item in stream:
            items.append(await adescribe(item))
    except Exception as exc:
        return {"stream": class_name(stream), "items": items, "ended": error(exc)}
    return {"stream": class_name(stream), "items": items, "ended": "exhausted"}


async def aattempt(call: Any) -> Any:
    try:
        return {"returned": await call()}
    except Exception as exc:
        return error(exc)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where two descriptions differ, as ``path: expected != actual`` lines."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual), key=str):
            found += differences(expected.get(key, "<absent>"), actual.get(key, "<absent>"),
                                 f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for index, (left, right) in enumerate(zip(expected, actual)):
            found += differences(left, right, f"{path}[{index}]")
        return found
    return [] if expected == actual else [f"{path}: {expected!r:.300} != {actual!r:.300}"]
