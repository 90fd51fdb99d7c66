"""A minimal OTLP/HTTP receiver on a loopback port: decodes what the exporters send.

It speaks the real wire protocol (protobuf bodies on ``/v1/traces``, ``/v1/metrics``,
``/v1/logs``) with the message classes of ``opentelemetry-proto``, so the demo's standard
exporters talk to it exactly as they would to a Collector.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

_MESSAGES: dict[str, tuple[Any, Any]] = {
    "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse),
}


class Received:
    """Every decoded request by path, and the raw bodies (to search for secrets)."""

    def __init__(self) -> None:
        self.requests: dict[str, list[Any]] = {path: [] for path in _MESSAGES}
        self.raw: list[bytes] = []
        self.lock = threading.Lock()


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            messages = _MESSAGES.get(self.path)
            if messages is None:
                self.send_error(404)
                return
            request = messages[0]()
            request.ParseFromString(body)
            with received.lock:
                received.requests[self.path].append(request)
                received.raw.append(body)
            reply = messages[1]().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """(endpoint URL, what arrived) for as long as the ``with`` block."""
    received = Received()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(received))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
