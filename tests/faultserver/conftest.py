"""Clients of the real ``openai`` SDK pointed at the session's fault server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from tests.fault_server import FaultServerProcess


@pytest.fixture
def client(fault_server: FaultServerProcess) -> Iterator[openai.OpenAI]:
    """A sync client that does not retry, so each fault reaches the test as raised."""
    with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test", max_retries=0,
                       timeout=10) as sdk:
        yield sdk


@pytest.fixture
async def aclient(fault_server: FaultServerProcess) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=0, timeout=10) as sdk:
        yield sdk


@pytest.fixture
def fault_key() -> str:
    """A key of its own for each test, so ``times=N`` countdowns never collide."""
    return uuid.uuid4().hex
