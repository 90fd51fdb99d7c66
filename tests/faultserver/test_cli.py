"""The ``fault-server`` command: scenarios from flags and files, signals, bad input."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_error_telemetry import classify_exception
from tests.fault_server import run_fault_server

pytestmark = pytest.mark.integration

MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]


def test_fault_flag_scenario_applies_to_every_request() -> None:
    with run_fault_server("--fault", "overloaded:1.0") as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        for _ in range(3):
            with pytest.raises(openai.InternalServerError) as caught:
                client.chat.completions.create(model="m", messages=MESSAGES)
            assert classify_exception(caught.value).code == "overloaded"
        # the header still wins over the dice
        client.chat.completions.create(model="m", messages=MESSAGES,
                                       extra_headers={"x-fault": "timeout;delay=0"})
        stats = server.stats()
    assert stats["by_source"] == {"scenario": 3, "header": 1}


def test_scenario_file_with_a_spike_phase(tmp_path: Path) -> None:
    scenario = tmp_path / "spike.toml"
    scenario.write_text('seed = 1\n[[phase]]\nname = "spike"\nduration = 600\n'
                        'rates = { quota_exhausted = 1.0 }\n[[phase]]\nrates = {}\n')
    with run_fault_server("--scenario", str(scenario)) as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client, \
            pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert classify_exception(caught.value).code == "quota_exhausted"


def test_scenario_skips_faults_that_do_not_apply() -> None:
    with run_fault_server("--fault", "background_failed=server_error:1.0") as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        client.chat.completions.create(model="m", messages=MESSAGES)
        response = client.responses.create(model="m", input="hi")
        assert response.status == "failed"
        stats = server.stats()
    assert stats["by_endpoint_fault_status"] == {
        "chat.completions none 200": 1, "responses.create background_failed 200": 1}


def test_sigint_is_a_clean_exit_too() -> None:
    with run_fault_server() as server:
        server.stats()
        assert server.stop(signal.SIGINT) == 0


def _run_cli(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openai_error_telemetry", "fault-server", *flags],
        capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(("flags", "problem"), [
    (["--fault", "gremlins:0.5"], "unknown fault"),
    (["--fault", "server_error"], "FAULT:RATE"),
    (["--scenario", "/nonexistent/scenario.toml"], "No such file"),
    (["--rpm", "0"], "--rpm must be > 0"),
])
def test_bad_configuration_exits_2_with_a_reason(flags: list[str], problem: str) -> None:
    result = _run_cli("--port", "0", *flags)
    assert result.returncode == 2
    assert problem in result.stderr
    assert result.stdout == ""


def test_a_port_in_use_exits_1() -> None:
    with run_fault_server() as server:
        port = server.url.rsplit(":", 1)[1]
        result = _run_cli("--port", port)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_the_cli_does_not_need_aiohttp_until_the_server_runs() -> None:
    # `openai-error-telemetry codes` must work without the demo extra installed.
    probe = ("import sys; from openai_error_telemetry.cli import build_parser; "
             "build_parser().parse_args(['fault-server', '--rpm', '5']); "
             "print('aiohttp' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=30, check=True)
    assert result.stdout.strip() == "False"


def test_shutdown_does_not_wait_for_a_slow_answer() -> None:
    import threading
    import time

    with run_fault_server() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        errors: list[BaseException] = []

        def slow_call() -> None:
            try:
                client.chat.completions.create(model="m", messages=MESSAGES,
                                               extra_headers={"x-fault": "timeout=600"})
            except openai.APIError as exc:
                errors.append(exc)

        caller = threading.Thread(target=slow_call)
        caller.start()
        deadline = time.monotonic() + 30
        while server.stats()["in_flight"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.stats()["in_flight"] == 1
        # The answer would take ten minutes: exiting by itself at all (the minute here is
        # a hang detector) shows that running answers are cancelled, not waited for.
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(60)
        assert server.stop() == 0
        caller.join(60)
        client.close()
    assert len(errors) == 1
    assert classify_exception(errors[0]).code == "connection_error"  # closed, no answer
