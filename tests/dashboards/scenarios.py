"""Alert scenarios from measured telemetry: what the rules see when the SDK meets faults.

``measure()`` runs the real SDK, instrumented, against a fault server started with the
scenario's faults, and reads what the Prometheus exporter would serve: each counter
series' count per call, each gauge's readings. ``timeline()`` turns measured profiles
into promtool input series, minute by minute (a steady call rate, each series growing by
its measured share of it; gauges read in their measured order), so hours of rule time
run in seconds. ``firing()`` asks promtool, at every minute, which alert fires: with
every expectation empty, each mismatch promtool reports is an alert firing then.

The SDK's own backoff sleeps are shortened while measuring (a wait the server asks for
with ``retry-after`` is kept; the retry decisions and the counts are the SDK's); the rate
per minute is a choice, the shares are measured.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import openai
import yaml
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry

import openai_error_telemetry
from tests.fault_server import run_fault_server

COUNTERS = ("openai_client_attempts_total", "gen_ai_client_operation_duration_seconds_count",
            "openai_jobs_ended_total")
GAUGES = ("openai_ratelimit_remaining", "openai_ratelimit_limit")
Key = tuple[str, tuple[tuple[str, str], ...]]  # metric name, sorted labels
_SAME = {"server_address": "api.openai.com", "server_port": "443"}


@dataclass
class Profile:
    """What one measured workload exported: counts per call, gauge readings in order."""

    calls: int
    counts: dict[Key, float]
    gauges: dict[Key, list[float]] = field(default_factory=dict)

    def per_call(self, key: Key) -> float:
        return self.counts.get(key, 0.0) / max(self.calls, 1)


def _series(registry: CollectorRegistry) -> Iterator[tuple[Key, float]]:
    for family in registry.collect():
        for sample in family.samples:
            if sample.name in COUNTERS or sample.name in GAUGES:
                # each measurement has its own fault server: one address for all of them,
                # as one application calling one API would have
                labels = tuple(sorted((k, _SAME.get(k, v)) for k, v in sample.labels.items()
                                      if k not in ("service_name", "job", "instance")))
                yield (sample.name, labels), float(sample.value)


@contextmanager
def _instrumented() -> Iterator[CollectorRegistry]:
    registry = CollectorRegistry(auto_describe=True)
    meter_provider = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)],
                                   resource=Resource.create({"service.name": "scenario"}))
    tracer_provider = TracerProvider()
    openai_error_telemetry.instrument(meter_provider=meter_provider,
                                      tracer_provider=tracer_provider, logs=False)
    try:
        yield registry
    finally:
        openai_error_telemetry.uninstrument()
        meter_provider.shutdown()
        tracer_provider.shutdown()


def _short_backoff(monkeypatch: Any) -> None:
    base = openai._base_client.BaseClient
    original = base._calculate_retry_timeout

    def quick(self: Any, remaining: int, options: Any, headers: Any = None) -> float:
        wait: float = original(self, remaining, options, headers)
        asked = headers is not None and any(
            name in headers for name in ("retry-after", "retry-after-ms"))
        return wait if asked else min(wait, 0.05)  # the server's own wait is kept

    monkeypatch.setattr(base, "_calculate_retry_timeout", quick)


Call = Callable[[openai.OpenAI], Any]


def measure(monkeypatch: Any, flags: Sequence[str], calls: Sequence[Call], *,
            workers: int = 8, timeout_s: float = 5.0, read_gauges_every: int = 0,
            warmup: float = 0.0) -> Profile:
    """Run ``calls`` (each once, ``workers`` at a time) with the SDK's default retries
    against a fault server started with ``flags``; the exported series, per call. The
    gauges are read every ``read_gauges_every`` calls, the first ``warmup`` share of the
    readings dropped (a full bucket draining is no steady state)."""
    _short_backoff(monkeypatch)
    readings: dict[Key, list[float]] = {}
    lock = threading.Lock()
    with run_fault_server(*flags) as server, _instrumented() as registry, openai.OpenAI(
            base_url=server.base_url, api_key="sk-scenario", timeout=timeout_s) as client:

        def one(index_call: tuple[int, Call]) -> None:
            index, call = index_call
            with suppress(openai.APIError):  # a failed call is what is measured
                call(client)
            if read_gauges_every and index % read_gauges_every == 0:
                with lock:
                    for key, value in _series(registry):
                        if key[0] in GAUGES:
                            readings.setdefault(key, []).append(value)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, enumerate(calls)))
        counts = {key: value for key, value in _series(registry) if key[0] in COUNTERS}
    steady = {key: values[int(len(values) * warmup):] for key, values in readings.items()}
    return Profile(len(calls), counts, steady)


@dataclass(frozen=True)
class Phase:
    """``minutes`` of rule time exporting ``profile`` at ``calls_per_minute``, and the
    counts of ``once`` (one failed Batch) at its first minute."""

    profile: Profile
    minutes: int
    once: Optional[Profile] = None


CALLS_PER_MINUTE = 60


def timeline(phases: Sequence[Phase], calls_per_minute: int = CALLS_PER_MINUTE,
             job: str = "app") -> list[dict[str, str]]:
    """promtool ``input_series``: every series measured in any phase, one value a minute."""
    keys = sorted({key for phase in phases
                   for key in (*phase.profile.counts, *phase.profile.gauges,
                               *(phase.once.counts if phase.once else ()))})
    series = []
    for key in keys:
        name, labels = key
        values: list[str] = []
        total = 0.0
        for phase in phases:
            readings = phase.profile.gauges.get(key)
            for minute in range(phase.minutes):
                if name in GAUGES:
                    values.append(f"{readings[minute % len(readings)]:g}" if readings else "_")
                    continue
                total += phase.profile.per_call(key) * calls_per_minute
                if phase.once is not None and minute == 0:
                    total += phase.once.counts.get(key, 0.0)
                values.append(f"{total:.4f}")
        text = ", ".join(f'{k}="{v}"' for k, v in (("job", job), *labels))
        series.append({"series": f"{name}{{{text}}}", "values": " ".join(values)})
    return series


_FAILURE = re.compile(r"alertname: (\w+), time: ([\dhms]+),")


def _minutes(text: str) -> int:
    hours = re.search(r"(\d+)h", text)
    minutes = re.search(r"(\d+)m(?!s)", text)
    return (int(hours.group(1)) * 60 if hours else 0) + (int(minutes.group(1)) if minutes else 0)


def firing(promtool: str, rule_files: Sequence[Path], input_series: list[dict[str, str]],
           alertnames: Sequence[str], minutes: int, workdir: Path) -> dict[str, list[int]]:
    """The minutes at which each alert fires over the timeline (evaluated every minute)."""
    checks = [{"eval_time": f"{m}m", "alertname": name, "exp_alerts": []}
              for name in alertnames for m in range(1, minutes)]
    document = {"rule_files": [str(p) for p in rule_files], "evaluation_interval": "1m",
                "tests": [{"interval": "1m", "input_series": input_series,
                           "alert_rule_test": checks}]}
    path = workdir / "probe_test.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True,
                            text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert "SUCCESS" in output or "FAILED" in output, output[-2000:]
    assert "yaml:" not in output, output[-2000:]
    assert "error" not in output.split("FAILED")[0].lower(), output[-2000:]
    found: dict[str, list[int]] = {name: [] for name in alertnames}
    for name, when in _FAILURE.findall(output):
        found[name].append(_minutes(when))
    return {name: sorted(set(times)) for name, times in found.items()}


def first(times: list[int], after: int) -> Optional[int]:
    """Minutes from ``after`` to the first firing at or after it; None if never."""
    later = [t for t in times if t >= after]
    return later[0] - after if later else None


def last(times: list[int]) -> Optional[int]:
    return times[-1] if times else None
