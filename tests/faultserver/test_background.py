"""Background Responses jobs: polled from queued to their configured terminal status."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Optional

import openai
import pytest

from openai_error_telemetry import classify_exception, classify_job, classify_stream_event

pytestmark = pytest.mark.integration

TERMINAL = {"completed", "failed", "cancelled", "incomplete"}
FAST = "queued=0.1;run=0.2"


def _poll(client: openai.OpenAI, response_id: str) -> tuple[list[str], Any]:
    """Statuses seen while polling (deduplicated in order), and the final response."""
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while True:
        response = client.responses.retrieve(response_id)
        if not seen or seen[-1] != response.status:
            seen.append(str(response.status))
        if response.status in TERMINAL or time.monotonic() > deadline:
            return seen, response
        time.sleep(0.03)


def _create(client: openai.OpenAI, fault: Optional[str]) -> Any:
    headers = {"x-fault": fault} if fault else {}
    return client.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                   extra_headers=headers)


@pytest.mark.parametrize(("fault", "status", "classified"), [
    (f"background_failed=rate_limit_exceeded;{FAST}", "failed", "rate_limited"),
    (f"background_failed;code=server_error;{FAST}", "failed", "server_error"),
    (f"background_failed=context_length_exceeded;{FAST}", "failed", "context_length_exceeded"),
    (f"background_cancelled;{FAST}", "cancelled", "cancelled"),
    (f"background_incomplete;{FAST}", "incomplete", "output_truncated"),
    (f"background_incomplete=content_filter;{FAST}", "incomplete", "content_filtered"),
])
def test_background_job_ends_with_the_configured_outcome(
        client: openai.OpenAI, fault: str, status: str, classified: str) -> None:
    created = _create(client, fault)
    assert created.background is True
    assert created.status == "queued"
    seen, final = _poll(client, created.id)
    order = ["queued", "in_progress", status]
    assert seen[-1] == status
    assert seen == sorted(seen, key=order.index)  # never goes back, never skips to another end
    assert final.id == created.id
    result = classify_job(final)
    assert result is not None
    assert result.code == classified
    if status == "failed":
        assert final.error is not None
        expected_code = "rate_limit_exceeded" if classified == "rate_limited" else classified
        assert final.error.code == expected_code
        assert final.error.message
    if status == "incomplete":
        assert final.incomplete_details is not None
        assert final.incomplete_details.reason in ("max_output_tokens", "content_filter")


def test_polling_sees_every_stage(client: openai.OpenAI) -> None:
    created = _create(client, "background_failed=server_error;queued=0.5;run=0.5")
    seen, final = _poll(client, created.id)
    assert [created.status, *seen] == ["queued", "queued", "in_progress", "failed"]
    assert final.error.code == "server_error"


def test_background_job_without_fault_completes(client: openai.OpenAI) -> None:
    created = _create(client, None)
    seen, final = _poll(client, created.id)
    assert seen[-1] == "completed"
    assert final.output_text
    assert classify_job(final) is None


def test_cancel_a_running_job(client: openai.OpenAI) -> None:
    created = _create(client, "background_failed;queued=0;run=30")
    cancelled = client.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    assert client.responses.retrieve(created.id).status == "cancelled"
    result = classify_job(cancelled)
    assert result is not None
    assert result.code == "cancelled"


def test_cancel_a_finished_job_is_refused(client: openai.OpenAI) -> None:
    created = client.responses.create(model="gpt-4o-mini", input="hi", background=True,
                                      extra_headers={"x-fault": "background_incomplete;"
                                                                "queued=0;run=0"})
    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(created.id)


def test_unknown_response_id_is_a_404_in_the_api_shape(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve("resp_does_not_exist")
    assert caught.value.status_code == 404
    assert caught.value.type == "invalid_request_error"
    assert caught.value.code is None
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "Response with id 'resp_does_not_exist' not found."


def test_unknown_response_id_is_classified_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve("resp_does_not_exist")
    assert classify_exception(caught.value).code == "not_found"


async def test_async_polling_sees_the_failure(aclient: openai.AsyncOpenAI) -> None:
    created = await aclient.responses.create(
        model="gpt-4o-mini", input="hi", background=True,
        extra_headers={"x-fault": f"background_failed=insufficient_quota;{FAST}"})
    for _ in range(300):
        response = await aclient.responses.retrieve(created.id)
        if response.status in TERMINAL:
            break
        await asyncio.sleep(0.03)
    assert response.status == "failed"
    result = classify_job(response)
    assert result is not None
    assert result.code == "quota_exhausted"


def test_plain_create_with_a_background_fault_returns_the_terminal_object(
        client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o-mini", input="hi",
        extra_headers={"x-fault": "background_incomplete=max_output_tokens"})
    assert response.status == "incomplete"
    result = classify_job(response)
    assert result is not None
    assert result.code == "output_truncated"


@pytest.mark.parametrize(("fault", "last", "classified"), [
    ("background_failed=server_error", "response.failed", "server_error"),
    ("background_incomplete=content_filter", "response.incomplete", "content_filtered"),
])
def test_streamed_response_ends_with_the_terminal_event(
        client: openai.OpenAI, fault: str, last: str, classified: str) -> None:
    events = list(client.responses.create(model="gpt-4o-mini", input="hi", stream=True,
                                          extra_headers={"x-fault": fault}))
    assert events[0].type == "response.created"
    assert events[-1].type == last
    result = classify_stream_event(events[-1])
    assert result is not None
    assert result.code == classified


def test_a_job_ended_fault_names_a_status_of_its_surface(fault_server):
    """``job_ended=STATUS`` ends a job with any terminal status of its surface, and a
    status the surface does not have is the caller's error, said plainly."""
    import httpx

    with httpx.Client(base_url=fault_server.base_url) as client:
        made = client.post("agents/sessions", json={},
                           headers={"x-fault": "job_ended=budget_reached;queued=0;run=0"})
        assert made.status_code == 200
        assert client.get(f"agents/sessions/{made.json()['id']}").json()["status"] == \
            "budget_reached"
        wrong = client.post("batches", json={}, headers={"x-fault": "job_ended=skipped"})
    assert wrong.status_code == 400
    assert "'job_ended' does not apply to POST /v1/batches" in wrong.text


def test_surfaces_without_a_cancel_have_no_cancel_route(fault_server):
    """Agent sessions, invocations, environments and files cannot be cancelled in the
    API: the server has no cancel for them either, and no cancel fault."""
    import httpx

    with httpx.Client(base_url=fault_server.base_url) as client:
        made = client.post("agents/sessions", json={})
        assert made.status_code == 200
        assert client.post(f"agents/sessions/{made.json()['id']}/cancel").status_code == 404
        refused = client.post("agents/sessions", json={},
                              headers={"x-fault": "job_cancelled"})
    assert refused.status_code == 400
