"""Calls kept apart: a call made inside another one is an operation of its own.

A custom transport on client A calls client B while A's request is in flight; an async
call spawns a task that calls B, during the call or after it ended. Each call gets its
own operation span and its own attempts, counted as the server saw them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.hardening import calls
from tests.instrumentation.harness import Telemetry, http, instrumented

pytestmark = pytest.mark.integration
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield from instrumented(Telemetry())


def _operations(telemetry: Any) -> dict[str, Any]:
    return {s.attributes["gen_ai.operation.name"]: s for s in telemetry.spans("operation")}


def _attempt_points(telemetry: Any) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = {}
    for point in telemetry.points("openai.client.attempts"):
        attrs = dict(point.attributes)
        key = (attrs["gen_ai.operation.name"], str(attrs["openai.retry.will_retry"]))
        totals[key] = totals.get(key, 0) + point.value
    return totals


class CallingTransport(http.BaseTransport):  # type: ignore[misc, name-defined]
    """Forwards A's request, after calling client B from inside it."""

    def __init__(self, inner: Any, other: openai.OpenAI) -> None:
        self.inner = inner
        self.other = other

    def handle_request(self, request: Any) -> Any:
        self.other.models.list()
        return self.inner.handle_request(request)


def test_a_call_inside_a_transport_is_its_own_operation(fault_server, telemetry):
    other = calls.sync_client(fault_server, max_retries=0)
    transport = CallingTransport(http.HTTPTransport(), other)
    outer = openai.OpenAI(api_key="sk-test", base_url=fault_server.base_url, max_retries=2,
                          http_client=http.Client(transport=transport))
    outer.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    ops = _operations(telemetry)
    assert set(ops) == {"chat", "models.list"}
    chat, listing = ops["chat"], ops["models.list"]
    # B's span is a child of A's (it ran inside A's call), with its own server and status
    assert listing.parent is not None
    assert listing.parent.span_id == chat.context.span_id
    assert listing.attributes["http.response.status_code"] == 200
    assert chat.attributes["http.response.status_code"] == 200
    # one try each, as the server saw: no attempt spans, no retry, no resend count
    assert telemetry.spans("attempt") == []
    assert _attempt_points(telemetry) == {("chat", "False"): 1, ("models.list", "False"): 1}


async def test_tasks_spawned_in_a_call_are_their_own_operations(fault_server, telemetry):
    other = calls.async_client(fault_server, max_retries=0)
    spawned: list[asyncio.Task[Any]] = []

    class SpawningTransport(http.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def handle_async_request(self, request: Any) -> Any:
            # one task awaited inside the call, one left to run after it ended
            await asyncio.create_task(_now(other))
            spawned.append(asyncio.create_task(_later(other)))
            return await self.inner.handle_async_request(request)

    outer = openai.AsyncOpenAI(
        api_key="sk-test", base_url=fault_server.base_url, max_retries=0,
        http_client=http.AsyncClient(transport=SpawningTransport(http.AsyncHTTPTransport())))
    await outer.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    await asyncio.gather(*spawned)
    names = sorted(s.attributes["gen_ai.operation.name"] for s in telemetry.spans("operation"))
    assert names == ["batches.list", "chat", "models.list"]
    assert _attempt_points(telemetry) == {
        ("chat", "False"): 1, ("models.list", "False"): 1, ("batches.list", "False"): 1}


async def _now(client: openai.AsyncOpenAI) -> None:
    await client.models.list()


async def _later(client: openai.AsyncOpenAI) -> None:
    await asyncio.sleep(0)
    await client.batches.list()


def test_the_retry_hooks_of_another_client_leave_the_call_alone(fault_server, telemetry):
    """B fails and retries inside A's single try: A's try is not marked as retried."""
    other = calls.sync_client(fault_server, max_retries=1)

    class RetryingInside(CallingTransport):
        def handle_request(self, request: Any) -> Any:
            headers = calls.fault_headers("server_error;times=1")
            self.other.models.list(extra_headers=headers)
            return self.inner.handle_request(request)

    outer = openai.OpenAI(
        api_key="sk-test", base_url=fault_server.base_url, max_retries=2,
        http_client=http.Client(transport=RetryingInside(http.HTTPTransport(), other)))
    outer.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    attempts = telemetry.spans("attempt")
    # B's two tries have spans under B's operation; A's one try has none
    listing = _operations(telemetry)["models.list"]
    assert len(attempts) == 2
    assert all(a.parent.span_id == listing.context.span_id for a in attempts)
    assert _attempt_points(telemetry)[("chat", "False")] == 1
    assert ("chat", "True") not in _attempt_points(telemetry)
