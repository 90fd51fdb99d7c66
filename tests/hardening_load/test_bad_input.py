"""Hostile input: the classifier and the header parsers never raise, never hang, and say
``unknown`` when nothing is known; the CLI names each bad line and keeps going.

Extends ``tests/classify/test_properties.py`` (random JSON-ish bodies and headers) with
what it does not throw: objects whose every method raises, numbers too big for a float,
NaN and infinity spelled as text, bytes that are not UTF-8 in keys and values, 100,000
levels of nesting, bodies of 10 MiB, into every public entry point.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Optional

import openai
import pytest
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
    classify_webhook_event,
    raise_for_job,
)
from openai_error_telemetry.classify import classify_named_exception
from openai_error_telemetry.classify import headers as parsers
from openai_error_telemetry.classify.jobfacts import job_facts
from openai_error_telemetry.classify.jobs import SURFACES

MIB = 1024 * 1024
# Very generous: a guard against parsing or copying without bound, not a benchmark. It
# bounds this thread's CPU time, which waiting for a CPU on a loaded machine does not add
# to (the run queue is not CPU time); the worst input takes about 60 ms of it.
MAX_CPU_SECONDS = 1.0


class Hostile:
    """Every question one may ask of it raises."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name}")

    def __bool__(self) -> bool:
        raise RuntimeError("no bool")

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no iter")

    def __len__(self) -> int:
        raise RuntimeError("no len")


class HostileMapping(Mapping[str, Any]):
    """A mapping whose lookups and iteration raise."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no item")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iter")

    def __len__(self) -> int:
        return 1


class HostileError(Exception):
    """An exception whose attributes are all hostile."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("__class__", "__cause__", "__context__", "__traceback__", "__dict__"):
            return object.__getattribute__(self, name)
        return Hostile()


numbers_as_text = st.sampled_from([
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e308", "-5", "-0",
    "0x10", "1_000", " 7 ", "", " ", "9" * 400, "-" + "9" * 400, "1" * 5000, "٣", "¹",
])
non_utf8 = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80abc"])
huge_ints = st.sampled_from([10**400, -(10**400), 10**20, -1, 2**63, -(2**63)]) | st.integers()
odd_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324])
weird = (st.builds(Hostile) | st.builds(HostileMapping) | st.builds(object)
         | st.sampled_from([frozenset({1}), ...]))
scalars = (numbers_as_text | non_utf8 | huge_ints | odd_floats | weird | st.none()
           | st.booleans() | st.text(max_size=20) | st.binary(max_size=20))
header_names = st.sampled_from([
    "retry-after", "RETRY-AFTER", "retry-after-ms", "x-should-retry", "x-request-id",
    "apim-request-id", "x-ratelimit-remaining-requests", "X-RateLimit-Remaining-Tokens",
    "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
]) | non_utf8 | st.text(max_size=12) | huge_ints | weird
header_values = scalars | st.lists(scalars, max_size=3) | st.tuples(scalars, scalars)
header_containers = (
    st.dictionaries(st.sampled_from(["retry-after", "retry-after-ms", "x-request-id",
                                     "x-ratelimit-remaining-tokens", "x-should-retry"]),
                    header_values, max_size=5)
    | st.lists(st.tuples(header_names, header_values), max_size=6)
    | st.lists(st.lists(scalars, max_size=4), max_size=4)
    | scalars
)
hostile_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["error", "code", "type", "status", "message", "object",
                                       "response", "body", "status_code", "custom_id",
                                       "innererror", "details", "errors", "statusCode",
                                       "last_error", "incomplete_details", "request_counts",
                                       "data", "id", "background"])
                      | st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def valid(result: Optional[Classification]) -> None:
    if result is None:
        return
    assert isinstance(result, Classification)
    assert result.code in set(ErrorCode)
    assert isinstance(result.retryable, bool)
    assert result.http_status is None or 100 <= result.http_status <= 599
    assert result.provider_code is None or len(result.provider_code) <= 128
    assert result.retry_after is None or 0 <= result.retry_after < math.inf
    assert result.rate_limit_kind in (None, "requests", "tokens")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(status=scalars, headers=header_containers, body=hostile_values)
