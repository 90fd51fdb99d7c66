"""A failed Batch explained: its error file read through the user's client, each line
classified (the real SDK, sync and async, against the fault server; and the command)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openai
import pytest

from openai_error_telemetry.batches import explain_batch, explain_lines

pytestmark = pytest.mark.integration


def _batch(client: openai.OpenAI, fault: str) -> openai.types.Batch:
    headers = {"x-fault": f"{fault};queued=0;run=0.02", "x-fault-key": uuid.uuid4().hex} \
        if fault else {}
    created = client.batches.create(
        input_file_id="file-in1", endpoint="/v1/chat/completions", completion_window="24h",
        extra_headers=headers)
    deadline = time.monotonic() + 30
    while (batch := client.batches.retrieve(created.id)).status != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return batch


def test_a_batch_whose_every_request_failed_is_explained_by_its_error_file(
        telemetry, job_sdk):
    batch = _batch(job_sdk, "batch_all_failed=5;code=insufficient_quota")
    found = explain_batch(job_sdk, batch)
    assert (found.lines, found.failed, found.unreadable) == (5, 5, 0)
    assert found.by_code == {"quota_exhausted": 5}
    assert found.dominant == "quota_exhausted"
    assert found.error_file_id == batch.error_file_id
    assert explain_batch(job_sdk, batch.id) == found  # by id: one retrieve more
    # the download is one successful operation; the Batch is still counted once
    names = [s.attributes["gen_ai.operation.name"] for s in telemetry.spans("operation")]
    assert names.count("files.content") == 2
    assert telemetry.total("openai.jobs.ended", openai__job__type="batch") == 1


def test_a_batch_with_no_error_file_is_no_lines(job_sdk):
    batch = _batch(job_sdk, "")
    assert batch.error_file_id is None
    found = explain_batch(job_sdk, batch)
    assert (found.lines, found.failed, found.by_code, found.dominant) == (0, 0, {}, None)


async def test_the_async_client_is_awaited(fault_server):
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=0, timeout=10) as client:
        with openai.OpenAI(base_url=fault_server.base_url, api_key="sk-test") as sync:
            batch = _batch(sync, "batch_all_failed=3;code=server_error")
        found = await explain_batch(client, batch.id)
    assert found.by_code == {"server_error": 3}


def test_lines_of_every_shape_count_and_ties_follow_the_contract():
    lines = [
        {"custom_id": "a", "response": {"status_code": 429, "body": {
            "error": {"code": "rate_limit_exceeded"}}}},
        b'{"custom_id": "b", "response": {"status_code": 500, "body": {}}}',
        '{"custom_id": "c", "response": {"status_code": 200, "body": {}}}',
        "", "not json", '{"no": "custom id"}',
        {"custom_id": "d", "error": {"code": "batch_expired", "message": "x"}},
    ]
    found = explain_lines(lines)
    assert (found.lines, found.failed, found.unreadable) == (6, 3, 2)
    # one each: the contract's order decides (rate_limited comes first)
    assert list(found.by_code) == ["rate_limited", "server_error", "timeout"]
    assert found.dominant == "rate_limited"


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openai_error_telemetry", "explain-batch",
                           *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_the_command_explains_a_downloaded_file(tmp_path: Path):
    path = tmp_path / "errors.jsonl"
    path.write_text("\n".join(json.dumps({"custom_id": f"r{n}", "response": {
        "status_code": 429, "body": {"error": {"code": "insufficient_quota"}}}})
        for n in range(4)) + "\n")
    table = run_cli(str(path))
    assert table.returncode == 0, table.stderr
    assert "4 of 4 requests failed" in table.stdout
    assert "dominant: quota_exhausted" in table.stdout
    answer = json.loads(run_cli(str(path), "--format", "json").stdout)
    assert answer["by_code"] == {"quota_exhausted": 4}


@pytest.mark.parametrize(("args", "stdin", "said"), [
    (["/no/such/file.jsonl"], "", "cannot read /no/such/file.jsonl"),
    (["-"], "garbage\n{\"a\": 1}\n", "holds no Batch line"),
    (["-"], "", "holds no Batch line"),
])
def test_the_command_says_what_is_wrong_with_bad_input(args, stdin, said):
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr
