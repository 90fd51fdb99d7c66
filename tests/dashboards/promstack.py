"""A real Prometheus and Alertmanager on loopback ports, and a webhook receiver.

Each runs for the length of a ``with`` block, on an ephemeral 127.0.0.1 port, with its
data in a temporary directory, and is stopped (then killed if it lingers) at the end.
Alertmanager's cluster gossip is switched off so nothing listens beyond loopback.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for(check: Callable[[], Any], timeout_s: float, what: str, every_s: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    last_error: Optional[BaseException] = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except OSError as error:  # not listening yet
            last_error = error
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what} ({last_error})")


@contextmanager
def process(argv: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Webhook:
    """Collects Alertmanager's webhook notifications (payload version 4)."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with received._lock:
                    received.payloads.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def alerts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [alert for payload in self.payloads for alert in payload["alerts"]]


@contextmanager
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()
        thread.join(5)


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        try:
            body = http_json(f"{self.url}/api/v1/{path}?{query}")
        except urllib.error.HTTPError as error:  # Prometheus says why in the body
            raise AssertionError(f"{path} {params}: {error.read().decode()}") from None
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        data = self.api("query", query=expr)
        result: list[dict[str, Any]] = data["result"] if data["resultType"] == "vector" else []
        return result

    def firing(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.api("alerts")["alerts"]
        return [a for a in alerts if a["state"] == "firing"]


@contextmanager
def alertmanager(binary: str, workdir: Path, webhook_url: str) -> Iterator[str]:
    """Alertmanager routing everything to ``webhook_url`` at once; yields its URL."""
    port = free_port()
    config = workdir / "alertmanager.yml"
    config.write_text(yaml.safe_dump({
        "route": {
            "receiver": "webhook", "group_by": ["alertname", "job", "error_type"],
            "group_wait": "0s", "group_interval": "1s", "repeat_interval": "1h",
        },
        "receivers": [{
            "name": "webhook",
            "webhook_configs": [{"url": webhook_url, "send_resolved": False}],
        }],
    }))
    argv = [
        binary, f"--config.file={config}", f"--storage.path={workdir / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
    ]
    url = f"http://127.0.0.1:{port}"
    with process(argv, workdir / "alertmanager.log") as proc:
        wait_for(lambda: _ready(url, proc), 30, "Alertmanager to be ready")
        yield url


@contextmanager
def prometheus(
    binary: str,
    workdir: Path,
    *,
    rule_files: list[Path],
    alertmanager_url: str,
    scrape_configs: list[dict[str, Any]],
) -> Iterator[Prometheus]:
    """Prometheus scraping and evaluating every second; yields its API client."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in rule_files],
        "alerting": {"alertmanagers": [{
            "static_configs": [{"targets": [alertmanager_url.removeprefix("http://")]}],
        }]},
        "scrape_configs": scrape_configs,
    }))
    argv = [
        binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'prom-data'}",
        f"--web.listen-address=127.0.0.1:{port}", f"--web.external-url={url}/",
    ]
    with process(argv, workdir / "prometheus.log") as proc:
        wait_for(lambda: _ready(url, proc), 30, "Prometheus to be ready")
        yield Prometheus(url)


def _ready(url: str, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"{proc.args[0]} exited with {proc.returncode}")
    with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
        return bool(response.status == 200)
