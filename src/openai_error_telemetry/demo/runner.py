"""One demo run, start to end: server, telemetry, workload, live view, summary, cleanup.

Every resource is released in ``finally`` blocks in the reverse order of creation, so the
fault server is stopped and the metrics endpoint closed on the normal end, on Ctrl-C
(or SIGTERM) and on an error. The first Ctrl-C stops the workload and still prints the
summary so far; a second one skips the drain.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any, Optional

from ..faultserver.process import FaultServer, FaultServerError, start
from ..faultserver.scenario import Scenario, ScenarioError, load_scenario
from . import live, report
from .pipeline import Pipeline
from .scenarios import (
    SCENARIOS,
    SERVER_BURST_S,
    SERVER_TPM,
    Load,
    load_at,
    server_scenario,
)
from .snapshot import Snapshot, read
from .workload import Workload, WorkloadConfig

TICK_S = 0.5
DRAIN_S = 10.0
DRAIN_AFTER_INTERRUPT_S = 5.0
EXIT_INTERRUPTED = 130
# Fault-server settings that keep a one-minute story moving: short backoffs, a `timeout`
# fault that outlasts the callers' 1.5 s timeout, and a token limit a spike can hit.
SERVER_FLAGS = ("--retry-after", "0.5", "--timeout-delay", "5",
                "--tpm", str(SERVER_TPM), "--burst-seconds", str(SERVER_BURST_S))


@dataclass(frozen=True)
class DemoOptions:
    duration: float
    scenario: str
    concurrency: int
    seed: Optional[int] = None
    metrics_port: int = 0
    linger: float = 0.0


class Interrupt:
    """SIGINT/SIGTERM handler: the first sets ``event``, a second raises ``KeyboardInterrupt``."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def __enter__(self) -> Interrupt:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _bypass_proxies() -> None:
    """Everything the demo calls is on 127.0.0.1: a proxy from the environment (which the
    SDK's HTTP client honours) must not be asked to reach it."""
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host.strip() for host in os.environ.get(name, "").split(",") if host.strip()]
        if "127.0.0.1" not in hosts:
            os.environ[name] = ",".join([*hosts, "127.0.0.1"])


def _scenario_file(options: DemoOptions, directory: str) -> Path:
    """The scenario the server runs: a built-in one sized to the duration, or the user's."""
    if options.scenario not in SCENARIOS:
        return Path(options.scenario)
    path = Path(directory) / f"{options.scenario}.json"
    mapping = server_scenario(options.scenario, options.duration, options.seed)
    path.write_text(json.dumps(mapping), encoding="utf-8")
    return path


def _server_flags(options: DemoOptions, scenario_path: Path) -> list[str]:
    flags = [*SERVER_FLAGS, "--scenario", str(scenario_path)]
    if options.seed is not None:
        flags += ["--seed", str(options.seed)]
    return flags


def _header(options: DemoOptions, server: FaultServer, pipeline: Pipeline,
            workload: Workload) -> str:
    seed = "random" if options.seed is None else str(options.seed)
    otlp = (f"on, to {pipeline.otlp_endpoint} (traces, metrics, logs)"
            if pipeline.otlp_endpoint else
            "off (set OTEL_EXPORTER_OTLP_ENDPOINT to export traces, metrics and logs)")
    return "\n".join([
        f"fault server   {server.url} (scenario {options.scenario}, seed {seed})",
        f"metrics        {pipeline.metrics_url} (Prometheus)",
        f"otlp           {otlp}",
        f"workload       {options.concurrency} callers ({workload.sync_callers} sync threads,"
        f" {workload.async_callers} async tasks) for {options.duration:g} s; Ctrl-C stops early",
    ])


def _watch(view: live.View, pipeline: Pipeline, scenario: Scenario, server_started: float,
           options: DemoOptions, interrupt: Interrupt, low: Snapshot) -> float:
    """Redraw until the duration is over or Ctrl-C; returns the seconds the workload ran.

    ``low.headroom`` collects the lowest rate-limit headroom of every redraw.
    """
    started = time.monotonic()
    deadline = started + options.duration
    view.start()
    try:
        while True:
            now = time.monotonic()
            snapshot = read(pipeline.reader.get_metrics_data())
            low.headroom = snapshot.lowest(low)
            phase = scenario.phase_at(now - server_started).name
            view.update(snapshot, now - started, phase)
            if now >= deadline or interrupt.event.wait(min(TICK_S, deadline - now)):
                break
    finally:
        view.stop()
    return time.monotonic() - started


