"""Every endpoint is covered; no metric carries an id, a message or a URL."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from tests.instrumentation.harness import (
    FAST_RETRY,
    QUOTA,
    RATE,
    chat_body,
    client,
    json_response,
    sse_response,
)

ALLOWED_METRIC_ATTRIBUTES = {
    "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
    "gen_ai.response.model", "server.address", "server.port", "error.type",
    "http.response.status_code", "openai.retry.will_retry", "gen_ai.token.type",
    "openai.ratelimit.kind", "openai.job.type", "openai.job.status",
}
EMBEDDING = {"object": "embedding", "index": 0, "embedding": [0.5]}
ID_MARKS = ("resp_", "req_", "chatcmpl", "file-", "batch_", "/", "?")


def router(request: Any) -> Any:
    path = request.url.path
    headers = {"x-request-id": "req_abc123", "x-ratelimit-remaining-tokens": "10"}
    if path.endswith("/chat/completions") and b"fail" in request.content:
        return json_response(429, QUOTA, {**FAST_RETRY, **headers})
    first_try = request.headers.get("x-stainless-retry-count") == "0"
    if path.endswith("/chat/completions") and b"retry" in request.content and first_try:
        return json_response(429, RATE, {**FAST_RETRY, **headers})
    if path.endswith("/chat/completions"):
        return json_response(200, chat_body(), headers)
    if path.endswith("/embeddings"):
        return json_response(200, {"object": "list", "model": "emb-1", "data": [EMBEDDING],
                                   "usage": {"prompt_tokens": 2, "total_tokens": 2}}, headers)
    if path.endswith("/moderations"):
        return json_response(200, {"id": "modr-1", "model": "omni", "results": []}, headers)
    if path.endswith("/images/generations"):
        return json_response(200, {"created": 1, "data": []}, headers)
    if path.endswith("/batches"):
        return json_response(200, {"id": "batch_1", "object": "batch", "status": "validating",
                                   "endpoint": "/v1/chat/completions", "input_file_id": "f",
                                   "completion_window": "24h", "created_at": 1}, headers)
    if "/responses/" in path:
        return json_response(200, {"id": "resp_9z", "object": "response", "status": "failed",
                                   "background": True, "model": "gpt-4o", "output": [],
                                   "error": {"code": "server_error", "message": "x"}}, headers)
    return json_response(404, {"error": {"code": None, "message": "no", "type": "x"}}, headers)


def exercise(c: Any) -> None:
    c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "ok"}])
    c.chat.completions.create(model="gpt-4o-mini",
                              messages=[{"role": "user", "content": "retry"}])
    with pytest.raises(Exception, match="quota"):
        c.chat.completions.create(model="gpt-4o-mini",
                                  messages=[{"role": "user", "content": "fail"}])
    c.embeddings.create(model="emb", input="x")
    c.moderations.create(input="x")
    c.images.generate(prompt="x", model="img")
    c.batches.create(input_file_id="file-abc1", endpoint="/v1/chat/completions",
                     completion_window="24h")
    c.responses.retrieve("resp_9z")
    with pytest.raises(Exception, match="no"):
        c.files.retrieve("file-xyz9")


def test_every_endpoint_gets_an_operation_span(telemetry):
    exercise(client(router))
    names = sorted(s.attributes["gen_ai.operation.name"] for s in telemetry.spans("operation"))
    assert names == sorted(["chat", "chat", "chat", "embeddings", "moderations.create",
                            "images.generate", "batches.create", "fetch_response",
                            "files.retrieve"])
    failed = {s.attributes["gen_ai.operation.name"]: s.attributes["error.type"]
              for s in telemetry.spans("operation")
              if s.status.status_code == StatusCode.ERROR}
    # the retrieve of a failed background job worked: the job's end is an event on it
    assert failed == {"chat": "quota_exhausted", "files.retrieve": "not_found"}
    (retrieve,) = [s for s in telemetry.spans("operation")
                   if s.attributes["gen_ai.operation.name"] == "fetch_response"]
    (ended,) = [e for e in retrieve.events if e.name == "openai.job.ended"]
    assert ended.attributes["error.type"] == "server_error"
    assert telemetry.total("openai.jobs.ended", error__type="server_error") == 1


def test_no_metric_attribute_is_high_cardinality(telemetry):
    exercise(client(router))
    data = telemetry.reader.get_metrics_data()
    seen_names = set()
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                seen_names.add(metric.name)
                for point in metric.data.data_points:
                    attributes = dict(point.attributes)
                    assert set(attributes) <= ALLOWED_METRIC_ATTRIBUTES, metric.name
                    for value in attributes.values():
                        assert not any(mark in str(value) for mark in ID_MARKS), (
                            metric.name, value)
    assert {"gen_ai.client.operation.duration", "openai.client.attempts",
            "openai.client.retry.delay", "openai.jobs.ended",
            "openai.ratelimit.remaining", "gen_ai.client.token.usage"} <= seen_names


def test_resumed_background_stream_failure_is_linked_and_counted(telemetry):
    created = {"id": "resp_st1", "object": "response", "status": "queued", "background": True,
               "model": "gpt-4o", "output": []}
    failed = {**created, "status": "failed",
              "error": {"code": "rate_limit_exceeded", "message": "x"}}

    def handler(request: Any) -> Any:
        if request.method == "POST":
            return json_response(200, created)
        return sse_response([
            {"type": "response.in_progress", "sequence_number": 1,
             "response": {**created, "status": "in_progress"}},
            {"type": "response.failed", "sequence_number": 2, "response": failed},
        ], done=False)

    c = client(handler)
    c.responses.create(model="gpt-4o", input="x", background=True)
    events = list(c.responses.retrieve("resp_st1", stream=True, starting_after=0))
    assert events[-1].type == "response.failed"
    create, resumed = sorted(telemetry.spans("operation"), key=lambda s: s.start_time)
    # Reading the job's stream worked; the job failed: an event, a count, no error span.
    assert "error.type" not in resumed.attributes
    assert resumed.attributes["openai.stream.outcome"] == "completed"
    (ended,) = [e for e in resumed.events if e.name == "openai.job.ended"]
    assert ended.attributes["error.type"] == "rate_limited"
    assert resumed.links[0].context.span_id == create.context.span_id
    assert telemetry.total("openai.jobs.ended", openai__job__status="failed") == 1
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1
