"""An exception known only by name is classified by the same dispatcher as a live one.

``classify_named_exception`` builds a stand-in of the named class and hands it to the
live path, so the CLI and the instrumentation cannot disagree. Each case below raises
the real class (openai, httpx or httpx2, aiohttp, requests, the standard library),
classifies it, and asks the by-name path the same question.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, Callable, Optional

import httpx
import openai
import pytest

from openai_error_telemetry import ErrorCode, classify_exception
from openai_error_telemetry.classify import classify_named_exception

C = ErrorCode
REQUEST = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")


def _status_error(cls: type[openai.APIStatusError], status: int, body: Any) -> BaseException:
    response = httpx.Response(status, request=REQUEST, json=body)
    return cls("m", response=response, body=body)


def _transport(module: str, name: str, message: str) -> Callable[[], BaseException]:
    def make() -> BaseException:
        cls: Any = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        return cls(message)  # type: ignore[no-any-return]
    return make


def _aiohttp_dns() -> BaseException:
    """What aiohttp raises when the name does not resolve (DefaultAioHttpClient)."""
    import aiohttp

    key = aiohttp.client_reqrep.ConnectionKey("api.openai.com", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorDNSError(key, OSError(-2, "Name or service not known"))


# (label, the live exception, its full class name, status, body, message, after_response)
CASES: list[tuple[str, Callable[[], BaseException], str, Optional[int], Any, str, bool]] = [
    ("api_key missing", lambda: openai.OpenAIError(
        "The api_key client option must be set either by passing api_key to the client or "
        "by setting the OPENAI_API_KEY environment variable"), "openai.OpenAIError", None, None,
     "The api_key client option must be set either by passing api_key to the client or by "
     "setting the OPENAI_API_KEY environment variable", False),
    ("bare OpenAIError", lambda: openai.OpenAIError("something"), "openai.OpenAIError",
     None, None, "something", False),
    ("ConnectError saying chunked", _transport("httpx", "ConnectError",
                                               "incomplete chunked read"),
     "httpx.ConnectError", None, None, "incomplete chunked read", False),
    ("RemoteProtocolError saying chunked", _transport(
        "httpx", "RemoteProtocolError", "peer closed connection without sending complete "
        "message body (incomplete chunked read)"), "httpx.RemoteProtocolError", None, None,
     "peer closed connection without sending complete message body (incomplete chunked read)",
     False),
    ("RemoteProtocolError before data", _transport("httpx", "RemoteProtocolError",
                                                   "Server disconnected"),
     "httpx.RemoteProtocolError", None, None, "Server disconnected", False),
    ("ReadError after data", _transport("httpx", "ReadError", "reset"), "httpx.ReadError",
     None, None, "reset", True),
    ("ReadTimeout", _transport("httpx", "ReadTimeout", "timed out"), "httpx.ReadTimeout",
     None, None, "timed out", False),
    ("aiohttp DNS", lambda: _aiohttp_dns(), "aiohttp.client_exceptions.ClientConnectorDNSError",
     None, None, "Cannot connect to host api.openai.com:443 ssl:default [Name or service not "
     "known]", False),
    ("requests ConnectionError", _transport("requests", "exceptions.ConnectionError", "x"),
     "requests.exceptions.ConnectionError", None, None, "x", False),
    ("requests ChunkedEncodingError", _transport("requests", "exceptions.ChunkedEncodingError",
                                                 "x"),
     "requests.exceptions.ChunkedEncodingError", None, None, "x", False),
    ("CancelledError", asyncio.CancelledError, "asyncio.exceptions.CancelledError", None, None,
     "", False),
    ("stream helper", lambda: RuntimeError("Didn't receive a `response.completed` event."),
     "builtins.RuntimeError", None, None, "Didn't receive a `response.completed` event.", False),
    ("RateLimitError quota", lambda: _status_error(
        openai.RateLimitError, 429, {"error": {"code": "insufficient_quota"}}),
     "openai.RateLimitError", 429, {"error": {"code": "insufficient_quota"}}, "m", False),
    ("InternalServerError overloaded", lambda: _status_error(
        openai.InternalServerError, 503, {"error": {"type": "server_error",
                                                    "message": "The engine is overloaded"}}),
     "openai.InternalServerError", 503,
     {"error": {"type": "server_error", "message": "The engine is overloaded"}}, "m", False),
    ("APIError mid-stream", lambda: openai.APIError(
        "m", REQUEST, body={"code": "rate_limit_exceeded", "message": "m"}),
     "openai.APIError", 200, {"code": "rate_limit_exceeded", "message": "m"}, "m", True),
    ("APITimeoutError", lambda: openai.APITimeoutError(request=REQUEST),
     "openai.APITimeoutError", None, None, "Request timed out.", False),
    ("LengthFinishReasonError", lambda: RuntimeError("stand-in"),
     "openai.LengthFinishReasonError", None, None, "", False),
]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_by_name_is_the_live_answer(index: int) -> None:
    label, make, name, status, body, message, after = CASES[index]
    if name == "openai.LengthFinishReasonError":
        live = classify_exception(openai.LengthFinishReasonError.__new__(
            openai.LengthFinishReasonError))
    else:
        live = classify_exception(make(), after_response=after)
    named = classify_named_exception(name, status=200 if after else status, body=body,
                                     message=message)
    assert (named.code, named.retryable) == (live.code, live.retryable), label
    assert named.decided_by == live.decided_by, label


def test_the_two_disagreements_the_issue_found_are_settled() -> None:
    assert classify_named_exception(
        "openai.OpenAIError", message="The api_key client option must be set").code \
        is C.AUTH_ERROR
    assert classify_named_exception(
        "httpx.ConnectError", message="incomplete chunked read").code is C.CONNECTION_ERROR


@pytest.mark.parametrize("name", ["", " ", "1abc", "a..b", "x.", "openai.Rate Limit", "\x00"])
def test_a_name_that_is_no_class_name_is_unknown(name: str) -> None:
    assert classify_named_exception(name).code is C.UNKNOWN


def _exception_classes(module_name: str) -> list[type[BaseException]]:
    module = importlib.import_module(module_name)
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseException)
            and value.__module__.split(".", 1)[0] == module_name.split(".", 1)[0]]


TRANSPORT_MODULES = ["httpx", "aiohttp.client_exceptions", "requests.exceptions"]


@pytest.mark.parametrize("module_name", TRANSPORT_MODULES)
def test_every_transport_class_gives_the_same_answer_by_name(module_name: str) -> None:
    """By name there is no MRO to walk: each class an answer depends on is in the table."""
    from openai_error_telemetry.classify.exceptions import Kind, kind_of_names, names_of

    checked = 0
    for cls in _exception_classes(module_name):
        live = kind_of_names(names_of(cls))
        if live is None or live.kind in (Kind.STATUS, Kind.STREAM_HELPER):
            continue  # unknown without a status either way; RuntimeError misuse
        root = cls.__module__.split(".", 1)[0]
        by_name = kind_of_names([(root, cls.__name__)])
        assert by_name is not None, cls
        assert (by_name.kind, by_name.code) == (live.kind, live.code), cls
        checked += 1
    assert checked >= 8, module_name
