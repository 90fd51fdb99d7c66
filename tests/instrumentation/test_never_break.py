"""Our own failures never change the user's call; nothing secret leaves the process."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import openai
import pytest

from openai_error_telemetry.instrumentation import operation, streams
from tests.instrumentation.harness import (
    FAST_RETRY,
    QUOTA,
    RATE,
    chat_body,
    client,
    json_response,
    sequence,
    sse_response,
)

INTERNAL_LOGGER = "openai_error_telemetry.instrumentation"


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("instrumentation bug")


@pytest.mark.parametrize(
    "hook",
    ["__init__", "begin_attempt", "attempt_answered", "retry_planned", "returned", "end"],
)
def test_a_failing_hook_leaves_result_and_retries_untouched(telemetry, monkeypatch, caplog, hook):
    monkeypatch.setattr(operation.Operation, hook, boom)
    handler, seen = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    c = client(handler)
    with caplog.at_level(logging.WARNING, logger=INTERNAL_LOGGER):
        for _ in range(2):
            result = c.chat.completions.create(model="m", messages=[])
            assert result.choices[0].message.content == "hi"
    assert len(seen) == 3  # 429, 200, then the second call's answer (the last repeats)
    reports = [r for r in caplog.records if r.name == INTERNAL_LOGGER]
    assert len(reports) == 1  # logged once per hook, not once per call


def test_a_failing_hook_leaves_the_exception_object_untouched(telemetry, monkeypatch):
    received: list[BaseException] = []

    def spy(self: Any, error: BaseException, after_response: bool = False) -> None:
        received.append(error)
        raise RuntimeError("instrumentation bug")

    monkeypatch.setattr(operation.Operation, "raised", spy)
    handler, seen = sequence(json_response(429, QUOTA, FAST_RETRY))
    with pytest.raises(openai.RateLimitError) as caught:
        client(handler).chat.completions.create(model="m", messages=[])
    assert received == [caught.value]
    assert len(seen) == 3
    assert caught.value.code == "insufficient_quota"
    origin = caught.tb
    while origin.tb_next is not None:
        origin = origin.tb_next
    assert f"openai{os.sep}" in origin.tb_frame.f_code.co_filename


def test_a_failing_stream_hook_leaves_the_stream_untouched(telemetry, monkeypatch):
    monkeypatch.setattr(streams.StreamWatcher, "item", boom)
    monkeypatch.setattr(streams.StreamWatcher, "exhausted", boom)
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}
    handler, _ = sequence(sse_response([chunk, chunk, chunk]))
    stream = client(handler).chat.completions.create(model="m", messages=[], stream=True)
    assert len(list(stream)) == 3


def everything_emitted(telemetry: Any, logs: Any) -> str:
    parts: list[Any] = []
    for span in telemetry.spans():
        parts.append(span.name)
        parts.append(dict(span.attributes))
        parts.extend(dict(e.attributes) for e in span.events)
        parts.append(span.status.description)
    data = telemetry.reader.get_metrics_data()
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                parts.extend(dict(p.attributes) for p in metric.data.data_points)
    parts.extend(logs.entries)
    return json.dumps(parts, default=str)


def test_no_key_header_prompt_or_completion_is_recorded(telemetry, logs):
    failure = {"error": {"code": "invalid_value", "type": "invalid_request_error",
                         "message": "bad value near SECRET-PROMPT"}}
    handler, _ = sequence(
        json_response(200, chat_body(text="SECRET-COMPLETION")), json_response(400, failure))
    c = client(handler, organization="org-SECRETORG", project="proj_SECRETPROJ")
    c.chat.completions.create(model="m", messages=[{"role": "user", "content": "SECRET-PROMPT"}])
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="m",
                                  messages=[{"role": "user", "content": "SECRET-PROMPT"}])
    emitted = everything_emitted(telemetry, logs)
    assert "invalid_request" in emitted  # the failure did get recorded
    for secret in ("sk-test-secret-key", "SECRET-PROMPT", "SECRET-COMPLETION", "SECRETORG",
                   "SECRETPROJ", "Bearer"):
        assert secret not in emitted
