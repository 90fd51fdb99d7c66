"""Every job surface, with the real SDK over HTTP to the fault server (openai 1.x-3.x).

For each row of ``classify/jobs.py`` the fault server serves (a Batch, a fine-tuning job,
a vector store file and file batch, an Assistants run, a video, an evals run): the job
is created to fail, polled past its end, and its failure must be one ``openai.jobs.ended``
point and one ``openai.job.failed`` log with its code, while every read stays a
successful operation. Then: a cancel is a success, a list counts once, the SDK's poll
helpers are seen, webhooks count once, and the opt-in makes reads raise the SDK's class.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

import openai
import pytest
from opentelemetry.trace import StatusCode

import openai_error_telemetry
from tests.instrumentation.harness import Telemetry

pytestmark = pytest.mark.integration

FAST = "queued=0;run=0.05"
MAJOR = int(openai.__version__.split(".")[0])


@dataclass(frozen=True)
class Driver:
    """How the SDK creates, reads, lists, polls and cancels one surface's jobs."""

    surface: str
    create: Callable[[openai.OpenAI, dict[str, str]], Any]
    retrieve: Callable[[openai.OpenAI, str], Any]
    list: Optional[Callable[[openai.OpenAI], Any]] = None
    poll: Optional[Callable[[openai.OpenAI, str], Any]] = None
    cancel: Optional[Callable[[openai.OpenAI, str], Any]] = None
    since: int = 1


VS, THREAD, EVAL = "vs_abc123", "thread_abc123", "eval_abc123"
DRIVERS = [
    Driver(
        "batch",
        lambda c, h: c.batches.create(input_file_id="file-in1", endpoint="/v1/chat/completions",
                                      completion_window="24h", extra_headers=h),
        lambda c, i: c.batches.retrieve(i),
        list=lambda c: c.batches.list(),
        cancel=lambda c, i: c.batches.cancel(i)),
    Driver(
        "fine_tuning.job",
        lambda c, h: c.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-t1",
                                               extra_headers=h),
        lambda c, i: c.fine_tuning.jobs.retrieve(i),
        list=lambda c: c.fine_tuning.jobs.list(),
        cancel=lambda c, i: c.fine_tuning.jobs.cancel(i)),
    Driver(
        "vector_store.file",
        lambda c, h: c.vector_stores.files.create(vector_store_id=VS, file_id="file-v1",
                                                  extra_headers=h),
        lambda c, i: c.vector_stores.files.retrieve(file_id=i, vector_store_id=VS),
        list=lambda c: c.vector_stores.files.list(vector_store_id=VS),
        poll=lambda c, i: c.vector_stores.files.poll(i, vector_store_id=VS)),
    Driver(
        "vector_store.files_batch",
        lambda c, h: c.vector_stores.file_batches.create(vector_store_id=VS,
                                                         file_ids=["file-v1"], extra_headers=h),
        lambda c, i: c.vector_stores.file_batches.retrieve(batch_id=i, vector_store_id=VS),
        poll=lambda c, i: c.vector_stores.file_batches.poll(i, vector_store_id=VS),
        cancel=lambda c, i: c.vector_stores.file_batches.cancel(batch_id=i,
                                                                vector_store_id=VS)),
    Driver(
        "thread.run",
        lambda c, h: c.beta.threads.runs.create(thread_id=THREAD, assistant_id="asst_1",
                                                extra_headers=h),
        lambda c, i: c.beta.threads.runs.retrieve(run_id=i, thread_id=THREAD),
        list=lambda c: c.beta.threads.runs.list(thread_id=THREAD),
        poll=lambda c, i: c.beta.threads.runs.poll(i, thread_id=THREAD),
        cancel=lambda c, i: c.beta.threads.runs.cancel(run_id=i, thread_id=THREAD)),
    Driver(
        "video",
        lambda c, h: c.videos.create(prompt="a cat", model="sora-2", extra_headers=h),
        lambda c, i: c.videos.retrieve(i),
        poll=lambda c, i: c.videos.poll(i),
        since=2),
    Driver(
        "eval.run",
        lambda c, h: c.evals.runs.create(
            eval_id=EVAL, data_source={"type": "jsonl", "source": {
                "type": "file_id", "id": "file-d1"}}, extra_headers=h),
        lambda c, i: c.evals.runs.retrieve(run_id=i, eval_id=EVAL),
        list=lambda c: c.evals.runs.list(eval_id=EVAL),
        cancel=lambda c, i: c.evals.runs.cancel(run_id=i, eval_id=EVAL)),
]
BY_SURFACE = {d.surface: d for d in DRIVERS}

