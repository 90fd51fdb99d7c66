"""Bad flags and bad scenarios end with a clear message and status 2, before any server."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from openai_error_telemetry.cli import main


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--duration", "0"], "must be a number of seconds > 0"),
        (["--duration", "soon"], "is not a number of seconds"),
        (["--concurrency", "0"], "is not between 1 and 64"),
        (["--concurrency", "many"], "is not a whole number"),
        (["--scenario", "nope"], "neither a built-in scenario (story, calm"),
        (["--metrics-port", "70000"], "is not a port"),
        (["--linger", "-1"], "must be a number of seconds > 0"),
        (["--seed", "x"], "invalid int value"),
    ],
)
def test_bad_flags_exit_2_with_the_reason(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", *flags])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_scenario_file_that_does_not_load_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "too-much.toml"
    scenario.write_text('[[phase]]\nrates = { server_error = 0.8, timeout = 0.8 }\n')
    assert main(["demo", "--scenario", str(scenario), "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "demo: bad scenario" in err
    assert "add up to more than 1" in err


def test_a_metrics_port_in_use_exits_1_and_stops_the_fault_server() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "openai_error_telemetry", "demo", "--duration", "1",
             "--metrics-port", str(port)],
            capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 1, done.stderr
    assert f"demo: cannot serve metrics on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert "fault server exited" not in done.stderr  # stopped cleanly (status 0)
