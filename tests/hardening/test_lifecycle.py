"""Lifecycle: instrument, uninstrument, instrument again; old and new clients; copies;
pre-fork workers.

Against the real fault server: every hook point is the SDK's own object when we are off
and exactly one wrapper of it when we are on, cycle after cycle; each cycle's telemetry
goes to that cycle's providers only; clients made before or after instrument(), and
their ``copy()``/``with_options()`` children, are traced while we are on and untouched
while we are off; and a gunicorn-style worker forked from an instrumented parent makes
calls and exports their spans, through the inherited batch processor or its own provider.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

import openai_error_telemetry
from openai_error_telemetry.instrumentation import guard, patches, runtime, sdk
from openai_error_telemetry.instrumentation.config import Settings
from tests.fault_server import FaultServerProcess
from tests.hardening import calls
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

RATE_LIMITED_ONCE = "rate_limited;times=1;retry_after=0.01"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)


def hook_points() -> dict[tuple[type, str], Any]:
    """Every attribute we may patch (retry guard included), as it is now."""
    targets = patches._targets(sdk.detect(), Settings(retry_guard=True))
    return {(owner, name): owner.__dict__.get(name) for owner, name, _ in targets}


def chat(client: openai.OpenAI, fault: str = "") -> Any:
    return client.chat.completions.create(
        model=calls.MODEL, messages=calls.MESSAGES, extra_headers=calls.fault_headers(fault))


def operations(telemetry: Telemetry) -> list[ReadableSpan]:
    return telemetry.spans("operation")


def test_cycles_restore_and_reapply_exactly(fault_server):
    before = hook_points()
    assert all(value is not None for value in before.values())
    client = calls.sync_client(fault_server)
    for cycle in range(3):
        telemetry = Telemetry()
        openai_error_telemetry.instrument(
            tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider,
            retry_guard=cycle % 2 == 0)
        try:
            now = hook_points()
            for point, original in before.items():
                guarded = point[1] != "_should_retry" or cycle % 2 == 0
                if guarded:
                    assert patches.is_ours(now[point]), point
                    assert now[point].__wrapped__ is original, point  # one layer, ours
                else:
                    assert now[point] is original, point
            chat(client, RATE_LIMITED_ONCE)
            chat(client, "quota_exhausted")
        except openai.RateLimitError:
            pass
        finally:
            openai_error_telemetry.uninstrument()
        assert hook_points() == before
        assert runtime.get_runtime() is None
        ops = operations(telemetry)
        assert [s.attributes.get("error.type") for s in ops] == [None, "quota_exhausted"]
        attempts = telemetry.total("openai.client.attempts")
        assert attempts == (3 if cycle % 2 == 0 else 4)  # the guard stops quota retries
        chat(client)
        assert len(operations(telemetry)) == 2  # off: nothing more recorded
    client.close()


def test_clients_from_before_and_after_and_their_copies(fault_server):
    made_before = calls.sync_client(fault_server)
    telemetry = Telemetry()
    openai_error_telemetry.instrument(tracer_provider=telemetry.tracer_provider,
                                      meter_provider=telemetry.meter_provider)
    try:
        made_after = calls.sync_client(fault_server)
        family = [made_before, made_after, made_before.copy(max_retries=2),
                  made_after.with_options(timeout=5, max_retries=3),
                  made_before.with_options(max_retries=1).copy()]
        for client in family:
            raw = client.chat.completions.with_raw_response.create(
                model=calls.MODEL, messages=calls.MESSAGES,
                extra_headers=calls.fault_headers(RATE_LIMITED_ONCE))
            assert raw.retries_taken == 1
    finally:
        openai_error_telemetry.uninstrument()
    assert len(operations(telemetry)) == len(family)
    assert telemetry.total("openai.client.attempts") == 2 * len(family)
    assert telemetry.total("openai.client.attempts", error__type="rate_limited") == len(family)
    for client in family:
        chat(client)
    assert len(operations(telemetry)) == len(family)
    for client in (made_before, made_after):
        client.close()


async def test_async_clients_from_before_and_after_and_their_copies(fault_server):
    made_before = calls.async_client(fault_server)
    telemetry = Telemetry()
    openai_error_telemetry.instrument(tracer_provider=telemetry.tracer_provider,
                                      meter_provider=telemetry.meter_provider)
    try:
        made_after = calls.async_client(fault_server)
        family = [made_before, made_after, made_before.copy(), made_after.with_options(
            max_retries=2)]
        for client in family:
            await client.chat.completions.create(
                model=calls.MODEL, messages=calls.MESSAGES,
                extra_headers=calls.fault_headers(RATE_LIMITED_ONCE))
    finally:
        openai_error_telemetry.uninstrument()
    assert len(operations(telemetry)) == len(family)
    assert telemetry.total("openai.client.attempts", error__type="rate_limited") == len(family)
    for client in (made_before, made_after):
        await client.close()


# -- pre-fork workers -----------------------------------------------------------------


class JsonLinesExporter(SpanExporter):
    """Writes each span as a JSON line to ``<dir>/<pid>.jsonl``, the pid of the exporter."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with open(self.directory / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            for span in spans:
                out.write(json.dumps({"name": span.name, "attributes": dict(span.attributes or {}),
                                      "trace": format(span.context.trace_id, "032x")}) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def exported(directory: Path, pid: int) -> list[dict[str, Any]]:
    path = directory / f"{pid}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def worker(server: FaultServerProcess, shared: openai.OpenAI, own_provider: Path | None,
           provider: TracerProvider) -> None:
    """A pre-fork worker's life: (optionally) its own provider, calls, flush, exit."""
    if own_provider is not None:  # a gunicorn post_fork hook re-instrumenting
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(own_provider)))
        openai_error_telemetry.uninstrument()
        openai_error_telemetry.instrument(tracer_provider=provider)
    chat(shared)  # a client the parent made before forking
    with calls.sync_client(server) as mine:
        chat(mine, RATE_LIMITED_ONCE)
        with contextlib.suppress(openai.InternalServerError):
            chat(mine, "server_error")
    provider.force_flush()