# (surface, x-fault, the job's terminal status, the expected code)
FAILURES = [
    ("batch", "job_failed=token_limit_exceeded", "failed", "rate_limited"),
    ("batch", "job_expired", "expired", "timeout"),
    ("batch", "batch_all_failed=4", "completed", "unknown"),
    ("fine_tuning.job", "job_failed=invalid_training_file", "failed", "invalid_request"),
    ("vector_store.file", "job_failed=unsupported_file", "failed", "invalid_request"),
    ("vector_store.files_batch", "job_failed", "failed", "unknown"),
    ("thread.run", "job_failed=rate_limit_exceeded", "failed", "rate_limited"),
    ("thread.run", "job_expired", "expired", "timeout"),
    ("thread.run", "job_incomplete=max_prompt_tokens", "incomplete", "context_length_exceeded"),
    ("video", "job_failed=moderation_blocked", "failed", "content_filtered"),
    ("eval.run", "job_failed=server_error", "failed", "server_error"),
]


def driver_for(surface: str) -> Driver:
    driver = BY_SURFACE[surface]
    if driver.since > MAJOR:
        pytest.skip(f"openai {openai.__version__} has no {surface}")
    return driver


def fault(text: str) -> dict[str, str]:
    return {"x-fault": f"{text};{FAST}", "x-fault-key": uuid.uuid4().hex}


def until_ended(client: openai.OpenAI, driver: Driver, job_id: str, status: str,
                reads_after: int = 2) -> list[str]:
    """Retrieve until the job shows ``status``, then ``reads_after`` more times."""
    seen: list[str] = []
    deadline = time.monotonic() + 30  # a hang detector; the job ends in 50 ms
    while seen.count(status) <= reads_after:
        seen.append(str(driver.retrieve(client, job_id).status))
        assert time.monotonic() < deadline, seen
        if status not in seen:
            time.sleep(0.02)
    return seen


def reads(telemetry: Telemetry) -> list[Any]:
    return [s for s in telemetry.spans("operation") if s.attributes.get("openai.job.status")]


def ended_events(telemetry: Telemetry) -> list[Any]:
    return [e for s in telemetry.spans("operation") for e in s.events
            if e.name == "openai.job.ended"]


@pytest.mark.parametrize(("surface", "spec", "status", "code"), FAILURES,
                         ids=[f"{f[0]}-{f[1]}" for f in FAILURES])
def test_a_failed_job_is_one_failure_however_often_it_is_read(
        telemetry, logs, job_sdk, surface, spec, status, code):
    driver = driver_for(surface)
    created = driver.create(job_sdk, fault(spec))
    seen = until_ended(job_sdk, driver, created.id, status)
    assert seen.count(status) == 3  # three reads of the ended job
    assert telemetry.total("openai.jobs.ended") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__type=surface,
                           openai__job__status=status, error__type=code) == 1
    # every read worked: no operation failed, no duration point carries an error
    operations = telemetry.spans("operation")
    assert all(s.status.status_code == StatusCode.UNSET for s in operations)
    assert telemetry.total("gen_ai.client.operation.duration") == len(operations)
    assert not [p for p in telemetry.points("gen_ai.client.operation.duration")
                if "error.type" in p.attributes]
    assert telemetry.points("gen_ai.client.token.usage") == []
    (event,) = ended_events(telemetry)
    assert event.attributes["error.type"] == code
    assert event.attributes["openai.job.id"] == created.id
    (log,) = logs.named("openai.job.failed")
    assert (log["error.type"], log["job_type"], log["job_status"]) == (code, surface, status)
    assert not logs.named("openai.operation.failed")


