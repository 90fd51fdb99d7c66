"""Telemetry backends that misbehave, on loopback: refusing, hanging, answering 503.

Each is a real socket the real OTLP exporters talk to. The hanging one accepts, reads,
and answers nothing until ``release()``; it counts the connections it holds so a test
can show that an export is in flight while the application's calls go on.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def refused_url() -> str:
    """A loopback URL nothing listens on: bound, then closed, so connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


class HangingServer:
    """Accepts and reads every connection, answers none until ``release()``."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        self.accepted = 0
        self.first_request = threading.Event()
        self._released = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hanging-otlp", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            with self._lock:
                self.accepted += 1
                if self._released:
                    self._answer(conn)
                    continue
                self._held.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        """Drain what the exporter sends; the first bytes mean an export is in flight,
        an end of stream that the exporter gave up on it."""
        conn.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            self.first_request.set()
        with self._lock:
            if conn in self._held:
                self._held.remove(conn)

    @staticmethod
    def _answer(conn: socket.socket) -> None:
        with suppress(OSError):
            conn.sendall(_OK)
        conn.close()

    def held(self) -> int:
        """Exports waiting for an answer: connections accepted, unanswered, still open."""
        with self._lock:
            return len(self._held)

    def release(self) -> None:
        """Answer every held connection 200 and every later one at once."""
        with self._lock:
            self._released = True
            held, self._held = self._held, []
        for conn in held:
            self._answer(conn)

    def close(self) -> None:
        self.release()
        self._stopped.set()
        self._thread.join(2)
        self._listener.close()


def _handler_503() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(503)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def unavailable_server() -> Iterator[str]:
    """An HTTP server answering every POST with 503 Service Unavailable."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_503())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@contextmanager
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()
