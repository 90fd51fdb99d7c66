"""The fault server as a pytest fixture: a real subprocess on a loopback ephemeral port.

``fault_server`` (session-scoped) runs ``python -m openai_error_telemetry fault-server
--port 0`` once for the whole run; ``run_fault_server(*flags)`` starts one with its own
flags (a rate limiter, a scenario) for as long as a ``with`` block. Both check at the end
that the server exits cleanly (status 0) on SIGTERM and logged no traceback. Starting and
stopping is the product's own launcher, the one the demo uses.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from openai_error_telemetry.faultserver.process import FaultServer, start

# The fixture's type, under the name the tests know it by.
FaultServerProcess = FaultServer


@contextmanager
def run_fault_server(*flags: str) -> Iterator[FaultServer]:
    """Start ``fault-server --port 0 *flags``; stop it (and check it exited 0) at the end."""
    with tempfile.TemporaryFile() as stderr:
        server = start(flags, stderr)
        try:
            yield server
            status = server.stop()
            assert status == 0, f"fault-server exited {status}: {server.stderr_text()}"
            assert "Traceback" not in server.stderr_text(), server.stderr_text()
        finally:
            server.stop()


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """One fault server for the whole session (tests isolate with ``x-fault-key``)."""
    with run_fault_server() as server:
        yield server