@pytest.mark.parametrize("surface", [d.surface for d in DRIVERS])
def test_a_job_that_succeeds_is_counted_once_without_error(telemetry, logs, job_sdk, surface):
    driver = driver_for(surface)
    created = driver.create(job_sdk, {})
    done = {"fine_tuning.job": "succeeded"}.get(surface, "completed")
    until_ended(job_sdk, driver, created.id, done, reads_after=1)
    (point,) = telemetry.points("openai.jobs.ended")
    assert point.value == 1
    assert point.attributes["openai.job.status"] == done
    assert "error.type" not in point.attributes
    assert not logs.entries


@pytest.mark.parametrize("surface", [d.surface for d in DRIVERS if d.cancel is not None])
def test_a_cancel_that_worked_is_a_success(telemetry, logs, job_sdk, surface):
    driver = driver_for(surface)
    assert driver.cancel is not None
    created = driver.create(job_sdk, {"x-fault": "job_failed;queued=30;run=30",
                                  "x-fault-key": uuid.uuid4().hex})
    cancelled = driver.cancel(job_sdk, created.id)
    assert cancelled.status in ("cancelled", "canceled")
    cancel_span = telemetry.spans("operation")[-1]
    assert cancel_span.status.status_code == StatusCode.UNSET
    assert "error.type" not in cancel_span.attributes
    assert telemetry.total("openai.jobs.ended", error__type="cancelled") == 1
    assert not logs.entries  # a cancel that was asked for is no failure


@pytest.mark.parametrize("surface", [d.surface for d in DRIVERS if d.poll is not None])
def test_the_sdk_poll_helpers_are_seen_and_counted_once(telemetry, logs, job_sdk, surface):
    driver = driver_for(surface)
    assert driver.poll is not None
    spec = {"vector_store.file": "job_failed=server_error", "vector_store.files_batch":
            "job_failed", "thread.run": "job_failed=rate_limit_exceeded",
            "video": "job_failed=moderation_blocked"}[surface]
    created = driver.create(job_sdk, fault(spec))
    polled = driver.poll(job_sdk, created.id)
    assert polled.status == "failed"
    driver.poll(job_sdk, created.id)  # polled again: the same job, nothing new
    assert telemetry.total("openai.jobs.ended", openai__job__status="failed") == 1
    assert len(logs.named("openai.job.failed")) == 1
    assert all(s.status.status_code == StatusCode.UNSET for s in telemetry.spans("operation"))


@pytest.mark.parametrize("surface", [d.surface for d in DRIVERS if d.list is not None])
def test_a_list_sees_every_job_end_once(telemetry, logs, job_sdk, surface):
    driver = driver_for(surface)
    assert driver.list is not None
    spec = {"batch": "job_expired", "fine_tuning.job": "job_failed=server_error",
            "vector_store.file": "job_failed=server_error",
            "thread.run": "job_failed=server_error", "eval.run": "job_failed=server_error"}
    ids = {driver.create(job_sdk, fault(spec[surface])).id for _ in range(2)}
    deadline = time.monotonic() + 30
    while True:
        page = driver.list(job_sdk)
        listed = {job.id: job.status for job in page.data if job.id in ids}
        if len(listed) == 2 and all(s in ("failed", "expired") for s in listed.values()):
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.02)
    driver.list(job_sdk)  # listed again: nothing new
    for job_id in ids:
        driver.retrieve(job_sdk, job_id)  # read one by one: nothing new either
    assert telemetry.total("openai.jobs.ended", openai__job__type=surface) == 2
    assert len(logs.named("openai.job.failed")) == 2


# -- background Responses: the same rules -------------------------------------------

