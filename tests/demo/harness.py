"""The demo as a subprocess without a terminal: read its lines, scrape what it serves."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Optional

from prometheus_client.parser import text_string_to_metric_families

ROW = re.compile(r"^(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


class DemoProcess:
    """A running ``openai-error-telemetry demo``; every stdout line is kept."""

    def __init__(self, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._pending = ""
        self._stderr = stderr
        self.final_stderr = ""

    def _feed(self, data: bytes) -> None:
        self._pending += data.decode(errors="replace")
        *complete, self._pending = self._pending.split("\n")
        self.lines.extend(complete)

    def read_until(self, prefix: str, timeout_s: float) -> str:
        """Lines until one starts with ``prefix``; fails on exit or timeout.

        Reads the pipe unbuffered: a buffered reader can hold lines a selector never
        reports again.
        """
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        checked = 0
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                for line in self.lines[checked:]:
                    if line.startswith(prefix):
                        return line
                checked = len(self.lines)
                if time.monotonic() > deadline:
                    break
                if selector.select(timeout=0.2):
                    data = os.read(fd, 65536)
                    if not data:
                        break
                    self._feed(data)
        raise AssertionError(f"no line starting {prefix!r}; got:\n" + "\n".join(self.lines)
                             + "\nstderr:\n" + self.stderr_text())

    def read_rest(self, timeout_s: float) -> int:
        """Wait for the exit, keeping the remaining lines; returns the exit status."""
        out, _ = self.process.communicate(timeout=timeout_s)
        self._feed(out + b"\n")
        return self.process.returncode

    def value(self, prefix: str) -> str:
        """The rest of the first line starting with ``prefix``, stripped."""
        for line in self.lines:
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        raise AssertionError(f"no line starting {prefix!r}")

    def url(self, prefix: str) -> str:
        return self.value(prefix).split()[0]

    def stderr_text(self) -> str:
        if self._stderr.closed:
            return self.final_stderr
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")


@contextmanager
def run_demo(*flags: str, env_extra: Optional[dict[str, str]] = None) -> Iterator[DemoProcess]:
    """``python -m openai_error_telemetry demo *flags`` with stdout a pipe (no TTY).

    The ``OTEL_*`` variables of the test's environment are dropped; ``env_extra`` adds some.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(env_extra or {})
    command = [sys.executable, "-m", "openai_error_telemetry", "demo", *flags]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr,
                                   bufsize=0, env=env)
        demo = DemoProcess(process, stderr)
        try:
            yield demo
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            demo.final_stderr = demo.stderr_text()
            if process.stdout is not None:
                process.stdout.close()


@dataclass
class CodeTable:
    """The summary's table: code -> (calls, attempts, retried, background)."""

    rows: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def column(self, index: int) -> Counter[str]:
        return Counter({code: row[index] for code, row in self.rows.items()
                        if code != "total" and row[index]})


def code_table(lines: list[str]) -> CodeTable:
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["code", "calls"])
    table = CodeTable()
    for line in lines[start + 1:]:
        match = ROW.match(line.strip())
        if match is None:
            break
        code, *numbers = match.groups()
        table.rows[code] = (int(numbers[0]), int(numbers[1]), int(numbers[2]), int(numbers[3]))
        if code == "total":
            break
    return table


# Loopback only: never through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:
        return str(response.read().decode())


def refuses(url: str) -> bool:
    """True when nothing listens at ``url`` any more."""
    try:
        _DIRECT.open(url, timeout=2).close()
    except (urllib.error.URLError, ConnectionError):
        return True
    return False


@dataclass
class Scrape:
    """Sample sums of one Prometheus scrape, by ``error_type`` ("" when absent)."""

    text: str
    samples: list[tuple[str, dict[str, str], float]]

    def by_error(self, name: str, **labels: str) -> Counter[str]:
        totals: Counter[str] = Counter()
        for sample_name, sample_labels, value in self.samples:
            if sample_name != name:
                continue
            if any(sample_labels.get(k) != v for k, v in labels.items()):
                continue
            totals[sample_labels.get("error_type", "")] += int(value)
        return totals


def scrape(url: str) -> Scrape:
    text = fetch(url)
    samples = [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]
    return Scrape(text, samples)
