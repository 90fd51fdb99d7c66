"""Failures that raise nothing: background Responses, stream events, batch lines.

Shapes from the SDK's own types (``types/responses/response.py``, ``response_error.py``,
``response_error_event.py``, ``types/batch.py``) and openai-openapi#302 for batch lines.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from openai_error_telemetry import (
    ErrorCode,
    classify,
    classify_batch_line,
    classify_job,
    classify_stream_event,
    raise_for_response,
    raise_for_stream_event,
)
from openai_error_telemetry.errors import (
    ClassifiedError,
    ContentFilteredError,
    OutputTruncatedError,
    QuotaExhaustedError,
    RateLimitedError,
)
from tests.sdk import answer, client

C = ErrorCode


def response(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "resp_abc", "object": "response", "created_at": 1, "status": status,
            "model": "gpt-4o-mini", "output": [], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], "background": True, **extra}


BACKGROUND = [
    ("failed", {"error": {"code": "rate_limit_exceeded", "message": "slow"}}, C.RATE_LIMITED),
    ("failed", {"error": {"code": "insufficient_quota", "message": "pay"}}, C.QUOTA_EXHAUSTED),
    ("failed", {"error": {"code": "server_error", "message": "oops"}}, C.SERVER_ERROR),
    ("failed", {"error": {"code": "vector_store_timeout", "message": "slow"}}, C.TIMEOUT),
    ("failed", {"error": {"code": "context_length_exceeded", "message": "big"}},
     C.CONTEXT_LENGTH_EXCEEDED),
    ("failed", {"error": {"code": "invalid_image_format", "message": "x"}}, C.INVALID_REQUEST),
    ("failed", {"error": {"code": "image_file_not_found", "message": "x"}}, C.NOT_FOUND),
    ("failed", {"error": {"code": "bio_policy", "message": "x"}}, C.CONTENT_FILTERED),
    ("failed", {"error": {"code": "data_residency_mismatch", "message": "x"}}, C.PERMISSION_DENIED),
    ("failed", {"error": {"code": "brand_new_code", "message": "x"}}, C.UNKNOWN),
    ("failed", {"error": None}, C.UNKNOWN),
    ("incomplete", {"incomplete_details": {"reason": "max_output_tokens"}}, C.OUTPUT_TRUNCATED),
    ("incomplete", {"incomplete_details": {"reason": "max_messages"}}, C.OUTPUT_TRUNCATED),
    ("incomplete", {"incomplete_details": {"reason": "content_filter"}}, C.CONTENT_FILTERED),
    ("cancelled", {}, C.CANCELLED),
]


@pytest.mark.parametrize(("status", "extra", "code"), BACKGROUND)
def test_terminal_background_responses_as_dicts(status: str, extra: dict[str, Any], code: ErrorCode) -> None:
    result = classify_job(response(status, **extra))
    assert result is not None
    assert result.code is code
    assert result.http_status is None
    assert result.source == "background"


@pytest.mark.parametrize("status", ["completed", "queued", "in_progress", None, 7])
def test_non_terminal_or_successful_responses_are_not_failures(status: Any) -> None:
    assert classify_job(response(status)) is None
    assert raise_for_response(response(status))["status"] == status


def test_retrieve_of_a_failed_background_job_raises_nothing_and_we_see_it() -> None:
    failed = response("failed", error={"code": "rate_limit_exceeded", "message": "Rate limit"})
    sdk = client(answer(200, failed, {"x-request-id": "req_poll"}))
    polled = sdk.responses.retrieve("resp_abc")  # HTTP 200: the SDK raises nothing
    result = classify_job(polled)
    assert result is not None
    assert (result.code, result.provider_code, result.request_id) == (
        C.RATE_LIMITED, "rate_limit_exceeded", "req_poll")
    with pytest.raises(openai.RateLimitError) as caught:
        raise_for_response(polled)
    assert isinstance(caught.value, RateLimitedError)
    assert caught.value.classification == result
    assert caught.value.failure is polled
    assert caught.value.status_code == 429
    assert caught.value.code == "rate_limit_exceeded"


def test_quota_exhausted_can_be_caught_alone_or_as_a_rate_limit() -> None:
    failed = response("failed", error={"code": "insufficient_quota", "message": "pay up"})
    with pytest.raises(QuotaExhaustedError) as caught:
        raise_for_response(failed)
    assert isinstance(caught.value, openai.RateLimitError)
    assert caught.value.retryable is False
    with pytest.raises(openai.RateLimitError):
        raise_for_response(response("failed", error={"code": "rate_limit_exceeded"}))
    try:
        raise_for_response(response("failed", error={"code": "rate_limit_exceeded"}))
    except QuotaExhaustedError:  # pragma: no cover - must not be caught here
        pytest.fail("a plain rate limit was caught as quota")
    except openai.RateLimitError:
        pass


@pytest.mark.parametrize(
    ("failed", "sdk_class"),
    [
        (response("failed", error={"code": "server_error"}), openai.InternalServerError),
        (response("failed", error={"code": "context_length_exceeded"}), openai.BadRequestError),
        (response("failed", error={"code": "image_file_not_found"}), openai.NotFoundError),
        (response("failed", error={"code": "data_residency_mismatch"}), openai.PermissionDeniedError),
        (response("failed", error={"code": "vector_store_timeout"}), openai.APITimeoutError),
        (response("incomplete", incomplete_details={"reason": "max_output_tokens"}),
         openai.LengthFinishReasonError),
        (response("incomplete", incomplete_details={"reason": "content_filter"}),
         openai.ContentFilterFinishReasonError),
        (response("incomplete", incomplete_details={"reason": "content_filter"}),
         openai.BadRequestError),
        (response("cancelled"), openai.APIError),
        (response("failed", error={"code": "who_knows"}), openai.APIError),
    ],
)
def test_the_sdk_classes_catch_what_raise_for_response_raises(failed: Any, sdk_class: type) -> None:
    with pytest.raises(sdk_class) as caught:
        raise_for_response(failed)
    assert isinstance(caught.value, ClassifiedError)
    assert isinstance(caught.value, openai.OpenAIError)


def test_incomplete_raises_code_specific_classes() -> None:
    with pytest.raises(OutputTruncatedError):
        raise_for_response(response("incomplete", incomplete_details={"reason": "max_output_tokens"}))
    with pytest.raises(ContentFilteredError):
        raise_for_response(response("incomplete", incomplete_details={"reason": "content_filter"}))


STREAM_EVENTS = [
    # chat chunk carrying an error (what the SDK turns into a bare APIError); a
    # server_error whose message says overloaded is overloaded
    ({"error": {"message": "overloaded", "type": "server_error", "code": "server_error"}},
     C.OVERLOADED),
    ({"error": {"message": "boom", "type": "server_error", "code": "server_error"}},
     C.SERVER_ERROR),
    # Responses flat error event (ResponseErrorEvent)
    ({"type": "error", "code": "rate_limit_exceeded", "message": "x", "param": None,
      "sequence_number": 3}, C.RATE_LIMITED),
    # nested error event, as some gateways send
    ({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
     C.OVERLOADED),
    ({"type": "response.failed", "sequence_number": 9,
      "response": response("failed", error={"code": "insufficient_quota", "message": "x"})},
     C.QUOTA_EXHAUSTED),
    ({"type": "response.incomplete", "sequence_number": 9,
      "response": response("incomplete", incomplete_details={"reason": "max_output_tokens"})},
     C.OUTPUT_TRUNCATED),
    # OpenRouter mid-stream: numeric code inside the event, HTTP was 200
    ({"error": {"code": 502, "message": "Provider returned error"}}, C.SERVER_ERROR),
]


@pytest.mark.parametrize(("event", "code"), STREAM_EVENTS)
def test_stream_events(event: dict[str, Any], code: ErrorCode) -> None:
    result = classify_stream_event(event)
    assert result is not None
    assert result.code is code
    assert result.source == "stream_event"
    assert classify(event).code is code
    with pytest.raises(ClassifiedError):
        raise_for_stream_event(event)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.output_text.delta", "delta": "hi", "sequence_number": 1},
        {"type": "response.completed", "response": response("completed")},
        {"id": "c", "object": "chat.completion.chunk", "choices": []},
        {"error": None},
    ],
)
def test_ordinary_stream_events_are_not_failures(event: dict[str, Any]) -> None:
    assert classify_stream_event(event) is None
    assert raise_for_stream_event(event) is event


def test_sdk_event_models_classify_like_dicts() -> None:
    from openai.types.responses import ResponseErrorEvent

    event = ResponseErrorEvent.construct(type="error", code="server_error", message="x",
                                         param=None, sequence_number=1)
    result = classify_stream_event(event)
    assert result is not None
    assert result.code is C.SERVER_ERROR


BATCH_LINES = [
    ({"id": "b1", "custom_id": "r1", "response": {"status_code": 400, "request_id": "req_b1",
      "body": {"error": {"message": "too long", "type": "invalid_request_error",
                         "param": "messages", "code": "context_length_exceeded"}}}, "error": None},
     C.CONTEXT_LENGTH_EXCEEDED, 400),
    ({"id": "b2", "custom_id": "r2", "response": {"status_code": 429, "request_id": "req_b2",
      "body": {"error": {"message": "x", "type": "insufficient_quota", "code": "insufficient_quota"}}},
      "error": None}, C.QUOTA_EXHAUSTED, 429),
    ({"id": "b3", "custom_id": "r3", "response": {"status_code": 500, "body": "oops"}, "error": None},
     C.SERVER_ERROR, 500),
    ({"id": "b4", "custom_id": "r4", "response": None,
      "error": {"code": "batch_expired", "message": "window passed"}}, C.TIMEOUT, None),
    ({"id": "b5", "custom_id": "r5", "response": None,
      "error": {"code": "batch_cancelled", "message": "cancelled"}}, C.CANCELLED, None),
]


@pytest.mark.parametrize(("line", "code", "status"), BATCH_LINES)
def test_batch_lines(line: dict[str, Any], code: ErrorCode, status: int | None) -> None:
    import json

    for form in (line, json.dumps(line), json.dumps(line).encode()):
        result = classify_batch_line(form)
        assert result is not None
        assert (result.code, result.http_status, result.source) == (code, status, "batch_line")


def test_successful_batch_line_is_not_a_failure() -> None:
    ok = {"id": "b", "custom_id": "r", "response": {"status_code": 200, "body": {"id": "x"}},
          "error": None}
    assert classify_batch_line(ok) is None


@pytest.mark.parametrize(
    ("batch", "code"),
    [
        ({"id": "batch_1", "object": "batch", "status": "failed",
          "errors": {"data": [{"code": "invalid_json_line", "line": 3, "message": "bad"}]}},
         C.INVALID_REQUEST),
        ({"id": "batch_2", "object": "batch", "status": "expired"}, C.TIMEOUT),
        ({"id": "batch_3", "object": "batch", "status": "cancelled"}, C.CANCELLED),
    ],
)
def test_batch_objects(batch: dict[str, Any], code: ErrorCode) -> None:
    result = classify_job(batch)
    assert result is not None
    assert result.code is code
    assert classify_job({"id": "b", "object": "batch", "status": "completed"}) is None
