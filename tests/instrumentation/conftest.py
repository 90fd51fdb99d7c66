"""Fixtures of the instrumentation tests: instrumented in-memory telemetry, captured logs."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from openai_error_telemetry.instrumentation import guard
from tests.fault_server import FaultServerProcess
from tests.instrumentation.harness import CapturedLogs, Telemetry, capture_structlog, instrumented


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    """The SDK instrumented into fresh in-memory providers; uninstrumented afterwards."""
    guard.reset_reports()
    yield from instrumented(Telemetry())


@pytest.fixture
def guarded_telemetry() -> Iterator[Telemetry]:
    """As ``telemetry`` but with the retry guard on."""
    guard.reset_reports()
    yield from instrumented(Telemetry(), retry_guard=True)


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    yield from capture_structlog()


@pytest.fixture
def job_sdk(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    """A client of the fault server that does not retry: each read is one request."""
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=0,
                       timeout=10) as client:
        yield client


@pytest.fixture
def raising() -> Iterator[Telemetry]:
    """Instrumented with the opt-in that makes reads of a failed job raise."""
    guard.reset_reports()
    yield from instrumented(Telemetry(), raise_job_failures=True)
