"""An error body is parsed once: by the SDK when it raises the answer, by us only for a
try the SDK retries (whose body it never parses)."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from openai_error_telemetry.instrumentation import operation
from tests.instrumentation.harness import FAST_RETRY, QUOTA, client, json_response, sequence


@pytest.fixture
def ours(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every error answer our classifier parses itself."""
    calls: list[Any] = []
    original = operation.classify_http

    def counted(*args: Any) -> Any:
        calls.append(args[0])
        return original(*args)

    monkeypatch.setattr(operation, "classify_http", counted)
    return calls


@pytest.mark.parametrize(("retries", "parsed_by_us"), [(0, []), (1, [429]), (2, [429, 429])])
def test_only_retried_tries_are_parsed_by_us(telemetry, ours, retries, parsed_by_us):
    handler, _ = sequence(json_response(429, QUOTA, FAST_RETRY))
    with pytest.raises(openai.RateLimitError):
        client(handler, max_retries=retries).chat.completions.create(model="m", messages=[])
    assert ours == parsed_by_us
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "quota_exhausted"
    codes = [s.attributes["error.type"] for s in telemetry.spans("attempt")]
    assert codes == (["quota_exhausted"] * (retries + 1) if retries else [])
    assert telemetry.total("openai.client.attempts", error__type="quota_exhausted") == retries + 1


@pytest.mark.parametrize("retries", [0, 2])
def test_each_answer_s_headers_are_read_once(telemetry, monkeypatch, retries):
    """The headers of each answer are read once, at the answer: the gauges and the code
    both use that reading, and the SDK's exception is not read for them again."""
    from openai_error_telemetry.classify import headers

    reads: list[int] = []
    original = headers._from_httpx

    def counted(pairs: Any) -> Any:
        reads.append(len(pairs))
        return original(pairs)

    monkeypatch.setattr(headers, "_from_httpx", counted)
    handler, _ = sequence(json_response(429, QUOTA, {**FAST_RETRY, "x-request-id": "req_p1"}))
    with pytest.raises(openai.RateLimitError):
        client(handler, max_retries=retries).chat.completions.create(model="m", messages=[])
    assert len(reads) == retries + 1  # one reading per answer, none of the exception
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "quota_exhausted"
    assert op.attributes["openai.request_id"] == "req_p1"  # read from that one reading