def test_every_entry_point_answers_hostile_values(status: Any, headers: Any, body: Any) -> None:
    valid(classify_http(status, headers, body))
    valid(classify(status=status, headers=headers, body=body))
    valid(classify(body))
    for reader in (classify_job, classify_stream_event, classify_batch_line,
                   classify_webhook_event):
        valid(reader(body))
    try:  # returns what is not a failed job; raises only the SDK's classes for one
        assert raise_for_job(body) is body
    except openai.APIError:
        assert job_facts(body) is not None
    error = Exception("x")
    error.status_code = status  # type: ignore[attr-defined]
    error.headers = headers  # type: ignore[attr-defined]
    error.body = body  # type: ignore[attr-defined]
    error.code = body  # type: ignore[attr-defined]
    valid(classify_exception(error))
    valid(classify_exception(HostileError()))
    valid(classify_named_exception("openai.RateLimitError", status=status, headers=headers,
                                   body=body))


JOB_OBJECTS = st.sampled_from([o for row in SURFACES for o in row.objects] + ["event"])
JOB_STATUSES = st.sampled_from(sorted({s for row in SURFACES for s in (
    *row.pending, *row.succeeded, *row.ended)})) | scalars
WEBHOOK_TYPES = st.sampled_from(sorted({t for row in SURFACES for t in row.webhooks})) | scalars


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(kind=JOB_OBJECTS, status=JOB_STATUSES, event_type=WEBHOOK_TYPES,
       fields=st.dictionaries(st.sampled_from([
           "error", "last_error", "errors", "incomplete_details", "request_counts", "id",
           "data", "background", "file_counts", "_request_id"]), hostile_values, max_size=5))
def test_malformed_jobs_of_every_surface_never_raise(kind: Any, status: Any, event_type: Any,
                                                     fields: dict[str, Any]) -> None:
    job = {"object": kind, "status": status, **fields}
    valid(classify_job(job))
    valid(classify(job))
    event = {"object": "event", "type": event_type, **fields}
    valid(classify_webhook_event(event))
    valid(classify(event))
    raised: Optional[BaseException] = None
    try:
        assert raise_for_job(job) is job
    except openai.APIError as error:  # a real job that failed: only ever the SDK's class
        raised = error
    if raised is not None:
        assert job_facts(job) is not None
        assert isinstance(getattr(raised, "classification", None), Classification)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(headers=header_containers)
def test_header_parsers_never_raise_and_stay_in_range(headers: Any) -> None:
    view = parsers.normalize(headers)
    assert all(isinstance(k, str) and isinstance(v, str) and len(v) <= 256
               for k, v in view.items())
    seconds = parsers.retry_after(headers)
    assert seconds is None or 0 <= seconds < math.inf
    numbers = parsers.rate_limit_numbers(headers)
    assert all(0 <= value < math.inf for value in numbers.values())
    assert parsers.rate_limit_kind(headers) in (None, "requests", "tokens")
    request_id = parsers.request_id(headers)
    assert request_id is None or (isinstance(request_id, str) and len(request_id) <= 256)
    assert parsers.should_retry(headers) in (None, True, False)


@settings(max_examples=200)
@given(value=numbers_as_text | non_utf8 | huge_ints | odd_floats)
def test_garbage_numbers_in_every_numeric_header_mean_no_hint(value: Any) -> None:
    for name in ("retry-after", "retry-after-ms"):
        seconds = parsers.retry_after({name: value})
        assert seconds is None or 0 <= seconds < math.inf
    for name in ("remaining", "limit"):
        for kind in ("requests", "tokens"):
            found = parsers.rate_limit_numbers({f"x-ratelimit-{name}-{kind}": value})
            assert all(0 <= number < math.inf for number in found.values())


