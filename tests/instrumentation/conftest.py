"""Fixtures of the instrumentation tests: instrumented in-memory telemetry, captured logs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openai_error_telemetry.instrumentation import guard
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
