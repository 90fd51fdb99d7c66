"""The job surfaces of openai 3.58-3.63, with the real SDK over HTTP to the fault server.

The Agents API (turns, sessions, automation invocations, environments), Uploads and the
beta Responses, on every openai major that has them: the code of a failure, counted once
over three reads, every read a successful call, the opt-in raise, the stream of a
session's events and the webhooks. ``test_job_surfaces.py`` holds the older surfaces.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable

import httpx
import openai
import pytest
from opentelemetry.trace import StatusCode

from tests.instrumentation.test_job_surfaces import (
    SECRET,
    Driver,
    fault,
    signed,
    until_ended,
)

pytestmark = pytest.mark.integration

SESSION, AUTOMATION = "sess_fault1", "auto_fault1"
MESSAGE = [{"type": "agent.session.input.message",
            "input": [{"role": "user", "content": "summarise the report"}]}]


_turn_sessions: dict[str, str] = {}  # turn id -> its session, for its retrieves


def _new_turn(client: openai.OpenAI, headers: dict[str, str]) -> Any:
    """A turn starts when input is posted to its session; the newest turn is listed first."""
    session = f"sess_{uuid.uuid4().hex[:12]}"
    client.beta.agents.sessions.events.create(session_id=session, events=MESSAGE,
                                              extra_headers=headers)
    turn = client.beta.agents.sessions.turns.list(session_id=session).data[0]
    _turn_sessions[turn.id] = session
    return turn


def _agents(client: openai.OpenAI) -> bool:
    return hasattr(client.beta, "agents")


DRIVERS = {
    "agent.session.turn": Driver(
        "agent.session.turn", _new_turn,
        lambda c, i: c.beta.agents.sessions.turns.retrieve(i, session_id=_turn_sessions[i])),
    "agent.session": Driver(
        "agent.session",
        lambda c, h: c.beta.agents.sessions.create(environment={"type": "openai_hosted"},
                                                   agent_id="agent_1", extra_headers=h),
        lambda c, i: c.beta.agents.sessions.retrieve(i),
        list=lambda c: c.beta.agents.sessions.list()),
    "agent.automation.invocation": Driver(
        "agent.automation.invocation",
        lambda c, h: c.beta.agents.automations.invocations.create(AUTOMATION, extra_headers=h),
        lambda c, i: c.beta.agents.automations.invocations.retrieve(
            i, automation_id=AUTOMATION),
        list=lambda c: c.beta.agents.automations.invocations.list(AUTOMATION)),
    "agent.environment": Driver(
        "agent.environment",
        lambda c, h: c.beta.agents.environments.create(environment={"type": "openai_hosted"},
                                                       extra_headers=h),
        lambda c, i: c.beta.agents.environments.retrieve(i),
        list=lambda c: c.beta.agents.environments.list()),
    "upload": Driver(
        "upload",
        lambda c, h: c.uploads.create(bytes=2048, filename="requests.jsonl",
                                      mime_type="text/jsonl", purpose="batch", extra_headers=h),
        lambda c, i: c.uploads.complete(i, part_ids=[])),
    "file": Driver(
        "file",
        lambda c, h: c.files.create(file=("train.jsonl", b"{}\n"), purpose="fine-tune",
                                    extra_headers=h),
        lambda c, i: c.files.retrieve(i)),
    "response(beta)": Driver(
        "response",
        lambda c, h: c.beta.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                             extra_headers=h),
        lambda c, i: c.beta.responses.retrieve(i)),
}
NEEDS: dict[str, Callable[[openai.OpenAI], bool]] = {
    "agent.session.turn": _agents, "agent.session": _agents,
    "agent.automation.invocation": _agents, "agent.environment": _agents,
    "upload": lambda c: True, "file": lambda c: True,
    "response(beta)": lambda c: hasattr(c.beta, "responses"),
}


def driver_for(client: openai.OpenAI, name: str) -> Driver:
    if not NEEDS[name](client):
        pytest.skip(f"openai {openai.__version__} has no {name}")
    return DRIVERS[name]


# (driver, x-fault, the job's terminal status, the expected code)
FAILURES = [
    ("agent.session.turn", "job_failed=credit_balance_exhausted", "failed", "quota_exhausted"),
    ("agent.session.turn", "job_failed=server_overloaded", "failed", "overloaded"),
    ("agent.session.turn", "job_failed=active_turn_not_steerable", "failed", "conflict"),
    ("agent.session", "job_ended=budget_reached", "budget_reached", "quota_exhausted"),
    # a session's error is a sentence: its words decide
    ("agent.session", "job_failed=server_overloaded", "failed", "overloaded"),
    ("agent.automation.invocation", "job_failed=rate_limit_exceeded", "failed", "rate_limited"),
    ("agent.environment", "job_failed=connection_failed", "failed", "connection_error"),
    ("agent.environment", "job_expired", "expired", "timeout"),
    ("upload", "job_expired", "expired", "timeout"),
    ("response(beta)", "background_failed=rate_limit_exceeded", "failed", "rate_limited"),
]


@pytest.mark.parametrize(("name", "spec", "status", "code"), FAILURES,
                         ids=[f"{f[0]}-{f[1]}" for f in FAILURES])
def test_a_failed_job_is_one_failure_however_often_it_is_read(
        telemetry, logs, job_sdk, name, spec, status, code):
    driver = driver_for(job_sdk, name)
    created = driver.create(job_sdk, fault(spec))
    seen = until_ended(job_sdk, driver, created.id, status)
    assert seen.count(status) == 3  # three reads of the ended job
    assert telemetry.total("openai.jobs.ended") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__type=driver.surface,
                           openai__job__status=status, error__type=code) == 1
    operations = telemetry.spans("operation")
    assert all(s.status.status_code == StatusCode.UNSET for s in operations)
    assert not [p for p in telemetry.points("gen_ai.client.operation.duration")
                if "error.type" in p.attributes]
    (log,) = logs.named("openai.job.failed")
    assert (log["error.type"], log["job_type"], log["job_status"]) == (code, driver.surface,
                                                                      status)
    assert not logs.named("openai.operation.failed")


@pytest.mark.parametrize(("name", "spec", "status"), [
    ("agent.session.turn", "", "completed"), ("agent.session", "", "idle"),
    ("agent.automation.invocation", "", "completed"), ("agent.environment", "", "ready"),
    ("upload", "", "completed"),
    ("agent.automation.invocation", "job_ended=skipped", "skipped"),
])
def test_a_job_that_did_not_fail_is_counted_once_and_never_logged(
        telemetry, logs, job_sdk, name, spec, status):
    driver = driver_for(job_sdk, name)
    created = driver.create(job_sdk, fault(spec) if spec else {})
    until_ended(job_sdk, driver, created.id, status, reads_after=1)
    (point,) = telemetry.points("openai.jobs.ended")
    assert point.attributes["openai.job.status"] == status
    assert point.attributes.get("error.type") == ("cancelled" if status == "skipped" else None)
    assert not logs.entries


@pytest.mark.parametrize("name", ["agent.session", "agent.automation.invocation",
                                  "agent.environment"])
def test_a_list_sees_every_job_end_once(telemetry, logs, job_sdk, name):
    driver = driver_for(job_sdk, name)
    assert driver.list is not None
    ids = {driver.create(job_sdk, fault("job_failed=server_error")).id for _ in range(2)}
    deadline = time.monotonic() + 30
    while True:
        listed = {job.id: job.status for job in driver.list(job_sdk).data if job.id in ids}
        if len(listed) == 2 and all(s == "failed" for s in listed.values()):
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.02)
    driver.list(job_sdk)
    for job_id in ids:
        driver.retrieve(job_sdk, job_id)
    assert telemetry.total("openai.jobs.ended", openai__job__type=driver.surface) == 2
    assert len(logs.named("openai.job.failed")) == 2


def test_a_session_event_stream_counts_each_turn_once_and_stays_a_success(telemetry, logs, job_sdk):
    driver_for(job_sdk, "agent.session.turn")
    session = f"sess_{uuid.uuid4().hex[:12]}"
    for spec in ("job_failed=rate_limit_exceeded", ""):
        job_sdk.beta.agents.sessions.events.create(
            session_id=session, events=MESSAGE, extra_headers=fault(spec) if spec else {})
    with job_sdk.beta.agents.sessions.events.stream(session_id=session) as stream:
        kinds = [event.type for event in stream]
    assert sorted(kinds) == sorted(["agent.session.turn.created"] * 2 + [
        "agent.session.turn.failed", "agent.session.turn.completed"])
    for turn in job_sdk.beta.agents.sessions.turns.list(session_id=session).data:
        job_sdk.beta.agents.sessions.turns.retrieve(turn.id, session_id=session)  # nothing new
    assert telemetry.total("openai.jobs.ended", openai__job__type="agent.session.turn") == 2
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1
    (log,) = logs.named("openai.job.failed")
    assert log["error.type"] == "rate_limited"
    assert all(s.status.status_code == StatusCode.UNSET for s in telemetry.spans("operation"))


@pytest.mark.parametrize(("name", "spec", "expected"), [
    ("agent.session.turn", "job_failed=rate_limit_exceeded", openai.RateLimitError),
    ("agent.session", "job_ended=budget_reached", openai.RateLimitError),
    ("agent.environment", "job_failed=connection_failed", openai.APIConnectionError),
    ("agent.automation.invocation", "job_failed=server_overloaded", openai.InternalServerError),
    ("response(beta)", "background_failed=insufficient_quota", openai.RateLimitError),
    ("file", "job_ended=error", openai.BadRequestError),
])
def test_the_opt_in_makes_reads_raise_the_sdk_class(raising, job_sdk, name, spec, expected):
    """A retrieve raises (an Upload has none: its ``complete`` is counted, never raised)."""
    driver = driver_for(job_sdk, name)
    created = driver.create(job_sdk, fault(spec))
    deadline = time.monotonic() + 30
    with pytest.raises(expected) as caught:  # noqa: PT012 - read until it raises
        while True:
            driver.retrieve(job_sdk, created.id)
            assert time.monotonic() < deadline
    assert str(caught.value).startswith(f"{driver.surface} {created.id} ")
    assert caught.value.failure.id == created.id  # type: ignore[attr-defined]


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("agent.session.failed", "failed", "unknown"),
    ("agent.environment.expired", "expired", "timeout"),
])
def test_agents_webhooks_count_the_job_once(telemetry, logs, job_sdk, kind, status, code):
    if not hasattr(openai.types, "webhooks") or not _agents(job_sdk):
        pytest.skip(f"openai {openai.__version__} has no Agents webhooks")
    job_id = f"job_{uuid.uuid4().hex[:8]}"
    payload, headers = signed({"id": "evt_a1", "object": "event", "type": kind,
                               "created_at": int(time.time()), "data": {"id": job_id}})
    for _ in range(2):  # delivered twice: one job
        assert job_sdk.webhooks.unwrap(payload, headers, secret=SECRET).type == kind
    assert telemetry.total("openai.jobs.ended", openai__job__status=status,
                           error__type=code) == 1
    assert len(logs.named("openai.job.failed")) == 1


def test_fetch_and_classify_gives_a_session_webhook_its_code(telemetry, job_sdk, fault_server):
    """The fault server signs the delivery; the SDK unwraps it; one retrieve gives the code."""
    from openai_error_telemetry.faultserver.webhooks import DEFAULT_SECRET
    from openai_error_telemetry.webhooks import fetch_and_classify

    driver = driver_for(job_sdk, "agent.session")
    created = driver.create(job_sdk, fault("job_failed=server_overloaded"))
    until_ended(job_sdk, driver, created.id, "failed", reads_after=0)
    sent = httpx.post(fault_server.base_url.removesuffix("/v1") + "/_fault/webhooks",
                      json={"type": "agent.session.failed", "data": {"id": created.id}}).json()
    event = job_sdk.webhooks.unwrap(sent["body"], sent["headers"], secret=DEFAULT_SECRET)
    found = fetch_and_classify(job_sdk, event)
    assert found is not None
    assert found.code == "overloaded"
    assert telemetry.total("openai.jobs.ended", openai__job__type="agent.session") == 1


def test_a_file_is_read_when_retrieved_never_from_a_listing(telemetry, job_sdk):
    """A file whose validation failed is a failed job when read; a list of every file the
    organization has is an inventory, not news: nothing is counted from it."""
    created = job_sdk.files.create(file=("train.jsonl", b"{}\n"), purpose="fine-tune",
                                   extra_headers=fault("job_ended=error"))
    deadline = time.monotonic() + 30
    while not any(f.id == created.id and f.status == "error" for f in job_sdk.files.list()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert telemetry.points("openai.jobs.ended") == []
    assert job_sdk.files.retrieve(created.id).status == "error"
    assert telemetry.total("openai.jobs.ended", openai__job__type="file",
                           error__type="invalid_request") == 1