# Text with no letters: no error object, no word the classifier's last resort could read.
no_words = st.text(st.characters(blacklist_categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Cs")),
                   max_size=200)


@settings(max_examples=200)
@given(headers=header_containers, text=no_words | no_words.map(str.encode) | non_utf8)
def test_nothing_known_is_unknown(headers: Any, text: Any) -> None:
    """No status, no error object, no words: the answer is ``unknown``, whatever else came."""
    assert classify_http(None, headers, text).code is ErrorCode.UNKNOWN
    assert classify(Hostile()).code is ErrorCode.UNKNOWN
    assert classify(HostileMapping()).code is ErrorCode.UNKNOWN
    assert classify_exception(HostileError()).code is ErrorCode.UNKNOWN
    for reader in (classify_job, classify_stream_event, classify_batch_line):
        assert reader(Hostile()) in (None, classify(Hostile()))


def test_a_400_digit_code_in_a_json_body_keeps_the_rest_of_the_answer() -> None:
    """Python's json reads it as an int too big for a float; it used to erase the 429."""
    body = json.loads('{"error": {"code": 1' + "0" * 400 + ', "type": "requests",'
                      ' "status": 1' + "0" * 400 + "}}")
    result = classify_http(429, {"x-ratelimit-remaining-requests": "0"}, body)
    assert result.code is ErrorCode.RATE_LIMITED
    assert result.http_status == 429
    assert result.provider_code is None
    assert result.rate_limit_kind == "requests"
    assert classify_http(429, {}, {"error": {"code": -(10**127)}}).provider_code is None
    assert classify_http(429, {}, {"error": {"code": 10**126}}).provider_code == str(10**126)


def test_a_huge_int_header_value_costs_no_other_header() -> None:
    """``str()`` of a 5,000-digit int raises; it used to empty the whole header view."""
    headers = {"retry-after": 10**5000, "x-request-id": "req_1",
               "x-ratelimit-remaining-tokens": 10**300, "x-ratelimit-remaining-requests": 0}
    assert parsers.request_id(headers) == "req_1"
    assert parsers.retry_after(headers) is None
    assert parsers.rate_limit_numbers(headers) == {("requests", "remaining"): 0.0}
    assert parsers.rate_limit_kind(headers) == "requests"
    assert all(len(value) <= 256 for value in parsers.normalize(headers).values())


def deep_dict(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        child: dict[str, Any] = {}
        node["error"] = child
        node = child
    return root


def deep_list(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


class HugeMessage(Exception):
    def __str__(self) -> str:
        return "connection reset " + "x" * (10 * MIB)


TEN = "x" * (10 * MIB)
DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT_JSON = '{"error":' * 100_000 + "1" + "}" * 100_000
BIG_ENVELOPE = {"error": {"code": "server_error", "message": "{" + TEN, "type": TEN}}
BIG_LINE = json.dumps({"custom_id": "a", "response": {"status_code": 500,
                                                      "body": {"error": {"message": TEN}}}})

# (name, entry point, builder of its arguments): the arguments are built untimed.
HOSTILE: list[tuple[str, Callable[..., Any], Callable[[], tuple[Any, ...]]]] = [
    ("http deep dict", classify_http, lambda: (500, {}, deep_dict(100_000))),
    ("http deep list", classify_http, lambda: (500, {}, deep_list(100_000))),
    ("http deep json text", classify_http, lambda: (500, {}, DEEP_OBJECT_JSON)),
    ("http 10 MiB text", classify_http, lambda: (500, {}, TEN)),
    ("http 10 MiB bytes not utf-8", classify_http, lambda: (500, {}, b"\xff" * (10 * MIB))),
    ("http 10 MiB envelope", classify_http, lambda: (500, {}, BIG_ENVELOPE)),
    ("http 10 MiB headers", classify_http,
     lambda: (429, {"retry-after": "9" * (10 * MIB), "x-request-id": TEN}, None)),
    ("http 100k header pairs", classify_http,
     lambda: (429, [("x-ratelimit-remaining-tokens", "1")] * 100_000, None)),
    ("classify deep dict", classify, lambda: (deep_dict(100_000),)),
    ("classify deep list", classify, lambda: (deep_list(100_000),)),
    ("response deep", classify_job,
     lambda: ({"object": "response", "status": "failed", "error": deep_dict(100_000)},)),
    ("response 10 MiB", classify_job,
     lambda: ({"object": "response", "status": "failed", "error": BIG_ENVELOPE["error"]},)),
    ("stream event deep", classify_stream_event,
     lambda: ({"type": "error", "error": deep_dict(100_000)},)),
    ("stream event 10 MiB", classify_stream_event,
     lambda: ({"type": "error", "code": TEN, "message": TEN},)),
    ("batch line deep json", classify_batch_line, lambda: (DEEP_JSON,)),
    ("batch line deep object json", classify_batch_line, lambda: (DEEP_OBJECT_JSON.encode(),)),
    ("batch line 10 MiB", classify_batch_line, lambda: (BIG_LINE,)),
    ("batch line 10 MiB garbage", classify_batch_line, lambda: (b"\xff" * (10 * MIB),)),
    ("exception 10 MiB message", lambda e: classify_exception(e, after_response=True),
     lambda: (HugeMessage(),)),
    ("named exception 10 MiB", lambda name: classify_named_exception(
        name, message=TEN, body=BIG_ENVELOPE), lambda: ("httpx." + TEN,)),
]


@pytest.mark.parametrize(("name", "entry", "arguments"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_deep_and_huge_inputs_answer_fast(name: str, entry: Callable[..., Any],
                                          arguments: Callable[[], tuple[Any, ...]]) -> None:
    args = arguments()
    started = time.thread_time()
    result = entry(*args)
    took = time.thread_time() - started
    valid(result)
    assert took < MAX_CPU_SECONDS, f"{name}: {took:.3f} s of CPU"


def test_huge_inputs_still_tell_what_they_know() -> None:
    ten = "x" * (10 * MIB)
    assert classify_http(500, {}, {"error": {"code": "server_error", "message": ten}}).code is (
        ErrorCode.SERVER_ERROR)
    line = json.dumps({"custom_id": "a", "response": {"status_code": 429, "body": {
        "error": {"code": "insufficient_quota", "message": ten}}}})
    assert classify_batch_line(line).code is ErrorCode.QUOTA_EXHAUSTED  # type: ignore[union-attr]
    assert classify_exception(HugeMessage(), after_response=True).code is ErrorCode.UNKNOWN


# -- the command line ---------------------------------------------------------------------


def run_cli(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "openai_error_telemetry", "classify"],
                          input=stdin, capture_output=True, timeout=60, check=False)


def test_cli_names_every_bad_line_and_classifies_the_rest() -> None:
    ten = "x" * (10 * MIB)
    good = json.dumps({"kind": "http", "status": 429}).encode()
    stdin = b"\n".join([
        good,                                                             # 1
        b"[" * 100_000 + b"]" * 100_000,                                  # 2 too deep
        json.dumps({"kind": "http", "status": 500,
                    "body": {"error": {"message": ten}}}).encode(),       # 3 10 MiB, fine
        b'{"kind": "http", "status": 500, "body": "' + ten.encode(),      # 4 10 MiB, cut
        b"\x00\x01\x02\x7f binary",                                       # 5
        b"\xff\xd8\xff\xe0 jpeg",                                         # 6 not UTF-8
        json.dumps({"kind": "teapot"}).encode(),                          # 7
        b'{"kind": "http", "status": 1' + b"0" * 5000 + b"}",             # 8 int too long
        b'{"kind": "http", "status": 429, "body": {"error": {"code": 1'
        + b"0" * 400 + b"}}}",                                            # 9 fine
        b"",                                                              # 10 blank: skipped
        b"null",                                                          # 11
        good,                                                             # 12
    ])
    done = run_cli(stdin)
    assert done.returncode == 1
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    codes = {row["line"]: row.get("code") for row in rows if "error" not in row}
    assert codes == {1: "rate_limited", 3: "server_error", 9: "rate_limited",
                     12: "rate_limited"}
    errors = dict(line.split(": ", 1) for line in done.stderr.decode().splitlines())
    assert sorted(errors) == sorted(f"line {n}" for n in (2, 4, 5, 6, 7, 8, 11))
    assert errors["line 2"].startswith("not valid JSON")
    assert errors["line 4"].startswith("not valid JSON")
    assert errors["line 6"].startswith("not valid UTF-8")
    assert errors["line 7"].startswith("unknown kind 'teapot'")
    assert errors["line 11"] == "expected a JSON object, got NoneType"
    assert all(len(message) < 300 for message in errors.values())


@pytest.mark.parametrize("stdin", [b"", b"\n\n   \n", b"\r\n"])
def test_cli_given_nothing_answers_nothing_and_succeeds(stdin: bytes) -> None:
    done = run_cli(stdin)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
