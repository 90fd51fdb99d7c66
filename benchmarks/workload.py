"""The calls every tool is timed on, over an in-memory transport or loopback HTTP.

Imports nothing of ours: the same file runs in the peers' virtualenvs. In memory the
real SDK parses real bytes from an ``httpx``/``httpx2`` ``MockTransport``, so only the
client side is timed; over HTTP the fault server answers (``x-fault`` picks the case).
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import os
import statistics
import time
from typing import Any, Callable, NamedTuple, Optional

import openai

MAJOR = int(openai.__version__.split(".")[0])
http: Any = importlib.import_module("httpx2" if MAJOR >= 3 else "httpx")

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "hi"}]
CHUNKS = 20
# what the API sends along with every answer (the classifier and the gauges read them)
HEADERS = {
    "content-type": "application/json", "x-request-id": "req_0123456789abcdef",
    "openai-processing-ms": "120", "openai-version": "2020-10-01",
    "x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-limit-tokens": "2000000", "x-ratelimit-remaining-tokens": "1999990",
    "x-ratelimit-reset-requests": "6ms", "x-ratelimit-reset-tokens": "0s",
}
CHAT = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": MODEL,
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "hello"}}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
}).encode()
RATE = json.dumps({"error": {
    "message": f"Rate limit reached for {MODEL} in organization org-x on requests per min "
    "(RPM): Limit 10000, Used 10000, Requested 1. Please try again in 6ms.",
    "type": "requests", "param": None, "code": "rate_limit_exceeded"}}).encode()
RATE_HEADERS = {**HEADERS, "x-ratelimit-remaining-requests": "0", "retry-after-ms": "6",
                "retry-after": "1"}
# a 429 the SDK retries after 1 ms (its first retry is the SDK's own, as in production)
RETRY_HEADERS = {**RATE_HEADERS, "retry-after-ms": "1"}
SERVER = json.dumps({"error": {
    "message": "The server had an error while processing your request. Sorry about that!",
    "type": "server_error", "param": None, "code": "server_error"}}).encode()
CHUNK = json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                    "model": MODEL, "choices": [{"index": 0, "delta": {"content": "tok"},
                                                 "finish_reason": None}]})
STREAM = ("".join(f"data: {CHUNK}\n\n" for _ in range(CHUNKS)) + "data: [DONE]\n\n").encode()
SSE = {"content-type": "text/event-stream", "x-request-id": "req_0123456789abcdef"}


def _failed_response(response_id: str) -> bytes:
    return json.dumps({
        "id": response_id, "object": "response", "created_at": 1, "model": MODEL,
        "status": "failed", "background": True, "output": [], "parallel_tool_calls": True,
        "tool_choice": "auto", "tools": [], "incomplete_details": None, "instructions": None,
        "metadata": {}, "temperature": 1.0, "top_p": 1.0, "usage": None,
        "error": {"code": "server_error", "message": "The response failed: server_error."},
    }).encode()


def respond(request: Any) -> Any:
    """The in-memory API: the case travels in ``x-bench``."""
    case = request.headers.get("x-bench", "success")
    if case == "429":
        return http.Response(429, headers=RATE_HEADERS, content=RATE)
    if case == "retry" and request.headers.get("x-stainless-retry-count", "0") == "0":
        return http.Response(429, headers=RETRY_HEADERS, content=RATE)  # the retry succeeds
    if case == "500":
        return http.Response(500, headers=HEADERS, content=SERVER)
    if case == "timeout":
        raise http.ReadTimeout("timed out", request=request)
    if case == "stream":
        return http.Response(200, headers=SSE, content=STREAM)
    if case == "background":
        return http.Response(200, headers=HEADERS,
                             content=_failed_response(request.url.path.rsplit("/", 1)[-1]))
    return http.Response(200, headers=HEADERS, content=CHAT)


async def respond_async(request: Any) -> Any:
    return respond(request)


class Target(NamedTuple):
    """Where the clients send: in memory (``url`` None) or a fault server."""

    url: Optional[str]

    def sync_client(self) -> Any:
        if self.url is None:
            transport = http.Client(transport=http.MockTransport(respond))
            return openai.OpenAI(api_key="sk-bench", base_url="http://bench.test/v1",
                                 max_retries=0, http_client=transport)
        return openai.OpenAI(api_key="sk-bench", base_url=self.url, max_retries=0)

    def async_client(self) -> Any:
        if self.url is None:
            transport = http.AsyncClient(transport=http.MockTransport(respond_async))
            return openai.AsyncOpenAI(api_key="sk-bench", base_url="http://bench.test/v1",
                                      max_retries=0, http_client=transport)
        return openai.AsyncOpenAI(api_key="sk-bench", base_url=self.url, max_retries=0)

    def headers(self, case: str) -> dict[str, str]:
        if self.url is None:
            return {"x-bench": case}
        fault = {"429": "rate_limited", "500": "server_error", "timeout": "timeout=1"}
        return {"x-fault": fault[case]} if case in fault else {}


class Timing(NamedTuple):
    """Median µs per call; for streams also time to first chunk and µs per later chunk."""

    per_call: float
    first_chunk: Optional[float] = None
    per_chunk: Optional[float] = None


_IDS = itertools.count()


class Runner:
    """One client per kind, reused across rounds as an application would."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client = target.sync_client()
        self.aclient = target.async_client()
        self.loop = asyncio.new_event_loop()
        self.jobs: list[str] = []

    def close(self) -> None:
        self.loop.run_until_complete(self.aclient.close())
        self.loop.close()
        self.client.close()

    def prepare(self, case: str, calls: int) -> None:
        """Untimed set-up: failed background jobs to retrieve (over HTTP they must exist)."""
        if case != "background":
            return
        if self.target.url is None:
            self.jobs = [f"resp_{next(_IDS):08d}" for _ in range(calls)]
            return
        self.jobs = [
            self.client.responses.create(
                model=MODEL, input="hi", background=True,
                extra_headers={"x-fault": "background_failed;queued=0;run=0"}).id
            for _ in range(calls)
        ]

    def run(self, case: str, calls: int) -> Timing:
        """Each call timed alone; the median of a round shrugs off the moments another
        process had the CPU, which a mean would spread over every call."""
        if case == "async":
            return self._run_async(calls)
        if case == "stream":
            return self._run_stream(calls)
        call = self._call(case)
        clock = time.perf_counter
        times = []
        for index in range(calls):
            start = clock()
            call(index)
            times.append(clock() - start)
        return Timing(statistics.median(times) * 1e6)

    def _call(self, case: str) -> Callable[[int], None]:
        create = self.client.chat.completions.create
        headers = self.target.headers(case)
        if case == "success":
            return lambda _: create(model=MODEL, messages=MESSAGES, extra_headers=headers)
        if case == "background":
            retrieve = self.client.responses.retrieve
            jobs = self.jobs
            return lambda index: retrieve(jobs[index], extra_headers=headers)
        if case == "retry":
            retrying = self.client.with_options(max_retries=1)
            return lambda _: retrying.chat.completions.create(
                model=MODEL, messages=MESSAGES, extra_headers=self._retry_headers())
        client = self.client.with_options(timeout=0.02) if case == "timeout" else self.client

        def failing(_: int) -> None:
            try:
                client.chat.completions.create(model=MODEL, messages=MESSAGES,
                                               extra_headers=headers)
            except openai.APIError:
                return
            raise SystemExit(f"case {case}: the call did not fail")

        return failing

    def _retry_headers(self) -> dict[str, str]:
        """In memory the SDK's retry count picks the answer; the fault server fires a
        ``times=1`` fault once per distinct header value, so each call of each worker gets
        its own."""
        if self.target.url is None:
            return {"x-bench": "retry"}
        return {"x-fault": f"rate_limited;times=1;call={os.getpid()}-{next(_IDS)}"}

    def _run_stream(self, calls: int) -> Timing:
        create = self.client.chat.completions.create
        headers = self.target.headers("stream")
        clock = time.perf_counter
        totals, firsts, chunks = [], [], []
        for _ in range(calls):
            began = clock()
            stream = create(model=MODEL, messages=MESSAGES, stream=True, extra_headers=headers)
            iterator = iter(stream)
            next(iterator)
            got_first = clock()
            count = sum(1 for _ in iterator)
            ended = clock()
            totals.append(ended - began)
            firsts.append(got_first - began)
            chunks.append((ended - got_first) / max(count, 1))
        median = statistics.median
        return Timing(median(totals) * 1e6, median(firsts) * 1e6, median(chunks) * 1e6)

    def _run_async(self, calls: int) -> Timing:
        create = self.aclient.chat.completions.create
        headers = self.target.headers("success")
        clock = time.perf_counter
        times: list[float] = []

        async def many() -> None:
            for _ in range(calls):
                start = clock()
                await create(model=MODEL, messages=MESSAGES, extra_headers=headers)
                times.append(clock() - start)

        self.loop.run_until_complete(many())
        return Timing(statistics.median(times) * 1e6)


CASES = ("success", "retry", "429", "500", "timeout", "stream", "background", "async")
