"""The instrumented workload: what a real application does with the ``openai`` SDK.

Sync callers (one thread each) and async callers (tasks on one event loop) loop over a
mix of plain and streamed chat completions, Responses calls, embeddings, background
Responses jobs and Agents API turns (both polled to the end). The scenario fails some
HTTP attempts; the callers add the faults a scenario cannot place (a stream cut mid-way,
a job that fails after HTTP 200) through the fault server's ``x-fault`` header. Callers never
inspect failures themselves: every number the demo shows comes from the telemetry.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

import openai
from openai.types.chat import ChatCompletionUserMessageParam

from .scenarios import CALM, Load

# Not a secret: the fault server accepts any key, and none of it reaches telemetry.
API_KEY = "sk-demo-not-a-real-key"
PROMPT = "Give me one short sentence about observability."
CHAT_MODEL = "gpt-4o-mini"
RESPONSES_MODEL = "gpt-4.1-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})
POLL_INTERVAL_S = 0.25
JOB_DEADLINE_S = 15.0

# (kind, weight): a chat-heavy mix like most applications'.
KINDS: tuple[tuple[str, float], ...] = (
    ("chat", 0.38),
    ("chat_stream", 0.20),
    ("responses", 0.10),
    ("responses_stream", 0.10),
    ("embeddings", 0.10),
    ("background", 0.08),
    ("agent_turn", 0.04),  # a background job where the SDK has no Agents API (< 3.x)
)
# Faults the workload asks for itself, per kind: (x-fault value, probability).
HEADER_FAULTS: dict[str, tuple[tuple[str, float], ...]] = {
    "chat_stream": (("stream_cut=3", 0.06),),
    "responses_stream": (("stream_cut=3", 0.06),),
    "background": (
        ("background_failed=server_error", 0.10),
        ("background_failed=rate_limit_exceeded", 0.05),
        ("background_incomplete=max_output_tokens", 0.05),
    ),
    "agent_turn": (("job_failed=server_overloaded", 0.10),),
}
TURN_INPUT: list[dict[str, Any]] = [{"type": "agent.session.input.message",
                                     "input": [{"role": "user", "content": PROMPT}]}]


@dataclass(frozen=True)
class WorkloadConfig:
    """How hard and how the callers call."""

    base_url: str
    concurrency: int
    seed: Optional[int] = None
    timeout_s: float = 1.5
    max_retries: int = 2
    think_s: tuple[float, float] = (0.05, 0.35)
    # the load now: a surge shortens the pauses, max_tokens lengthens chat answers
    load: Callable[[], Load] = lambda: CALM


@dataclass(frozen=True)
class Call:
    """One call a caller is about to make."""

    kind: str
    headers: Mapping[str, str]
    max_tokens: int = CALM.max_tokens


def next_call(rng: random.Random, load: Load = CALM) -> Call:
    """Pick a kind by weight and, for some, a header fault."""
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    roll = rng.random()
    if not load.own_faults:
        return Call(kind, {}, load.max_tokens)
    for fault, rate in HEADER_FAULTS.get(kind, ()):
        if roll < rate:
            return Call(kind, {"x-fault": fault}, load.max_tokens)
        roll -= rate
    return Call(kind, {}, load.max_tokens)


def _messages() -> list[ChatCompletionUserMessageParam]:
    return [{"role": "user", "content": PROMPT}]


def _sync_call(client: openai.OpenAI, call: Call) -> None:
    headers = dict(call.headers)
    if call.kind == "chat":
        client.chat.completions.create(
            model=CHAT_MODEL, messages=_messages(),
            max_tokens=call.max_tokens, extra_headers=headers,
        )
    elif call.kind == "chat_stream":
        stream = client.chat.completions.create(
            model=CHAT_MODEL, messages=_messages(),
            stream=True, stream_options={"include_usage": True}, max_tokens=call.max_tokens,
            extra_headers=headers,
        )
        for _chunk in stream:
            pass
    elif call.kind == "responses":
        client.responses.create(model=RESPONSES_MODEL, input=PROMPT, extra_headers=headers)
    elif call.kind == "responses_stream":
        events = client.responses.create(
            model=RESPONSES_MODEL, input=PROMPT, stream=True, extra_headers=headers
        )
        for _event in events:
            pass
    elif call.kind == "embeddings":
        client.embeddings.create(model=EMBEDDING_MODEL, input=PROMPT, extra_headers=headers)
    elif call.kind == "agent_turn" and hasattr(client.beta, "agents"):
        _sync_agent_turn(client, headers)
    else:
        _sync_background(client, _as_background(headers))


def _as_background(headers: dict[str, str]) -> dict[str, str]:
    """An agent turn's fault for the background Response that stands in for it on SDKs
    without the Agents API (a job fault on a Response create would be a 400)."""
    fault = headers.get("x-fault", "")
    if fault.startswith("job_failed="):
        return {**headers, "x-fault": "background_failed=" + fault.split("=", 1)[1]}
    return headers


def _sync_agent_turn(client: openai.OpenAI, headers: dict[str, str]) -> None:
    """Post input to a session (which starts a turn), then read the turn to its end."""
    sessions = client.beta.agents.sessions
    session = f"sess_demo_{uuid.uuid4().hex[:16]}"
    sessions.events.create(session_id=session, events=TURN_INPUT,  # type: ignore[arg-type]
                           extra_headers=headers)
    turn = sessions.turns.list(session_id=session).data[0]
    deadline, status = time.monotonic() + JOB_DEADLINE_S, turn.status
    while status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S)
        try:
            status = sessions.turns.retrieve(turn.id, session_id=session).status
        except openai.APIError:
            continue


def _sync_background(client: openai.OpenAI, headers: dict[str, str]) -> None:
    job = client.responses.create(
        model=RESPONSES_MODEL, input=PROMPT, background=True, extra_headers=headers
    )
    deadline = time.monotonic() + JOB_DEADLINE_S
    status = job.status
    while status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S)
        try:
            status = client.responses.retrieve(job.id).status
        except openai.APIError:
            continue  # a failed poll is telemetry's business; keep polling


async def _async_call(client: openai.AsyncOpenAI, call: Call) -> None:
    headers = dict(call.headers)
    if call.kind == "chat":
        await client.chat.completions.create(
            model=CHAT_MODEL, messages=_messages(),
            max_tokens=call.max_tokens, extra_headers=headers,
        )
    elif call.kind == "chat_stream":
        stream = await client.chat.completions.create(
            model=CHAT_MODEL, messages=_messages(),
            stream=True, stream_options={"include_usage": True}, max_tokens=call.max_tokens,
            extra_headers=headers,
        )
        async for _chunk in stream:
            pass
    elif call.kind == "responses":
        await client.responses.create(model=RESPONSES_MODEL, input=PROMPT, extra_headers=headers)
    elif call.kind == "responses_stream":
        events = await client.responses.create(
            model=RESPONSES_MODEL, input=PROMPT, stream=True, extra_headers=headers
        )
        async for _event in events:
            pass
    elif call.kind == "embeddings":
        await client.embeddings.create(
            model=EMBEDDING_MODEL, input=PROMPT, extra_headers=headers
        )
    elif call.kind == "agent_turn" and hasattr(client.beta, "agents"):
        await _async_agent_turn(client, headers)
    else:
        await _async_background(client, _as_background(headers))


async def _async_agent_turn(client: openai.AsyncOpenAI, headers: dict[str, str]) -> None:
    sessions = client.beta.agents.sessions
    session = f"sess_demo_{uuid.uuid4().hex[:16]}"
    await sessions.events.create(session_id=session, events=TURN_INPUT,  # type: ignore[arg-type]
                                 extra_headers=headers)
    turn = (await sessions.turns.list(session_id=session)).data[0]
    deadline, status = time.monotonic() + JOB_DEADLINE_S, turn.status
    while status not in TERMINAL and time.monotonic() < deadline:
        await asyncio.sleep(POLL_INTERVAL_S)
        try:
            status = (await sessions.turns.retrieve(turn.id, session_id=session)).status
        except openai.APIError:
            continue


async def _async_background(client: openai.AsyncOpenAI, headers: dict[str, str]) -> None:
    job = await client.responses.create(
        model=RESPONSES_MODEL, input=PROMPT, background=True, extra_headers=headers
    )
    deadline = time.monotonic() + JOB_DEADLINE_S
    status = job.status
    while status not in TERMINAL and time.monotonic() < deadline:
        await asyncio.sleep(POLL_INTERVAL_S)
        try:
            status = (await client.responses.retrieve(job.id)).status
        except openai.APIError:
            continue


class Workload:
    """The callers: ``start`` them, ``stop`` them (no new calls), ``join`` the drain."""

    def __init__(self, config: WorkloadConfig) -> None:
        self.config = config
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.started = 0
        self.finished = 0
        self.raised = 0
        self.async_callers = config.concurrency // 2
        self.sync_callers = config.concurrency - self.async_callers

    def _rng(self, index: int) -> random.Random:
        seed = self.config.seed
        return random.Random(None if seed is None else seed * 1000 + index)

    def _client_options(self) -> dict[str, Any]:
        return {"base_url": self.config.base_url, "api_key": API_KEY,
                "timeout": self.config.timeout_s, "max_retries": self.config.max_retries}

    def _count(self, started: int = 0, finished: int = 0, raised: int = 0) -> None:
        with self._lock:
            self.started += started
            self.finished += finished
            self.raised += raised

    def _think(self, rng: random.Random) -> float:
        low, high = self.config.think_s
        return rng.uniform(low, high) / max(self.config.load().surge, 0.01)

    # -- sync callers -------------------------------------------------------------------

    def _sync_caller(self, index: int) -> None:
        rng = self._rng(index)
        with openai.OpenAI(**self._client_options()) as client:
            while not self._stop.is_set():
                call = next_call(rng, self.config.load())
                self._count(started=1)
                try:
                    _sync_call(client, call)
                except Exception:  # the telemetry has it; a caller just moves on
                    self._count(raised=1)
                self._count(finished=1)
                self._stop.wait(self._think(rng))

    # -- async callers ------------------------------------------------------------------

    async def _async_caller(self, client: openai.AsyncOpenAI, index: int) -> None:
        rng = self._rng(index)
        while not self._stop.is_set():
            call = next_call(rng, self.config.load())
            self._count(started=1)
            try:
                await _async_call(client, call)
            except Exception:
                self._count(raised=1)
            self._count(finished=1)
            pause_until = time.monotonic() + self._think(rng)
            while not self._stop.is_set() and time.monotonic() < pause_until:
                await asyncio.sleep(min(0.05, max(0.0, pause_until - time.monotonic())))

    async def _async_main(self) -> None:
        async with openai.AsyncOpenAI(**self._client_options()) as client:
            await asyncio.gather(*(
                self._async_caller(client, self.sync_callers + i)
                for i in range(self.async_callers)
            ))

    # -- control --------------------------------------------------------------------------

    def start(self) -> None:
        for index in range(self.sync_callers):
            self._threads.append(threading.Thread(
                target=self._sync_caller, args=(index,), name=f"demo-sync-{index}", daemon=True
            ))
        if self.async_callers:
            self._threads.append(threading.Thread(
                target=asyncio.run, args=(self._async_main(),), name="demo-async", daemon=True
            ))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """No new calls; the calls in flight finish on their own."""
        self._stop.set()

    def join(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for the calls in flight; returns how many are left."""
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            return self.started - self.finished

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self.started - self.finished
