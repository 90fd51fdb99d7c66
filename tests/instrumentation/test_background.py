"""Background Responses: queued on create, failed on retrieve, counted once, linked.

A retrieve that returns a failed job worked (HTTP 200): its span and duration point stay
successful and carry the job's status; the job's failure is one count, one span event
and one log event, the first time it is seen.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import StatusCode

from openai_error_telemetry.instrumentation.jobs import JobTracker
from tests.instrumentation.harness import async_client, client, json_response


def response(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "resp_bg1", "object": "response", "created_at": 1, "model": "gpt-4o-2024",
            "status": status, "background": True, "output": [], **extra}


FAILED = response("failed", error={"code": "rate_limit_exceeded", "message": "later"})


def polling(*answers: dict[str, Any]) -> Any:
    """POST /responses answers ``queued``; each GET answers the next of ``answers``."""
    gets: list[Any] = []

    def handler(request: Any) -> Any:
        if request.method == "POST" and request.url.path.endswith("/cancel"):
            return json_response(200, response("cancelled"))
        if request.method == "POST":
            return json_response(200, response("queued"))
        gets.append(request)
        return json_response(200, answers[min(len(gets), len(answers)) - 1])

    return handler


def test_failed_background_job_is_counted_once_and_linked(telemetry, logs):
    c = client(polling(response("in_progress"), FAILED))
    created = c.responses.create(model="gpt-4o", input="x", background=True)
    assert created.status == "queued"
    statuses = [c.responses.retrieve(created.id).status for _ in range(3)]
    assert statuses == ["in_progress", "failed", "failed"]
    spans = telemetry.spans("operation")
    create = next(s for s in spans if s.attributes["gen_ai.operation.name"] == "generate_content")
    assert create.attributes["gen_ai.response.status"] == "queued"
    assert create.attributes["gen_ai.response.id"] == "resp_bg1"
    assert create.status.status_code == StatusCode.UNSET
    retrieves = [s for s in spans if s.attributes["gen_ai.operation.name"] == "fetch_response"]
    assert len(retrieves) == 3
    # The reads worked: no retrieve is an error, whatever the job says.
    assert [r.status.status_code for r in retrieves] == [StatusCode.UNSET] * 3
    assert all("error.type" not in r.attributes for r in retrieves)
    assert [r.attributes["gen_ai.response.status"] for r in retrieves] == [
        "in_progress", "failed", "failed"]
    assert [r.attributes["openai.job.status"] for r in retrieves] == [
        "in_progress", "failed", "failed"]
    assert all(r.attributes["openai.job.type"] == "response" for r in retrieves)
    assert all(r.links[0].context.span_id == create.context.span_id for r in retrieves)
    # The job's end is written once, on the read that first saw it.
    ended = [[e for e in r.events if e.name == "openai.job.ended"] for r in retrieves]
    assert [len(e) for e in ended] == [0, 1, 0]
    assert ended[1][0].attributes["error.type"] == "rate_limited"
    assert ended[1][0].attributes["openai.job.id"] == "resp_bg1"
    assert telemetry.total("openai.jobs.ended") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__type="response",
                           openai__job__status="failed", error__type="rate_limited") == 1
    assert telemetry.total("openai.jobs.ended") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__status="failed",
                           error__type="rate_limited") == 1
    durations = telemetry.points("gen_ai.client.operation.duration")
    assert sum(p.count for p in durations) == 4  # one create, three reads
    assert all("error.type" not in p.attributes for p in durations)
    (event,) = logs.named("openai.job.failed")
    assert event["error.type"] == "rate_limited"
    assert event["job_status"] == "failed"
    assert event["job_type"] == "response"
    assert not logs.named("openai.operation.failed")


def test_completed_background_job_is_counted_without_error(telemetry):
    c = client(polling(response("completed")))
    c.responses.retrieve("resp_bg1")
    c.responses.retrieve("resp_bg1")
    (point,) = telemetry.points("openai.jobs.ended")
    assert point.value == 1
    assert point.attributes["openai.job.status"] == "completed"
    assert "error.type" not in point.attributes


def test_a_successful_cancel_is_a_success(telemetry, logs):
    c = client(polling(response("queued")))
    c.responses.cancel("resp_bg1")
    (op,) = telemetry.spans("operation")
    assert op.attributes["gen_ai.operation.name"] == "responses.cancel"
    assert op.status.status_code == StatusCode.UNSET
    assert "error.type" not in op.attributes
    assert op.attributes["gen_ai.response.status"] == "cancelled"
    assert telemetry.total("openai.jobs.ended", openai__job__status="cancelled") == 1
    assert telemetry.total("openai.jobs.ended", openai__job__status="cancelled",
                           error__type="cancelled") == 1
    assert not logs.entries  # a cancel that was asked for is no failure to log


async def test_async_background_failure(telemetry):
    c = async_client(polling(FAILED))
    await c.responses.create(model="gpt-4o", input="x", background=True)
    for _ in range(3):
        await c.responses.retrieve("resp_bg1")
    assert telemetry.total("openai.jobs.ended", error__type="rate_limited") == 1


def test_tracker_is_bounded_and_counts_once():
    tracker = JobTracker(max_tracked=3)
    for n in range(10):
        tracker.created(f"resp_{n}", None)
    assert len(tracker) == 3
    assert tracker.first_terminal("resp_9") is True
    assert tracker.first_terminal("resp_9") is False
    assert tracker.link_for("resp_0") is None


def test_a_job_that_lives_on_is_counted_at_each_change_of_end():
    """An agent session idles after each turn and may fail later: both are recorded,
    each once; a job whose end is final (the default) is recorded once whatever follows."""
    tracker = JobTracker()
    ends = ["succeeded", "succeeded", "failed", "failed", "succeeded"]
    assert [tracker.first_terminal("agent.session:s1", end) for end in ends] == [
        True, False, True, False, True]
    assert [tracker.first_terminal("batch:b1") for _ in range(3)] == [True, False, False]


def test_a_foreground_incomplete_response_fails_its_span_and_logs(telemetry, logs):
    incomplete = {**response("incomplete"), "background": False,
                  "incomplete_details": {"reason": "max_output_tokens"}}
    c = client(lambda request: json_response(200, incomplete))
    assert c.responses.create(model="gpt-4o", input="x").status == "incomplete"
    (op,) = telemetry.spans("operation")
    assert op.attributes["error.type"] == "output_truncated"
    assert [e["error.type"] for e in logs.named("openai.operation.failed")] == [
        "output_truncated"]
    assert telemetry.points("openai.jobs.ended") == []