def fork_workers(count: int, run: Any) -> list[int]:
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            status = 1
            try:
                run()
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, f"worker {pid} failed"
    return pids


def check_worker(spans: list[dict[str, Any]]) -> None:
    ops = [s for s in spans if "gen_ai.operation.name" in s["attributes"]]
    assert [s["attributes"].get("error.type") for s in ops] == [None, None, "server_error"]
    attempts = [s for s in spans if "http.request.method" in s["attributes"]]
    # the first call's lone successful attempt is no span (telemetry.md)
    assert [s["attributes"].get("error.type") for s in attempts] == [
        "rate_limited", None, "server_error", "server_error"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
@pytest.mark.parametrize("own_provider", [False, True], ids=["inherited", "own-provider"])
def test_pre_fork_workers_keep_tracing(fault_server, tmp_path, own_provider):
    parent_dir, child_dir = tmp_path / "parent", tmp_path / "child"
    parent_dir.mkdir()
    child_dir.mkdir()
    provider = TracerProvider()
    provider.add_span_processor(
        BatchSpanProcessor(JsonLinesExporter(parent_dir), schedule_delay_millis=50))
    openai_error_telemetry.instrument(tracer_provider=provider)
    try:
        shared = calls.sync_client(fault_server)
        pids = fork_workers(2, lambda: worker(
            fault_server, shared, child_dir if own_provider else None, provider))
        chat(shared)  # the parent still works after forking
        provider.force_flush()
    finally:
        openai_error_telemetry.uninstrument()
        provider.shutdown()
    for pid in pids:
        check_worker(exported(child_dir if own_provider else parent_dir, pid))
        assert not exported(parent_dir if own_provider else child_dir, pid)
    parent = exported(parent_dir, os.getpid())
    assert [s["attributes"].get("gen_ai.operation.name") for s in parent] == ["chat"]  # its lone attempt: no span


def wait_or_kill(pid: int, hang_s: float = 60.0) -> int:
    """The child's exit code; a child still running after ``hang_s`` is deadlocked."""
    deadline = time.monotonic() + hang_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -signal.SIGKILL


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_fork_while_another_thread_holds_our_locks_leaves_them_free_in_the_child(
        fault_server, tmp_path):
    """A thread of the parent holds the guard's and the background tracker's locks when
    the parent forks; a lock copied held would deadlock the child's first call."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(tmp_path)))
    openai_error_telemetry.instrument(tracer_provider=provider)
    holding, release = threading.Event(), threading.Event()
    rt = runtime.get_runtime()
    assert rt is not None

    def hold() -> None:
        with guard._lock, rt.tracker._lock:
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)

        def child() -> None:
            guard.report("forked-child-check", RuntimeError("reported in the child"))
            with calls.sync_client(fault_server) as mine:
                job = mine.responses.create(model="gpt-4o-mini", input="hi", background=True)
                assert job.status in ("queued", "in_progress")
                assert rt.tracker.link_for(f"response:{job.id}") is not None  # tracked
                chat(mine)

        pids = []
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                child()
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        pids.append(pid)
        code = wait_or_kill(pid)
    finally:
        release.set()
        holder.join(10)
        openai_error_telemetry.uninstrument()
        provider.shutdown()
        guard.reset_reports()
    assert code == 0, "the child deadlocked on a lock copied held" if code < 0 else code
    names = [s["name"] for s in exported(tmp_path, pids[0])]
    assert any(name.startswith("chat") for name in names), names
