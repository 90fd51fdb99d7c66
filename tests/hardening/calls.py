"""Every way the hardening tests call the SDK, written once for sync and async clients.

A ``Call`` builds the user's call from a client (``openai.OpenAI`` or ``AsyncOpenAI``),
the fault headers and, for calls on an existing response, the id ``prepare`` created.
The result (a value, a coroutine, a stream, a context manager) is consumed by
``outcome.describe`` / ``outcome.adescribe`` as a user would consume it; ``run_sync`` and
``run_async`` do that on a fresh client and add what the server counted meanwhile.
"""

from __future__ import annotations

import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

import openai

from tests.fault_server import FaultServerProcess
from tests.hardening import outcome

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "hello"}]
Make = Callable[[Any, dict[str, str], Any], Any]


@dataclass(frozen=True)
class Call:
    name: str
    make: Make
    prepare: Optional[Callable[[openai.OpenAI], Any]] = None
    streamed: bool = False
    responses: bool = False


def _stored(client: openai.OpenAI) -> str:
    return client.responses.create(model=MODEL, input="hello").id


def _running(client: openai.OpenAI) -> str:
    return client.responses.create(
        model=MODEL, input="hello", background=True,
        extra_headers={"x-fault": "background_failed;queued=5;run=5"}).id


def _chat(c: Any, h: dict[str, str], **kw: Any) -> Any:
    return c.chat.completions.create(model=MODEL, messages=MESSAGES, extra_headers=h, **kw)


STREAM_OPTIONS = {"include_usage": True}

CALLS: tuple[Call, ...] = (
    Call("chat.create", lambda c, h, _: _chat(c, h)),
    Call("chat.create.stream", lambda c, h, _: _chat(
        c, h, stream=True, stream_options=STREAM_OPTIONS), streamed=True),
    Call("chat.raw", lambda c, h, _: c.chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, extra_headers=h)),
    Call("chat.raw.stream", lambda c, h, _: c.chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, extra_headers=h, stream=True), streamed=True),
    Call("chat.streaming_response", lambda c, h, _:
         c.chat.completions.with_streaming_response.create(
             model=MODEL, messages=MESSAGES, extra_headers=h)),
    Call("chat.streaming_response.stream", lambda c, h, _:
         c.chat.completions.with_streaming_response.create(
             model=MODEL, messages=MESSAGES, extra_headers=h, stream=True), streamed=True),
    Call("chat.parse", lambda c, h, _: c.chat.completions.parse(
        model=MODEL, messages=MESSAGES, extra_headers=h)),
    Call("chat.stream_manager", lambda c, h, _: c.chat.completions.stream(
        model=MODEL, messages=MESSAGES, extra_headers=h), streamed=True),
    Call("responses.create", lambda c, h, _: c.responses.create(
        model=MODEL, input="hello", extra_headers=h), responses=True),
    Call("responses.create.stream", lambda c, h, _: c.responses.create(
        model=MODEL, input="hello", extra_headers=h, stream=True),
        streamed=True, responses=True),
    Call("responses.stream_manager", lambda c, h, _: c.responses.stream(
        model=MODEL, input="hello", extra_headers=h), streamed=True, responses=True),
    Call("responses.parse", lambda c, h, _: c.responses.parse(
        model=MODEL, input="hello", extra_headers=h), responses=True),
    Call("responses.background", lambda c, h, _: c.responses.create(
        model=MODEL, input="hello", background=True, extra_headers=h), responses=True),
    Call("responses.retrieve", lambda c, h, rid: c.responses.retrieve(rid, extra_headers=h),
         prepare=_stored),
    Call("responses.raw.retrieve", lambda c, h, rid: c.responses.with_raw_response.retrieve(
        rid, extra_headers=h), prepare=_stored),
    Call("responses.cancel", lambda c, h, rid: c.responses.cancel(rid, extra_headers=h),
         prepare=_running),
    Call("embeddings.create", lambda c, h, _: c.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=4, extra_headers=h)),
    Call("embeddings.raw", lambda c, h, _: c.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input="a", dimensions=4, extra_headers=h)),
    Call("models.list", lambda c, h, _: c.models.list(extra_headers=h)),
    Call("models.streaming_response.list", lambda c, h, _:
         c.models.with_streaming_response.list(extra_headers=h)),
    # Not served by the fault server: the base client's generic path and a 404 NotFoundError.
    Call("moderations.create", lambda c, h, _: c.moderations.create(
        input="hello", extra_headers=h)),
)

BY_NAME = {call.name: call for call in CALLS}


def fault_headers(fault: str) -> dict[str, str]:
    """The ``x-fault`` headers, with a fresh countdown key so runs never share ``times=``."""
    if not fault:
        return {}
    return {"x-fault": fault, "x-fault-key": uuid.uuid4().hex}


# One TLS context for every client: building one per client costs 20 ms (the CA bundle),
# which hundreds of cases would pay for nothing on a loopback http:// server.
TLS = ssl.create_default_context()


def sync_client(server: FaultServerProcess, **options: Any) -> openai.OpenAI:
    """The SDK's own client with its own default HTTP client (only the TLS context shared)."""
    options.setdefault("max_retries", 1)
    options.setdefault("timeout", 10)
    options.setdefault("api_key", "sk-test")
    return openai.OpenAI(base_url=server.base_url,
                         http_client=openai.DefaultHttpxClient(verify=TLS), **options)


def async_client(server: FaultServerProcess, **options: Any) -> openai.AsyncOpenAI:
    options.setdefault("max_retries", 1)
    options.setdefault("timeout", 10)
    options.setdefault("api_key", "sk-test")
    return openai.AsyncOpenAI(base_url=server.base_url,
                              http_client=openai.DefaultAsyncHttpxClient(verify=TLS), **options)


class Tally:
    """The server's per endpoint/fault/status counts around one run: answers already in
    flight before it (another test's) are left alone; the run's own are waited for, as a
    client that gave up is counted only when the server notices."""

    def __init__(self, server: FaultServerProcess) -> None:
        self.server = server
        stats = server.stats()
        self.before = dict(stats["by_endpoint_fault_status"])
        self.in_flight = int(stats["in_flight"])

    def delta(self) -> dict[str, int]:
        deadline = time.monotonic() + 10
        while True:
            stats = self.server.stats()
            if stats["in_flight"] <= self.in_flight:
                return tally_delta(self.before, dict(stats["by_endpoint_fault_status"]))
            assert time.monotonic() < deadline, "the server never finished answering"
            time.sleep(0.005)


def tally_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def run_sync(server: FaultServerProcess, call: Call, fault: str, **options: Any) -> Any:
    """The call on a fresh client, consumed: what the user saw, what the server counted."""
    tally = Tally(server)
    with sync_client(server, **options) as client:
        prepared = call.prepare(client) if call.prepare else None
        headers = fault_headers(fault)
        seen = outcome.attempt(lambda: outcome.describe(call.make(client, headers, prepared)))
    return {"user": seen, "server": tally.delta()}


async def run_async(server: FaultServerProcess, call: Call, fault: str, **options: Any) -> Any:
    tally = Tally(server)
    prepared = None
    if call.prepare:
        with sync_client(server) as setup:
            prepared = call.prepare(setup)
    async with async_client(server, **options) as client:
        headers = fault_headers(fault)
        seen = await outcome.aattempt(
            lambda: outcome.adescribe(call.make(client, headers, prepared)))
    return {"user": seen, "server": tally.delta()}
