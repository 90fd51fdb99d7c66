"""The committed dashboards and rules are exactly what the generator writes today."""

from __future__ import annotations

import json
from pathlib import Path

from dashboards.generate import render, write

from tests.dashboards.dashtools import OUT


def test_committed_output_matches_the_generator(tmp_path: Path) -> None:
    write(render(), tmp_path)
    fresh = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(OUT): p.read_text() for p in OUT.rglob("*") if p.is_file()}
    assert sorted(map(str, committed)) == sorted(map(str, fresh)), "files added or missing"
    stale = [str(path) for path, text in fresh.items() if committed[path] != text]
    assert not stale, f"regenerate with 'make dashboards': {stale} differ"


def test_generation_is_deterministic() -> None:
    assert render() == render()


def test_variants_differ_only_in_metric_names() -> None:
    files = render()
    classic = json.loads(files["classic/openai-errors.json"])
    nosuffix = json.loads(files["nosuffix/openai-errors.json"])
    assert classic["uid"] != nosuffix["uid"]
    text = files["nosuffix/openai-errors.json"] + files["nosuffix/prometheus_alerts.yaml"]
    assert "_seconds" not in text
    assert "_total" not in text
    assert "gen_ai_client_operation_duration_seconds_count" in files["classic/openai-errors.json"]
    assert "openai_client_attempts_total" in files["classic/prometheus_alerts.yaml"]
    assert len(classic["panels"]) == len(nosuffix["panels"])


def test_the_latest_variants_read_only_the_latest_names() -> None:
    files = render()
    for kind in ("classic", "nosuffix"):
        text = "".join(v for k, v in files.items() if k.startswith(f"latest-{kind}/"))
        for older in ("openai_client_attempts", "openai_jobs_ended", "openai_ratelimit_",
                      "openai_job_type", "openai_retry_will_retry", "gen_ai_client_token_usage",
                      "openai_background_responses"):
            assert older not in text, (kind, older)
        for latest in ("openai_error_telemetry_client_attempts", "gen_ai_client_inference_duration",
                       "gen_ai_client_inference_usage_input_tokens",
                       "openai_error_telemetry_job_type"):
            assert latest in text, (kind, latest)
        default = "".join(v for k, v in files.items() if k.startswith(f"{kind}/"))
        assert "openai_error_telemetry_" not in default
        assert "inference" not in default
