"""The fault server as a pytest fixture: a real subprocess on a loopback ephemeral port.

``fault_server`` (session-scoped) runs ``python -m openai_error_telemetry fault-server
--port 0`` once for the whole run; ``run_fault_server(*flags)`` starts one with its own
flags (a rate limiter, a scenario) for as long as a ``with`` block. Both check at the end
that the server exits cleanly (status 0) on SIGTERM and logged no traceback.
"""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pytest

LISTENING = "fault-server listening on "
STARTUP_TIMEOUT_S = 20.0
SHUTDOWN_TIMEOUT_S = 10.0
# Loopback only: never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FaultServerProcess:
    """A running server: its URLs and its own tally of what it sent."""

    def __init__(self, process: subprocess.Popen[str], url: str, stderr: IO[bytes]) -> None:
        self.process = process
        self.url = url
        self.base_url = f"{url}/v1"
        self._stderr = stderr

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", method=method, data=None)
        with _DIRECT.open(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        """``GET /_fault/stats``: requests by endpoint, fault, status and source."""
        result: dict[str, Any] = self._call("GET", "/_fault/stats")
        return result

    def reset(self) -> None:
        """``POST /_fault/reset``: zero the tally, the countdowns, the rate-limit buckets."""
        self._call("POST", "/_fault/reset")

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server and wait for it; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("fault-server did not stop on its signal") from None
        return self.process.returncode


def _read_announcement(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                return process.stdout.readline()
            if process.poll() is not None:
                return ""
    finally:
        selector.close()
    return ""


@contextmanager
def run_fault_server(*flags: str) -> Iterator[FaultServerProcess]:
    """Start ``fault-server --port 0 *flags``; stop it (and check it exited 0) at the end."""
    command = [sys.executable, "-m", "openai_error_telemetry", "fault-server", "--port", "0",
               *flags]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        try:
            line = _read_announcement(process)
            if not line.startswith(LISTENING):
                process.kill()
                process.wait()
                stderr.seek(0)
                raise RuntimeError(f"fault-server did not start: {line!r} "
                                   f"{stderr.read().decode(errors='replace')}")
            server = FaultServerProcess(process, line[len(LISTENING):].strip(), stderr)
            yield server
            status = server.stop()
            assert status == 0, f"fault-server exited {status}: {server.stderr_text()}"
            assert "Traceback" not in server.stderr_text(), server.stderr_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServerProcess]:
    """One fault server for the whole session (tests isolate with ``x-fault-key``)."""
    with run_fault_server() as server:
        yield server
