"""Concurrent calls keep their attempts apart; raw and streaming-response modes; zero-code."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.instrumentation.harness import (
    FAST_RETRY,
    RATE,
    async_client,
    chat_body,
    client,
    json_response,
    sse_response,
)


def retry_once(request: Any) -> Any:
    """429 on each call's first try, 200 on its retry: the SDK numbers the tries."""
    if request.headers.get("x-stainless-retry-count") == "0":
        return json_response(429, RATE, FAST_RETRY)
    return json_response(200, chat_body())


def check_each_operation_has_its_two_attempts(telemetry: Any, calls: int) -> None:
    operations = telemetry.spans("operation")
    assert len(operations) == calls
    attempts = telemetry.spans("attempt")
    assert len(attempts) == 2 * calls
    for op in operations:
        mine = [a for a in attempts if a.parent.span_id == op.context.span_id]
        assert sorted(a.attributes.get("error.type", "ok") for a in mine) == [
            "ok", "rate_limited"]
    assert telemetry.total("openai.client.retry.delay") == calls


def test_threads_keep_their_attempts_apart(telemetry):
    c = client(retry_once)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: c.chat.completions.create(model="m", messages=[]), range(12)))
    check_each_operation_has_its_two_attempts(telemetry, 12)


async def test_tasks_keep_their_attempts_apart(telemetry):
    c = async_client(retry_once)
    await asyncio.gather(*(c.chat.completions.create(model="m", messages=[])
                           for _ in range(12)))
    check_each_operation_has_its_two_attempts(telemetry, 12)


def test_streaming_response_mode_ends_at_the_headers(telemetry):
    c = client(lambda request: json_response(200, chat_body()))
    with c.chat.completions.with_streaming_response.create(model="m", messages=[]) as raw:
        (op,) = telemetry.spans("operation")
        assert op.attributes["gen_ai.operation.name"] == "chat"
        assert raw.parse().id == "chatcmpl-1"


async def test_abandoned_async_stream_ends_its_span(telemetry):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}
    c = async_client(lambda request: sse_response([chunk, chunk, chunk]))
    stream = await c.chat.completions.create(model="m", messages=[], stream=True)
    await stream.__anext__()
    del stream
    gc.collect()
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.stream.outcome"] == "abandoned"


APP = textwrap.dedent("""
    import importlib, json, openai
    major = int(openai.__version__.split(".")[0])
    http = importlib.import_module("httpx2" if major >= 3 else "httpx")
    body = {"error": {"code": "insufficient_quota", "type": "insufficient_quota",
                      "message": "no credit"}}
    transport = http.MockTransport(lambda r: http.Response(429, json=body))
    c = openai.OpenAI(api_key="sk-x", base_url="http://zero.test/v1", max_retries=0,
                      http_client=http.Client(transport=transport))
    try:
        c.chat.completions.create(model="gpt-zero", messages=[])
    except openai.RateLimitError:
        print("raised RateLimitError")
""")


def test_zero_code_mode_emits_our_spans(tmp_path: Path):
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
           "OTEL_LOGS_EXPORTER": "none", "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "openai",
           "OPENAI_ERROR_TELEMETRY_LOGS": "false"}
    command = Path(sys.executable).parent / "opentelemetry-instrument"
    done = subprocess.run([str(command), sys.executable, str(script)], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert "raised RateLimitError" in done.stdout
    assert '"name": "chat gpt-zero"' in done.stdout
    assert '"error.type": "quota_exhausted"' in done.stdout
