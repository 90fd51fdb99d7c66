"""The fault server as a child process: started on an ephemeral loopback port, its URL read
from its one announcement line, always stopped. The demo and the test fixture both use it.

With ``own_session`` (the demo) it runs in its own session so the terminal's Ctrl-C reaches
only the parent, which drains its calls before stopping the server; on Linux the child
also gets SIGTERM if the parent dies without cleaning up, so no server is left behind.
"""

from __future__ import annotations

import ctypes
import json
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from typing import IO, Any, Callable, Optional

LISTENING = "fault-server listening on "
STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
_PR_SET_PDEATHSIG = 1
# Loopback only: never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FaultServerError(RuntimeError):
    """The fault server did not start."""


def _die_with_parent() -> Optional[Callable[[], None]]:
    """A preexec hook asking Linux to SIGTERM the child when the demo dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook


class FaultServer:
    """A running ``fault-server`` child: its URL and how to stop it."""

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
        """``GET /_fault/stats``: the server's own tally of what it sent."""
        result: dict[str, Any] = self._call("GET", "/_fault/stats")
        return result

    def reset(self) -> None:
        """``POST /_fault/reset``: zero the tally, the countdowns, the rate-limit buckets."""
        self._call("POST", "/_fault/reset")

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal, wait, SIGKILL if it hangs (status then -9); returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def _announcement(process: subprocess.Popen[str]) -> str:
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


def start(flags: Sequence[str], stderr: IO[bytes], *, own_session: bool = False) -> FaultServer:
    """``python -m openai_error_telemetry fault-server --port 0 *flags``, once it listens."""
    command = [sys.executable, "-m", "openai_error_telemetry", "fault-server",
               "--host", "127.0.0.1", "--port", "0", *flags]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=stderr, text=True,
        start_new_session=own_session, preexec_fn=_die_with_parent(),
    )
    line = _announcement(process)
    if not line.startswith(LISTENING):
        if process.poll() is None:
            process.kill()
        process.wait()
        stderr.seek(0)
        detail = stderr.read().decode(errors="replace").strip()
        raise FaultServerError(f"the fault server did not start: {detail or line!r}")
    return FaultServer(process, line[len(LISTENING):].strip(), stderr)
