"""The end-to-end workload: the real SDK, instrumented, against the fault server.

``instrumented_app()`` is what an application does: ``openai_error_telemetry.instrument()``
with a meter provider whose Prometheus exporter serves ``/metrics`` on loopback.
``staged_workload()`` is the one function that produces every code the dashboards show;
``quota_exhausted_loop()`` keeps an account "out of credit" until told to stop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Callable

import openai
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry, start_http_server

import openai_error_telemetry

MODEL = "gpt-4o-mini"
# Codes staged by staged_workload(), with the fault that produces each. quota_exhausted
# has its own phase (quota_exhausted_loop), so its alert can be timed from its start.
STAGED: dict[str, str] = {
    "rate_limited": "rate_limited",
    "overloaded": "overloaded",
    "server_error": "server_error",
    "timeout": "timeout=3",
    "connection_error": "connection_reset",
    "auth_error": "auth_error",
    "context_length_exceeded": "context_length_exceeded",
}


@dataclass
class App:
    """The instrumented application's side: its /metrics address."""

    metrics_port: int


@contextmanager
def instrumented_app(latest: bool = False) -> Iterator[App]:
    """Instrument the SDK into a Prometheus exporter on 127.0.0.1; undo everything after.
    ``latest``: with the latest-names opt-in."""
    registry = CollectorRegistry(auto_describe=True)
    reader = PrometheusMetricReader(registry=registry)
    resource = Resource.create({"service.name": "openai-e2e"})
    meter_provider = MeterProvider(metric_readers=[reader], resource=resource)
    tracer_provider = TracerProvider(resource=resource)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    openai_error_telemetry.instrument(
        meter_provider=meter_provider, tracer_provider=tracer_provider,
        latest_genai_names=latest,
    )
    try:
        yield App(metrics_port=server.server_port)
    finally:
        openai_error_telemetry.uninstrument()
        server.shutdown()
        server.server_close()
        thread.join(5)
        meter_provider.shutdown()
        tracer_provider.shutdown()


def client(base_url: str, fault: str = "", *, max_retries: int = 0,
           timeout: float = 5.0) -> openai.OpenAI:
    headers = {"x-fault": fault} if fault else {}
    return openai.OpenAI(
        api_key="sk-e2e-not-a-secret", base_url=base_url, max_retries=max_retries,
        timeout=timeout, default_headers=headers,
    )


def _chat(c: openai.OpenAI) -> Any:
    return c.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hello"}]
    )


def _stream(c: openai.OpenAI) -> None:
    stream = c.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hello"}], stream=True
    )
    for _ in stream:
        pass


def _background(base_url: str, fault: str = "") -> None:
    """Start a background response (with ``fault``) and poll it to its terminal status."""
    response = client(base_url, fault).responses.create(
        model=MODEL, input="hello", background=True
    )
    poller = client(base_url)
    deadline = time.monotonic() + 10
    while response.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.05)
        response = poller.responses.retrieve(response.id)


def _expect_failure(call: Callable[[], Any]) -> None:
    """Run a call the fault server fails. A cut stream raises the transport's own error on
    openai 1.x (httpx.ReadError) but APIConnectionError on later majors: accept any."""
    try:
        call()
    except Exception:
        return
    raise AssertionError("the fault server was asked for a failure but the call succeeded")


def one_round(base_url: str) -> None:
    """Every staged code once, plus the successes, streams and background jobs around them."""
    ok = client(base_url)
    for _ in range(3):
        _chat(ok)
    _stream(ok)
    _background(base_url)
    _background(base_url, "background_failed=server_error")
    _expect_failure(lambda: _stream(client(base_url, "stream_cut=2")))
    # A rate limit the SDK retries once (so the attempt shows as hidden by a retry) and then
    # gives up on; the fault server's retry-after keeps the wait short.
    _expect_failure(lambda: _chat(client(base_url, "rate_limited", max_retries=1)))
    for code, fault in STAGED.items():
        if code == "rate_limited":
            continue
        timeout = 0.5 if code == "timeout" else 5.0
        _expect_failure(lambda f=fault, t=timeout: _chat(client(base_url, f, timeout=t)))


def staged_workload(base_url: str, rounds: int = 3, pause_s: float = 1.5) -> None:
    """``rounds`` rounds, ``pause_s`` apart: rate() needs a counter to grow between scrapes."""
    for index in range(rounds):
        if index:
            time.sleep(pause_s)
        one_round(base_url)


@contextmanager
def quota_exhausted_loop(base_url: str, every_s: float = 0.25) -> Iterator[None]:
    """An application whose every call fails with insufficient_quota, until the block ends."""
    stop = threading.Event()
    quota = client(base_url, "quota_exhausted")

    def loop() -> None:
        while not stop.is_set():
            with suppress(openai.RateLimitError):
                _chat(quota)
            stop.wait(every_s)

    thread = threading.Thread(target=loop, name="quota-exhausted-loop", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