def _linger(options: DemoOptions, pipeline: Pipeline, interrupt: Interrupt,
            out: IO[str]) -> None:
    if options.linger <= 0 or interrupt.event.is_set():
        return
    print(f"\nmetrics at {pipeline.metrics_url} and the fault server stay up for "
          f"{options.linger:g} s (Ctrl-C ends it)", file=out, flush=True)
    interrupt.event.wait(options.linger)


def _play(options: DemoOptions, server: FaultServer, server_started: float,
          scenario: Scenario, pipeline: Pipeline, out: IO[str]) -> int:
    def load() -> Load:
        return load_at(options.scenario, options.duration, time.monotonic() - server_started)

    workload = Workload(WorkloadConfig(server.base_url, options.concurrency, options.seed,
                                       load=load))
    print(_header(options, server, pipeline, workload), file=out, flush=True)
    with Interrupt() as interrupt:
        workload.start()
        low = Snapshot()
        try:
            elapsed = _watch(live.choose(options.duration, out), pipeline, scenario,
                             server_started, options, interrupt, low)
        finally:
            workload.stop()
        interrupted = interrupt.event.is_set()
        abandoned = workload.join(DRAIN_AFTER_INTERRUPT_S if interrupted else DRAIN_S)
        snapshot: Snapshot = read(pipeline.reader.get_metrics_data())
        title = (f"{'interrupted after' if interrupted else 'ran'} {elapsed:.1f} s, "
                 f"scenario {options.scenario}, {options.concurrency} callers")
        print("\n" + report.summary(snapshot, elapsed=elapsed, title=title,
                                    log_counts=dict(pipeline.logs.counts),
                                    abandoned=abandoned,
                                    lowest=snapshot.lowest(low)), file=out, flush=True)
        _linger(options, pipeline, interrupt, out)
    return EXIT_INTERRUPTED if interrupted else 0


def _with_telemetry(options: DemoOptions, server: FaultServer, server_started: float,
                    scenario: Scenario, out: IO[str], err: IO[str]) -> int:
    from ..instrumentation import instrument, uninstrument

    try:
        pipeline = Pipeline(options.metrics_port)
    except OSError as exc:
        print(f"demo: cannot serve metrics on 127.0.0.1:{options.metrics_port}: {exc}",
              file=err)
        return 1
    try:
        # default names whatever the environment opts into: the live view reads them
        instrument(meter_provider=pipeline.meter_provider,
                   tracer_provider=pipeline.tracer_provider, retry_guard=True,
                   latest_genai_names=False)
        try:
            return _play(options, server, server_started, scenario, pipeline, out)
        finally:
            uninstrument()
    finally:
        if not pipeline.shutdown():
            print(f"demo: the last OTLP export to {pipeline.otlp_endpoint} did not finish "
                  "in time; is the collector up?", file=err)


def run_demo(options: DemoOptions, out: IO[str], err: IO[str]) -> int:
    """The whole demo; returns the exit status (0, 130 after Ctrl-C, 1 or 2 on errors)."""
    _bypass_proxies()
    with tempfile.TemporaryDirectory(prefix="oet-demo-") as directory, \
            tempfile.TemporaryFile() as server_stderr:
        scenario_path = _scenario_file(options, directory)
        try:
            scenario = load_scenario(scenario_path)
        except (ScenarioError, OSError) as exc:
            print(f"demo: bad scenario: {exc}", file=err)
            return 2
        try:
            server = start(_server_flags(options, scenario_path), server_stderr, own_session=True)
        except FaultServerError as exc:
            print(f"demo: {exc}", file=err)
            return 1
        server_started = time.monotonic()
        try:
            return _with_telemetry(options, server, server_started, scenario, out, err)
        finally:
            status = server.stop()
            if status != 0:
                print(f"demo: the fault server exited {status}: "
                      f"{server.stderr_text()[-2000:]}", file=err)


