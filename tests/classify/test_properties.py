"""Whatever arrives, the classifier answers from the closed set, the same way twice, fast."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_error_telemetry import (
    Classification,
    ErrorCode,
    classify,
    classify_batch_line,
    classify_exception,
    classify_http,
    classify_job,
    classify_stream_event,
)
from openai_error_telemetry.classify import classify_named_exception
from openai_error_telemetry.classify.headers import rate_limit_numbers, retry_after

CODES = set(ErrorCode)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
error_tokens = st.sampled_from(
    ["rate_limit_exceeded", "insufficient_quota", "server_error", "tokens", "requests",
     "RESOURCE_EXHAUSTED", "overloaded_error", "429", "content_filter", "invalid_request_error",
     "context_length_exceeded", "", "x" * 300]
) | st.text(max_size=20) | st.integers()
envelopes = st.fixed_dictionaries(
    {},
    optional={"code": error_tokens, "type": error_tokens, "message": st.text(max_size=80),
              "status": error_tokens, "innererror": st.dictionaries(st.just("code"), error_tokens)},
)
bodies = (
    json_values
    | envelopes.map(lambda e: {"error": e})
    | envelopes.map(lambda e: [{"error": e}])
    | json_values.map(json.dumps)
    | st.binary(max_size=200)
    | st.text(max_size=200)
)
header_values = st.text(max_size=30) | st.binary(max_size=30) | st.integers() | st.floats() | st.none()
header_maps = st.dictionaries(
    st.sampled_from(["retry-after", "Retry-After", "retry-after-ms", "x-request-id",
                     "x-ratelimit-remaining-tokens", "x-ratelimit-remaining-requests",
                     "x-ratelimit-limit-tokens", "x-should-retry"]) | st.text(max_size=10),
    header_values,
    max_size=6,
) | st.lists(st.tuples(st.text(max_size=10), header_values), max_size=4) | json_values


def _valid(result: Classification) -> None:
    assert isinstance(result, Classification)
    assert result.code in CODES
    assert isinstance(result.retryable, bool)
    assert result.provider_code is None or (isinstance(result.provider_code, str)
                                            and len(result.provider_code) <= 128)
    assert result.retry_after is None or result.retry_after >= 0
    assert result.rate_limit_kind in (None, "requests", "tokens")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(status=st.none() | st.integers(-1000, 100000) | json_values, headers=header_maps, body=bodies)
def test_http_never_raises_and_is_deterministic(status: Any, headers: Any, body: Any) -> None:
    first = classify_http(status, headers, body)
    _valid(first)
    assert classify_http(status, headers, body) == first
    _valid(classify(status=status, headers=headers, body=body))


@settings(max_examples=300)
@given(anything=json_values | bodies)
def test_data_readers_never_raise(anything: Any) -> None:
    for reader in (classify_job, classify_stream_event, classify_batch_line):
        result = reader(anything)
        if result is not None:
            _valid(result)
        assert reader(anything) == result
    _valid(classify(anything))


@settings(max_examples=200)
@given(name=st.text(max_size=40), status=st.none() | st.integers(0, 1000), body=bodies,
       message=st.none() | st.text(max_size=60))
def test_named_exceptions_never_raise(name: str, status: Any, body: Any, message: Any) -> None:
    _valid(classify_named_exception(name, status=status, body=body, message=message))


class Hostile(Exception):
    """An exception whose every attribute access and str() blows up."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("__class__", "__cause__", "__context__", "__traceback__"):
            return object.__getattribute__(self, name)
        raise RuntimeError("no")

    def __str__(self) -> str:
        raise RuntimeError("no")


@settings(max_examples=100)
@given(status=st.none() | st.integers() | st.text(max_size=5), body=bodies, headers=header_maps)
def test_exceptions_with_odd_attributes_never_raise(status: Any, body: Any, headers: Any) -> None:
    exc = Exception("odd")
    exc.status_code = status  # type: ignore[attr-defined]
    exc.body = body  # type: ignore[attr-defined]
    exc.headers = headers  # type: ignore[attr-defined]
    _valid(classify_exception(exc))
    _valid(classify_exception(Hostile()))


@given(value=st.text(max_size=40) | st.binary(max_size=40))
def test_retry_after_is_never_negative_or_infinite(value: Any) -> None:
    for name in ("retry-after", "retry-after-ms"):
        seconds = retry_after({name: value})
        assert seconds is None or 0 <= seconds < float("inf")
    assert all(v >= 0 for v in rate_limit_numbers({"x-ratelimit-remaining-tokens": value}).values())


def test_retry_after_edge_values() -> None:
    assert retry_after({"retry-after": "-5"}) is None
    assert retry_after({"retry-after": "1e400"}) is None
    assert retry_after({"retry-after": "nan"}) is None
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({"Retry-After": "Sun, 22 Nov 2026 10:00:30 GMT"}, now=1795341600.0) == 30.0


def test_huge_and_deep_bodies_stay_fast() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    huge = json.dumps({"error": {"code": "server_error", "message": "x" * (8 * 1024 * 1024)}})
    started = time.thread_time()
    for body in (deep, deep.encode(), huge, huge.encode(), b"\xff\xfe" * 1_000_000):
        _valid(classify_http(500, {}, body))
    # Generous: a guard against parsing many MiB, not a benchmark. This thread's CPU
    # time, which a loaded machine's run queue does not add to.
    assert time.thread_time() - started < 2.0
    assert classify_http(500, {}, huge).code is ErrorCode.SERVER_ERROR
