"""The demo end to end: a real fault server, the real SDK, the real Prometheus exporter.

The summary is checked against two sources it does not compute: a scrape of the demo's
own Prometheus endpoint (the exporter the dashboards read) and the fault server's tally of
what it actually sent. ``--linger`` keeps both up after the summary so the test can read
the final values.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from openai_error_telemetry.demo.workload import API_KEY, PROMPT

from .harness import code_table, fetch, refuses, run_demo, scrape

pytestmark = pytest.mark.integration

# Faults that fail an HTTP attempt, and the code the telemetry must give that attempt.
ATTEMPT_FAULTS = {
    "rate_limited": "rate_limited",
    "rate_limited_tokens": "rate_limited",
    "quota_exhausted": "quota_exhausted",
    "server_error": "server_error",
    "bad_gateway": "server_error",
    "overloaded": "overloaded",
    "timeout": "timeout",
    "connection_reset": "connection_error",
}
# Every attempt-level fault at a steady rate, so a few seconds show most codes.
SCENARIO = """
[[phase]]
name = "everything"
rates = { rate_limited = 0.05, rate_limited_tokens = 0.02, quota_exhausted = 0.03, server_error = 0.05, bad_gateway = 0.02, overloaded = 0.03, timeout = 0.02, connection_reset = 0.03 }
"""


def _server_codes(stats: dict[str, object]) -> Counter[str]:
    by_fault = stats["by_fault"]
    assert isinstance(by_fault, dict)
    codes: Counter[str] = Counter()
    for fault, count in by_fault.items():
        if fault in ATTEMPT_FAULTS:
            codes[ATTEMPT_FAULTS[fault]] += int(count)
    return codes


def test_summary_agrees_with_the_scrape_and_the_fault_servers_tally(tmp_path: Path) -> None:
    scenario = tmp_path / "everything.toml"
    scenario.write_text(SCENARIO)
    with run_demo("--duration", "5", "--concurrency", "6", "--seed", "11",
                  "--scenario", str(scenario), "--linger", "60") as demo:
        demo.read_until("metrics at ", timeout_s=60)
        metrics_url = demo.url("metrics ")
        server_url = demo.url("fault server ")
        exported = scrape(metrics_url)
        stats = json.loads(fetch(f"{server_url}/_fault/stats"))
        demo.process.send_signal(signal.SIGINT)
        status = demo.read_rest(timeout_s=20)

    assert status == 0, demo.stderr_text()
    assert "Traceback" not in demo.stderr_text(), demo.stderr_text()
    # plain periodic lines, no terminal escapes
    assert any(line.startswith("[") and "calls" in line for line in demo.lines)
    assert not any("\x1b[" in line for line in demo.lines)

    table = code_table(demo.lines)
    attempts = exported.by_error("openai_client_attempts_total")
    calls = exported.by_error("gen_ai_client_operation_duration_seconds_count")
    retried = exported.by_error("openai_client_attempts_total", openai_retry_will_retry="true")
    background = exported.by_error("openai_jobs_ended_total")

    # The summary's table is the exported metric points, code by code.
    assert table.column(1) == Counter({c: n for c, n in attempts.items() if c}), demo.lines
    assert table.column(0) == Counter({c: n for c, n in calls.items() if c})
    assert table.column(2) == Counter({c: n for c, n in retried.items() if c})
    assert table.column(3) == Counter({c: n for c, n in background.items() if c})
    total_calls = sum(calls.values())
    assert demo.value("calls ").startswith(f"{total_calls} in ")
    assert demo.value("attempts ").startswith(f"{sum(attempts.values())}, ")

    # ... and it is what the server sent: one attempt per request, each fault's code.
    assert sum(attempts.values()) == stats["requests"]
    assert table.column(1) == _server_codes(stats), stats
    assert len(table.column(1)) >= 4, stats
    # streams the workload asked to cut are the interrupted calls
    assert stats["by_fault"].get("stream_cut", 0) == calls.get("stream_interrupted", 0)
    background_faults = sum(n for f, n in stats["by_fault"].items()
                            if f in ("background_failed", "background_incomplete", "job_failed"))
    assert background_faults == sum(n for c, n in background.items() if c)

    # nothing secret in what was exported or printed
    for text in (exported.text, "\n".join(demo.lines)):
        assert API_KEY not in text
        assert PROMPT not in text
    # and nothing left behind
    assert refuses(metrics_url)
    assert refuses(f"{server_url}/_fault/stats")


def test_ctrl_c_ends_the_run_with_the_summary_so_far() -> None:
    with run_demo("--duration", "120", "--concurrency", "4", "--seed", "5") as demo:
        demo.read_until("workload ", timeout_s=60)
        server_url = demo.url("fault server ")
        metrics_url = demo.url("metrics ")
        time.sleep(2.0)
        demo.process.send_signal(signal.SIGINT)
        # A hang detector, not a measurement: the run had two minutes still to go.
        status = demo.read_rest(timeout_s=60)

    assert status == 130, demo.stderr_text()
    assert "Traceback" not in demo.stderr_text(), demo.stderr_text()
    summary = demo.value("== summary:")
    assert summary.startswith("interrupted after "), summary
    calls = int(demo.value("calls ").split()[0])
    assert calls > 0
    assert refuses(f"{server_url}/_fault/stats")
    assert refuses(metrics_url)


def test_a_proxy_in_the_environment_is_not_asked_to_reach_loopback() -> None:
    dead = "http://127.0.0.1:9"
    with run_demo("--duration", "2", "--concurrency", "2", "--scenario", "calm",
                  env_extra={"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "ALL_PROXY": dead,
                             "http_proxy": dead, "https_proxy": dead, "all_proxy": dead}) as demo:
        status = demo.read_rest(timeout_s=60)

    assert status == 0, demo.stderr_text()
    calls_line = demo.value("calls ")
    calls, failed = int(calls_line.split()[0]), int(calls_line.split(", ")[1].split()[0])
    # Through the dead proxy every call would fail; one success proves the loopback bypass.
    # (How many calls fit in the run depends on the machine's load, so no count is asked.)
    assert calls - failed >= 1, calls_line