def test_three_polls_of_a_failed_background_response_are_one_failure(telemetry, logs, job_sdk):
    created = job_sdk.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                   extra_headers=fault("background_failed=rate_limit_exceeded"))
    deadline = time.monotonic() + 30
    statuses: list[str] = []
    while statuses.count("failed") < 3:
        statuses.append(str(job_sdk.responses.retrieve(created.id).status))
        assert time.monotonic() < deadline, statuses
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1
    assert telemetry.total("gen_ai.client.operation.duration", error__type="rate_limited") == 0
    assert len(logs.named("openai.job.failed")) == 1


def test_retrieves_of_a_completed_response_record_no_usage(telemetry, job_sdk):
    created = job_sdk.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                   )
    deadline = time.monotonic() + 30
    while job_sdk.responses.retrieve(created.id).status != "completed":
        assert time.monotonic() < deadline
    for _ in range(2):
        job_sdk.responses.retrieve(created.id)
    assert telemetry.points("gen_ai.client.token.usage") == []


def test_a_streamed_background_failure_logs_once(telemetry, logs, job_sdk):
    stream = job_sdk.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                  stream=True,
                                  extra_headers=fault("background_failed=server_error"))
    events = list(stream)
    assert events[-1].type == "response.failed"
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "server_error"
    assert op.attributes["openai.failure.source"] == "stream_event"
    assert len(logs.entries) == 1, [e["event"] for e in logs.entries]
    assert telemetry.total("openai.jobs.ended", error__type="server_error") == 1


def test_a_streamed_foreground_failure_is_a_stream_event_failure(telemetry, logs, job_sdk):
    stream = job_sdk.responses.create(model="gpt-4o-mini", input="hi", stream=True,
                                  extra_headers=fault("background_failed=server_error"))
    assert list(stream)[-1].type == "response.failed"
    (op,) = telemetry.spans("operation")
    assert op.attributes["openai.failure.source"] == "stream_event"
    assert telemetry.points("openai.jobs.ended") == []  # a foreground Response is no job
    assert [e["event"] for e in logs.entries] == ["openai.stream.failed"]


# -- webhooks ------------------------------------------------------------------------

SECRET = "whsec_" + base64.b64encode(b"fault-server-test-secret").decode()


