"""Fixtures of the load tests: in-memory telemetry and our own warnings."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from openai_error_telemetry.instrumentation import guard
from tests.instrumentation.harness import Telemetry, instrumented

INTERNAL_LOGGER = "openai_error_telemetry.instrumentation"


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    """The SDK instrumented into fresh in-memory providers; uninstrumented afterwards."""
    guard.reset_reports()
    yield from instrumented(Telemetry())


class OurWarnings:
    """What our guard logged so far: one warning per hook of ours that raised."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def records(self) -> list[logging.LogRecord]:
        return [r for r in self._caplog.records if r.name == INTERNAL_LOGGER]

    def __bool__(self) -> bool:
        return bool(self.records())

    def __repr__(self) -> str:
        return repr([r.getMessage() for r in self.records()])


@pytest.fixture
def our_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[OurWarnings]:
    """Our guard's warnings during the test (the tests expect none)."""
    with caplog.at_level(logging.WARNING, logger=INTERNAL_LOGGER):
        yield OurWarnings(caplog)
