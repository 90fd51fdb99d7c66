"""The command line, run as a user runs it: a real process, stdin in, stdout and stderr out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openai_error_telemetry import ErrorCode
from openai_error_telemetry.cli_codes import markdown_table

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "openai_error_telemetry", *args],
        input=stdin, capture_output=True, timeout=60, check=False,
    )


def lines(text: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.decode().splitlines()]


def test_classify_reads_json_lines_and_answers_in_order() -> None:
    stdin = "\n".join([
        json.dumps({"kind": "http", "status": 429, "headers": {"retry-after-ms": "500"},
                    "body": {"error": {"code": "rate_limit_exceeded", "type": "tokens"}}}),
        json.dumps({"kind": "exception", "exception": "APITimeoutError"}),
        json.dumps({"kind": "exception", "exception": "httpx.RemoteProtocolError", "status": 200}),
        json.dumps({"kind": "exception", "exception": "requests.exceptions.ConnectionError"}),
        json.dumps({"kind": "exception", "exception": "RateLimitError",
                    "body": {"code": "insufficient_quota"}}),
        json.dumps({"kind": "background", "body": {"object": "response", "status": "failed",
                                                    "error": {"code": "server_error"}}}),
        json.dumps({"kind": "background", "body": {"object": "response", "status": "completed"}}),
        json.dumps({"kind": "stream_event", "body": {"type": "error", "code": "rate_limit_exceeded"}}),
        json.dumps({"kind": "batch_line", "body": {"custom_id": "a", "response": {
            "status_code": 401, "body": {"error": {"code": "invalid_api_key"}}}}}),
    ]).encode()
    done = run("classify", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = lines(done.stdout)
    assert [row["line"] for row in out] == list(range(1, 10))
    assert [row["code"] for row in out] == [
        "rate_limited", "timeout", "stream_interrupted", "connection_error", "quota_exhausted",
        "server_error", None, "rate_limited", "auth_error",
    ]
    first = out[0]
    assert (first["retryable"], first["http_status"], first["provider_code"], first["retry_after_s"],
            first["rate_limit_kind"]) == (True, 429, "rate_limit_exceeded", 0.5, "tokens")
    assert out[6]["failure"] is False
    assert done.stderr == b""


def test_bad_lines_are_named_on_stderr_and_the_rest_still_classified() -> None:
    stdin = b"\n".join([
        json.dumps({"kind": "http", "status": 503}).encode(),
        b"{not json",
        b"[1, 2]",
        json.dumps({"kind": "carrier-pigeon"}).encode(),
        json.dumps({"kind": "http", "status": "429"}).encode(),
        json.dumps({"kind": "exception"}).encode(),
        b"\xff\xfe not utf-8",
        b"",
        json.dumps({"kind": "http", "status": 500, "headers": [1]}).encode(),
        json.dumps({"kind": "http", "status": 401}).encode(),
    ])
    done = run("classify", stdin=stdin)
    assert done.returncode == 1
    out = lines(done.stdout)
    assert [row["line"] for row in out] == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    assert out[0]["code"] == "overloaded"
    assert out[-1]["code"] == "auth_error"
    errors = done.stderr.decode().splitlines()
    assert [e.split(":", 1)[0] for e in errors] == [
        "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 9"]
    assert "not valid JSON" in errors[0]
    assert "expected a JSON object" in errors[1]
    assert "unknown kind 'carrier-pigeon'" in errors[2]
    assert "'status' must be an HTTP status" in errors[3]
    assert "needs 'exception'" in errors[4]
    assert "not valid UTF-8" in errors[5]
    assert "'headers' must be an object" in errors[6]


def test_a_huge_line_is_refused_without_stopping_the_rest() -> None:
    from openai_error_telemetry.cli_classify import MAX_LINE_BYTES

    huge = json.dumps({"kind": "http", "status": 500, "body": "x" * (MAX_LINE_BYTES + 10)}).encode()
    done = run("classify", stdin=huge + b"\n" + json.dumps({"kind": "http", "status": 502}).encode())
    assert done.returncode == 1
    assert [row.get("code") for row in lines(done.stdout)] == [None, "server_error"]
    assert b"line 1: longer than 16 MiB" in done.stderr


def test_classify_table_format_covers_the_bundled_examples() -> None:
    examples = (ROOT / "examples" / "failures.jsonl").read_bytes()
    done = run("classify", "--format", "table", stdin=examples)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.decode().splitlines()
    assert len(rows) == 1 + len(examples.decode().splitlines())
    assert rows[0].split()[:2] == ["line", "code"]


def test_codes_prints_the_whole_contract() -> None:
    markdown = run("codes")
    assert markdown.returncode == 0
    assert markdown.stdout.decode() == markdown_table()
    as_json = json.loads(run("codes", "--format", "json").stdout)
    assert [row["code"] for row in as_json] == [code.value for code in ErrorCode]
    assert next(r for r in as_json if r["code"] == "quota_exhausted")["retryable"] is False


def test_unknown_subcommand_and_bad_option_fail_clearly() -> None:
    done = run("frobnicate")
    assert done.returncode == 2
    assert b"invalid choice: 'frobnicate'" in done.stderr
    assert run("codes", "--format", "yaml").returncode == 2


def test_docs_hold_the_same_table_as_the_code() -> None:
    doc = (ROOT / "docs" / "error-codes.md").read_text()
    assert markdown_table() in doc, "docs/error-codes.md is out of date: paste `openai-error-telemetry codes`"


def test_importing_the_classifier_loads_no_http_library() -> None:
    code = (
        "import sys\n"
        "from openai_error_telemetry import classify, classify_http, ErrorCode\n"
        "classify_http(429, {}, {'error': {'code': 'rate_limit_exceeded'}})\n"
        "import openai_error_telemetry.classify.exceptions\n"
        "loaded = sorted(m for m in ('httpx', 'httpx2', 'openai', 'opentelemetry') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=True)
    assert done.stdout.decode().strip() == ""


def test_docs_hold_the_same_job_surface_table_as_the_code() -> None:
    from openai_error_telemetry.cli_codes import jobs_markdown_table

    doc = (ROOT / "docs" / "error-codes.md").read_text()
    assert jobs_markdown_table() in doc, (
        "docs/error-codes.md is out of date: paste `openai-error-telemetry codes --jobs`")
    done = subprocess.run([sys.executable, "-m", "openai_error_telemetry", "codes", "--jobs",
                           "--format", "json"], capture_output=True, timeout=60, check=True)
    rows = json.loads(done.stdout)
    from openai_error_telemetry.classify.jobs import SURFACES

    assert [row["surface"] for row in rows] == [row.name for row in SURFACES]


def test_classify_explain_says_which_rule_and_field_decided() -> None:
    stdin = "\n".join(json.dumps(record) for record in [
        {"kind": "http", "status": 429, "body": {"error": {"code": "insufficient_quota"}}},
        {"kind": "http", "status": 502, "body": "<html>Bad Gateway</html>"},
        {"kind": "http", "status": 400, "body": {"error": {
            "message": "This model's maximum context length is 8192 tokens"}}},
        {"kind": "exception", "exception": "httpx.ConnectError"},
        {"kind": "http", "status": 410},
    ]).encode()
    done = run("classify", "--explain", stdin=stdin)
    assert done.returncode == 0, done.stderr
    said = [row["decided_by"] for row in lines(done.stdout)]
    assert said == [
        {"family": "quota", "rule": "token", "field": "error.code", "value": "insufficient_quota"},
        {"family": "server", "rule": "status", "field": "http status", "value": 502},
        {"family": "client", "rule": "status refined by words", "field": "error.message"},
        {"family": "connection", "rule": "transport class", "field": "ConnectError"},
        {"family": "other", "rule": "status", "field": "http status", "value": 410},
    ]
    table = run("classify", "--explain", "--format", "table", stdin=stdin)
    rows = table.stdout.decode().splitlines()
    assert rows[0].endswith("decided by")
    assert rows[1].endswith("quota: token (error.code = 'insufficient_quota')")
    assert "decided_by" not in lines(run("classify", stdin=stdin).stdout)[0]