def signed(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A webhook delivery as OpenAI signs it (Standard Webhooks, HMAC-SHA256)."""
    payload = json.dumps(event)
    webhook_id, timestamp = f"wh_{uuid.uuid4().hex}", str(int(time.time()))
    digest = hmac.new(base64.b64decode(SECRET[6:]), f"{webhook_id}.{timestamp}.{payload}"
                      .encode(), hashlib.sha256).digest()
    return payload, {"webhook-id": webhook_id, "webhook-timestamp": timestamp,
                     "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def test_a_webhook_counts_the_job_once_and_a_later_read_adds_nothing(telemetry, logs, job_sdk):
    driver = driver_for("batch")
    created = driver.create(job_sdk, fault("job_failed=token_limit_exceeded"))
    payload, headers = signed({"id": "evt_1", "object": "event", "type": "batch.failed",
                               "created_at": int(time.time()), "data": {"id": created.id}})
    event = job_sdk.webhooks.unwrap(payload, headers, secret=SECRET)
    assert event.type == "batch.failed"
    job_sdk.webhooks.unwrap(payload, headers, secret=SECRET)  # a redelivery: the same job
    until_ended(job_sdk, driver, created.id, "failed", reads_after=0)
    assert telemetry.total("openai.jobs.ended") == 1
    # the payload names the job only: its code is unknown to the webhook
    assert telemetry.total("openai.jobs.ended", openai__job__type="batch",
                           error__type="unknown") == 1
    (log,) = logs.named("openai.job.failed")
    assert log["operation"] == "webhooks.unwrap"


def test_fetch_and_classify_gives_a_webhook_the_code(telemetry, job_sdk):
    from openai_error_telemetry.webhooks import fetch_and_classify

    driver = driver_for("batch")
    created = driver.create(job_sdk, fault("job_failed=token_limit_exceeded"))
    until_ended(job_sdk, driver, created.id, "failed", reads_after=0)
    payload, headers = signed({"id": "evt_2", "object": "event", "type": "batch.failed",
                               "created_at": int(time.time()), "data": {"id": created.id}})
    found = fetch_and_classify(job_sdk, job_sdk.webhooks.unwrap(payload, headers, secret=SECRET))
    assert found is not None
    assert found.code == "rate_limited"


# -- the opt-in: reads raise -----------------------------------------------------------

def test_the_opt_in_makes_a_background_429_catchable_as_rate_limit_error(raising, job_sdk):
    created = job_sdk.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                   extra_headers=fault("background_failed=rate_limit_exceeded"))
    deadline = time.monotonic() + 30
    with pytest.raises(openai.RateLimitError) as caught:  # noqa: PT012 - poll until it raises
        while True:
            job_sdk.responses.retrieve(created.id)
            assert time.monotonic() < deadline
    assert caught.value.classification.code == "rate_limited"  # type: ignore[attr-defined]
    assert raising.total("openai.jobs.ended", error__type="rate_limited") == 1


@pytest.mark.parametrize("surface", ["thread.run", "vector_store.file"])
def test_the_opt_in_makes_poll_helpers_raise(raising, job_sdk, surface):
    driver = driver_for(surface)
    assert driver.poll is not None
    spec = {"thread.run": "job_failed=rate_limit_exceeded",
            "vector_store.file": "job_failed=unsupported_file"}[surface]
    created = driver.create(job_sdk, fault(spec))
    expected = openai.RateLimitError if surface == "thread.run" else openai.BadRequestError
    with pytest.raises(expected):
        driver.poll(job_sdk, created.id)


def test_the_opt_in_leaves_cancels_successes_and_other_calls_alone(raising, job_sdk):
    driver = driver_for("batch")
    created = driver.create(job_sdk, {"x-fault": "job_failed;queued=30;run=30",
                                  "x-fault-key": uuid.uuid4().hex})
    assert driver.cancel is not None
    assert driver.cancel(job_sdk, created.id).status == "cancelled"
    assert driver.retrieve(job_sdk, created.id).status == "cancelled"  # not raised
    ok = driver.create(job_sdk, {})
    until_ended(job_sdk, driver, ok.id, "completed", reads_after=0)
    job_sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])


def test_the_opt_in_is_off_by_default_and_read_from_the_environment(monkeypatch):
    from openai_error_telemetry.instrumentation.config import load_settings

    assert load_settings({}, {}).raise_job_failures is False
    assert load_settings({}, {"OPENAI_ERROR_TELEMETRY_RAISE_JOB_FAILURES": "1"}) \
        .raise_job_failures is True
    assert load_settings({"raise_job_failures": False},
                         {"OPENAI_ERROR_TELEMETRY_RAISE_JOB_FAILURES": "1"}) \
        .raise_job_failures is False
    openai_error_telemetry.uninstrument()


async def test_async_reads_and_poll_helpers_count_a_job_once(telemetry, logs, fault_server):
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=0, timeout=10) as client:
        run = await client.beta.threads.runs.create(
            thread_id=THREAD, assistant_id="asst_1",
            extra_headers=fault("job_failed=rate_limit_exceeded"))
        polled = await client.beta.threads.runs.poll(run.id, thread_id=THREAD)
        assert polled.status == "failed"
        for _ in range(2):
            await client.beta.threads.runs.retrieve(run_id=run.id, thread_id=THREAD)
        batch = await client.batches.create(
            input_file_id="file-in1", endpoint="/v1/chat/completions", completion_window="24h",
            extra_headers=fault("job_expired"))
        deadline = time.monotonic() + 30
        while (await client.batches.retrieve(batch.id)).status != "expired":
            assert time.monotonic() < deadline
    assert telemetry.total("openai.jobs.ended", openai__job__type="thread.run",
                           error__type="rate_limited") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__type="batch",
                           error__type="timeout") == 1
    assert len(logs.named("openai.job.failed")) == 2
    assert all(s.status.status_code == StatusCode.UNSET for s in telemetry.spans("operation"))
