"""A loopback HTTP server whose answers are scripted byte by byte: error bodies that
trickle, never end, are huge or are cut short, which the fault server's whole answers
cannot be. Each connection is served by the next script in line (the last repeats)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

Script = Callable[[socket.socket, "RawServer"], None]
SSE_OK = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
          b"connection: close\r\n\r\n"
          b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
          b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
          b"data: [DONE]\n\n")


def _read_request(conn: socket.socket) -> bytes:
    """Headers and a Content-Length body: enough for the SDK's JSON requests."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


class RawServer:
    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts
        self.served = 0
        self.sent = 0  # body bytes the kernel accepted, over every connection
        self.release = threading.Event()  # lets a script that holds its body go on
        self.notes: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            script = self.scripts[min(self.served, len(self.scripts) - 1)]
            self.served += 1
            thread = threading.Thread(target=self._serve, args=(conn, script), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, script: Script) -> None:
        with conn:
            try:
                _read_request(conn)
                script(conn, self)
            except OSError:
                pass  # the client went away: what the script was testing

    def close(self) -> None:
        self.release.set()
        self._sock.close()
        for thread in self._threads:
            thread.join(timeout=30)


@contextmanager
def raw_server(*scripts: Script) -> Iterator[RawServer]:
    server = RawServer(list(scripts))
    try:
        yield server
    finally:
        server.close()


def error_head(status: int, length: int | None = None) -> bytes:
    size = f"content-length: {length}\r\n" if length is not None else (
        "transfer-encoding: chunked\r\n")
    return (f"HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\n{size}"
            "connection: close\r\n\r\n").encode()


def held_503(conn: socket.socket, server: RawServer) -> None:
    """A 503 whose chunked body starts, then waits for ``release`` (up to 30 s)."""
    start = b'{"error": {"mes'
    conn.sendall(error_head(503) + f"{len(start):x}\r\n".encode() + start + b"\r\n")
    server.release.wait(30)
    server.notes.append("held body ended")
    conn.sendall(b"0\r\n\r\n")


def huge_503(conn: socket.socket, server: RawServer) -> None:
    """A 503 announcing 300 MB; sends while the client reads, counting what it took."""
    size = 300 * 1024 * 1024
    conn.sendall(error_head(503, size))
    block = b" " * 65536
    conn.settimeout(5)  # a client that stopped reading: the kernel's buffers fill, then this
    left = size
    while left > 0:
        try:
            conn.sendall(block[:left])
        except (OSError, TimeoutError):
            return
        server.sent += min(left, len(block))
        left -= len(block)


def cut_500(conn: socket.socket, server: RawServer) -> None:
    """A 500 announcing 1,000 bytes, sending 12, then closing."""
    conn.sendall(error_head(500, 1000) + b'{"error": {"')


def ok_stream(conn: socket.socket, server: RawServer) -> None:
    """A streamed chat answer, noted (after or before a held body ended)."""
    server.notes.append("retry")
    conn.sendall(SSE_OK)


def trickle_503(conn: socket.socket, server: RawServer) -> None:
    """A 503 whose 12-byte body arrives a byte every half second (6 s in all)."""
    body = b'{"error": 1}'
    conn.sendall(error_head(503, len(body)))
    for i in range(len(body)):
        if server.release.wait(0.5):
            return
        conn.sendall(body[i:i + 1])
