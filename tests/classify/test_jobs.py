"""Every asynchronous job surface: its objects classified, its webhooks, raise_for_job.

Shapes are the SDK's own types (openai 1.x-3.x): ``types/batch.py`` (``errors.data[]``,
``request_counts``), ``types/fine_tuning/fine_tuning_job.py`` (``error``),
``types/vector_stores/vector_store_file.py`` (``last_error`` codes ``server_error``,
``unsupported_file``, ``invalid_file``), ``vector_store_file_batch.py`` (``file_counts``),
``types/beta/threads/run.py`` (``last_error`` codes ``server_error``,
``rate_limit_exceeded``, ``invalid_prompt``; ``incomplete_details.reason``
``max_completion_tokens``/``max_prompt_tokens``), ``types/video.py`` (``error``),
``types/evals/run_retrieve_response.py`` (``error: EvalAPIError``, status a str the API
spells ``canceled``), ``types/webhooks/*`` (every payload: ``{id, type, created_at,
data: {id}}``). The Batch-completed-but-all-failed case is tensorzero/tensorzero#1198 and
ProjectTech4DevAI/kaapi-backend#723.
"""

from __future__ import annotations

import importlib
import re
import typing
from typing import Any, Optional

import openai
import pytest

from openai_error_telemetry import (
    ErrorCode,
    classify,
    classify_exception,
    classify_job,
    classify_stream_event,
    classify_webhook_event,
    raise_for_job,
)
from openai_error_telemetry.classify.jobfacts import job_facts, webhook_facts
from openai_error_telemetry.classify.jobs import FAILURES, SURFACES, Outcome, surface_named
from openai_error_telemetry.errors import (
    ClassifiedError,
    QuotaExhaustedError,
    RateLimitedError,
    TimedOutError,
)

C = ErrorCode



def model_classes(surface: str) -> list[type]:
    """The row's SDK models this openai has (the table names them, ``module:Class``)."""
    row = surface_named(surface)
    assert row is not None
    found = []
    for path in row.models:
        module, _, name = path.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return found


def model_class(surface: str) -> Optional[type]:
    classes = model_classes(surface)
    return classes[0] if classes else None


def job(surface: str, status: str, **extra: Any) -> dict[str, Any]:
    row = surface_named(surface)
    assert row is not None
    return {"id": f"{surface}_1", "object": row.objects[0], "status": status, **extra}


# (surface, status, extra fields, expected code or None for "not a failure")
CASES: list[tuple[str, str, dict[str, Any], Optional[ErrorCode]]] = [
    ("response", "failed", {"error": {"code": "rate_limit_exceeded", "message": "slow"}},
     C.RATE_LIMITED),
    ("response", "failed", {"error": {"code": "insufficient_quota", "message": "pay"}},
     C.QUOTA_EXHAUSTED),
    ("response", "incomplete", {"incomplete_details": {"reason": "max_output_tokens"}},
     C.OUTPUT_TRUNCATED),
    ("response", "cancelled", {}, C.CANCELLED),
    ("response", "completed", {}, None),
    ("response", "in_progress", {}, None),
    ("batch", "failed", {"errors": {"object": "list", "data": [
        {"code": "invalid_json_line", "message": "bad line", "line": 3}]}}, C.INVALID_REQUEST),
    ("batch", "failed", {"errors": {"object": "list", "data": [
        {"code": "token_limit_exceeded", "line": None,
         "message": "Enqueued token limit reached for gpt-4o in organization org-x."}]}},
     C.RATE_LIMITED),
    ("batch", "expired", {}, C.TIMEOUT),
    ("batch", "cancelled", {}, C.CANCELLED),
    ("batch", "completed", {"request_counts": {"total": 9, "completed": 0, "failed": 9},
                            "error_file_id": "file-err", "output_file_id": None}, C.UNKNOWN),
    ("batch", "completed", {"request_counts": {"total": 9, "completed": 8, "failed": 1},
                            "error_file_id": "file-err"}, None),
    ("batch", "in_progress", {}, None),
    ("fine_tuning.job", "failed", {"error": {"code": "invalid_training_file",
                                             "message": "bad file", "param": "training_file"}},
     C.INVALID_REQUEST),
    ("fine_tuning.job", "cancelled", {}, C.CANCELLED),
    ("fine_tuning.job", "succeeded", {}, None),
    ("fine_tuning.job", "running", {}, None),
    ("vector_store.file", "failed", {"last_error": {"code": "unsupported_file",
                                                    "message": "no"}}, C.INVALID_REQUEST),
    ("vector_store.file", "failed", {"last_error": {"code": "server_error",
                                                    "message": "oops"}}, C.SERVER_ERROR),
    ("vector_store.file", "completed", {"last_error": None}, None),
    ("vector_store.files_batch", "failed",
     {"file_counts": {"failed": 2, "completed": 0, "total": 2}}, C.UNKNOWN),
    ("vector_store.files_batch", "cancelled", {}, C.CANCELLED),
    ("thread.run", "failed", {"last_error": {"code": "rate_limit_exceeded",
                                             "message": "slow"}}, C.RATE_LIMITED),
    ("thread.run", "failed", {"last_error": {"code": "invalid_prompt", "message": "no"}},
     C.INVALID_REQUEST),
    ("thread.run", "expired", {}, C.TIMEOUT),
    ("thread.run", "incomplete", {"incomplete_details": {"reason": "max_completion_tokens"}},
     C.OUTPUT_TRUNCATED),
    ("thread.run", "incomplete", {"incomplete_details": {"reason": "max_prompt_tokens"}},
     C.CONTEXT_LENGTH_EXCEEDED),
    ("thread.run", "requires_action", {}, None),
    ("video", "failed", {"error": {"code": "moderation_blocked", "message": "no"}},
     C.CONTENT_FILTERED),
    ("video", "completed", {}, None),
    ("eval.run", "failed", {"error": {"code": "server_error", "message": "oops"}},
     C.SERVER_ERROR),
    ("eval.run", "canceled", {"error": {"code": "", "message": ""}}, C.CANCELLED),
    ("eval.run", "completed", {"error": {"code": "", "message": ""}}, None),
    ("agent.session.turn", "failed", {"error": {"code": "rate_limit_exceeded",
                                                "message": "slow"}}, C.RATE_LIMITED),
    ("agent.session.turn", "failed", {"error": {"code": "session_budget_exceeded",
                                                "message": "budget"}}, C.QUOTA_EXHAUSTED),
    ("agent.session.turn", "cancelled", {"error": None}, C.CANCELLED),
    ("agent.session.turn", "waiting", {}, None),
    ("agent.session.turn", "completed", {}, None),
    ("agent.session", "failed", {"error": "The model service is temporarily overloaded."},
     C.OVERLOADED),
    ("agent.session", "budget_reached", {"error": None}, C.QUOTA_EXHAUSTED),
    ("agent.session", "idle", {}, None),
    ("agent.session", "requires_action", {}, None),
    ("agent.automation.invocation", "failed", {"error": {"code": "server_error",
                                                         "message": "x"}}, C.SERVER_ERROR),
    ("agent.automation.invocation", "skipped", {"skip_reason": "pending_delivery"},
     C.CANCELLED),
    ("agent.automation.invocation", "completed", {}, None),
    ("agent.environment", "failed", {"error": {"code": "connection_failed", "message": "x",
                                               "type": "environment_error"}},
     C.CONNECTION_ERROR),
    ("agent.environment", "expired", {}, C.TIMEOUT),
    ("agent.environment", "suspended", {}, None),
    ("agent.environment", "ready", {}, None),
    ("realtime.response", "failed", {"status_details": {"type": "failed", "error": {
        "type": "server_error", "code": "server_error", "message": "x"}}}, C.SERVER_ERROR),
    ("realtime.response", "incomplete", {"status_details": {
        "type": "incomplete", "reason": "max_output_tokens"}}, C.OUTPUT_TRUNCATED),
    ("realtime.response", "incomplete", {"status_details": {
        "type": "incomplete", "reason": "content_filter"}}, C.CONTENT_FILTERED),
    ("realtime.response", "cancelled", {"status_details": {
        "type": "cancelled", "reason": "turn_detected"}}, C.CANCELLED),
    ("realtime.response", "completed", {}, None),
    ("upload", "expired", {}, C.TIMEOUT),
    ("upload", "cancelled", {}, C.CANCELLED),
    ("upload", "completed", {}, None),
    ("upload", "pending", {}, None),
    ("file", "error", {"status_details": "Invalid file format: line 3 is not JSON"},
     C.INVALID_REQUEST),
    ("file", "processed", {}, None),
    ("file", "uploaded", {}, None),
]


def as_model(surface: str, data: dict[str, Any]) -> Any:
    cls = model_class(surface)
    if cls is None:
        pytest.skip(f"openai {openai.__version__} has no {surface}")
    return cls.model_construct(**data)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("surface", "status", "extra", "code"), CASES)
@pytest.mark.parametrize("shape", ["dict", "model"])
def test_every_surface_is_classified_from_its_own_field(surface, status, extra, code, shape):
    data = job(surface, status, **extra)
    obj = data if shape == "dict" else as_model(surface, data)
    found = classify_job(obj)
    if code is None:
        assert found is None
        assert classify(obj).code is C.UNKNOWN  # classify() never says None
    else:
        assert found is not None
        assert found.code is code
        assert found.source == "background"
        assert classify(obj).code is code


def test_the_batch_whose_every_request_failed_keeps_what_it_was_told():
    found = classify_job(job("batch", "completed", request_counts={"total": 3, "failed": 3}))
    assert found is not None
    assert found.provider_code == "all_requests_failed"
    facts = job_facts(job("batch", "completed", request_counts={"total": 3, "failed": 3}))
    assert facts is not None
    assert facts.outcome is Outcome.FAILED
    assert facts.status == "completed"


def literals(annotation: Any) -> set[str]:
    """Every string of a ``Literal`` inside an annotation (Optional, aliases, Unions)."""
    found: set[str] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        args = typing.get_args(item)
        if typing.get_origin(item) is typing.Literal:
            found.update(a for a in args if isinstance(a, str))
        else:
            stack.extend(args)
    return found


@pytest.mark.parametrize("row", SURFACES, ids=[row.name for row in SURFACES])
def test_the_table_knows_every_status_the_sdk_has(row):
    """Each row's statuses are exactly its SDK models' ``status`` literal (where they have one)."""
    classes = model_classes(row.name)
    if not classes:
        pytest.skip(f"openai {openai.__version__} has no {row.name}")
    for cls in classes:
        check_statuses(row, cls)


def check_statuses(row: Any, cls: type) -> None:
    annotation = cls.model_fields["status"].annotation  # type: ignore[attr-defined]
    statuses = literals(annotation)
    if not statuses:  # evals runs: a plain str in the SDK; the API's values are the table's
        assert annotation is str, annotation
        return
    known = set(row.pending) | set(row.succeeded) | set(row.ended)
    assert statuses <= known, statuses - known
    missing = {s for s in known - statuses if s not in ("paused", "canceled")}
    assert not missing, f"table has statuses the SDK does not: {missing}"
    assert row.objects[0] in literals(cls.model_fields["object"].annotation)  # type: ignore[attr-defined]


def test_failures_and_outcomes_are_one_set():
    assert {Outcome.FAILED, Outcome.EXPIRED, Outcome.INCOMPLETE} == FAILURES
    for row in SURFACES:
        assert not (row.pending & row.succeeded), row.name
        assert not (set(row.ended) & (row.pending | row.succeeded)), row.name
        for status in row.webhooks.values():
            assert status in row.succeeded | set(row.ended), (row.name, status)


# -- webhooks ------------------------------------------------------------------------

def event(kind: str, job_id: str = "job_1") -> dict[str, Any]:
    return {"id": "evt_1", "object": "event", "type": kind, "created_at": 1,
            "data": {"id": job_id}}


WEBHOOKS = [
    ("response.failed", C.UNKNOWN), ("response.incomplete", C.UNKNOWN),
    ("response.cancelled", C.CANCELLED), ("response.completed", None),
    ("batch.failed", C.UNKNOWN), ("batch.expired", C.TIMEOUT),
    ("batch.cancelled", C.CANCELLED), ("batch.completed", None),
    ("fine_tuning.job.failed", C.UNKNOWN), ("fine_tuning.job.cancelled", C.CANCELLED),
    ("fine_tuning.job.succeeded", None),
    ("eval.run.failed", C.UNKNOWN), ("eval.run.canceled", C.CANCELLED),
    ("eval.run.succeeded", None),
    ("realtime.call.incoming", None), ("safety_identifier.blocked", None),
    ("agent.session.failed", C.UNKNOWN), ("agent.session.idle", None),
    ("agent.environment.failed", C.UNKNOWN), ("agent.environment.expired", C.TIMEOUT),
    ("agent.environment.ready", None), ("agent.environment.suspended", None),
    ("health.alert.triggered", None),
]


@pytest.mark.parametrize(("kind", "code"), WEBHOOKS)
def test_webhook_events_say_what_their_payload_can(kind, code):
    found = classify_webhook_event(event(kind))
    if code is None:
        assert found is None
        return
    assert found is not None
    assert found.code is code
    assert found.source == "webhook"
    assert classify(event(kind)).code is code
    facts = webhook_facts(event(kind))
    assert facts is not None
    assert facts.job_id == "job_1"
    assert facts.event_type == kind


def test_webhook_models_from_unwrap_are_read_like_dicts():
    module = importlib.import_module("openai.types.webhooks")
    model = module.BatchFailedWebhookEvent.model_construct(**event("batch.failed"))
    assert classify_webhook_event(model).code is C.UNKNOWN  # type: ignore[union-attr]
    facts = webhook_facts(model)
    assert facts is not None
    assert facts.surface.name == "batch"


AGENT_EVENTS = [
    ({"type": "agent.session.turn.failed", "event_id": "e1", "session_id": "s1", "turn_id": "t1",
      "turn": {"id": "t1", "object": "agent.session.turn", "status": "failed",
               "error": {"code": "credit_balance_exhausted", "message": "no credit"}}},
     C.QUOTA_EXHAUSTED),
    ({"type": "agent.session.turn.failed", "turn": {
        "id": "t1", "object": "agent.session.turn", "status": "failed",
        "error": {"code": "server_overloaded", "message": "busy"}}}, C.OVERLOADED),
    ({"type": "agent.session.budget_reached", "event_id": "e2", "session": {
        "id": "s1", "object": "agent.session", "status": "budget_reached", "error": None}},
     C.QUOTA_EXHAUSTED),
    ({"type": "agent.session.environment.failed", "session_id": "s1", "environment": {
        "id": "env_1", "status": "failed", "type": "openai_hosted",
        "error": {"code": "connection_failed", "message": "x", "type": "environment_error"}}},
     C.CONNECTION_ERROR),
    ({"type": "error", "event_id": "e3", "session_id": "s1", "error": {
        "type": "invalid_request_error", "code": "active_turn_not_steerable",
        "message": "busy"}}, C.CONFLICT),
    ({"type": "response.done", "event_id": "e4", "response": {
        "id": "r1", "object": "realtime.response", "status": "failed", "status_details": {
            "type": "failed", "error": {"type": "server_error", "code": "server_error"}}}},
     C.SERVER_ERROR),
    ({"type": "agent.session.turn.completed", "turn": {
        "id": "t1", "object": "agent.session.turn", "status": "completed"}}, None),
    ({"type": "agent.session.turn.created", "turn": {
        "id": "t1", "object": "agent.session.turn", "status": "queued"}}, None),
    ({"type": "response.done", "response": {
        "id": "r1", "object": "realtime.response", "status": "completed"}}, None),
]


@pytest.mark.parametrize(("event", "code"), AGENT_EVENTS)
def test_agents_and_realtime_events_carry_their_job(event, code):
    found = classify_stream_event(event)
    if code is None:
        assert found is None
        return
    assert found is not None
    assert found.code is code
    assert classify(event).code is code
    assert classify(event).source == "stream_event"


def test_a_stream_event_and_a_webhook_of_the_same_type_are_told_apart():
    stream = {"type": "response.failed", "sequence_number": 3, "response": {
        "id": "resp_1", "object": "response", "status": "failed",
        "error": {"code": "server_error", "message": "x"}}}
    assert classify(stream).code is C.SERVER_ERROR
    assert classify(stream).source == "stream_event"
    assert classify(event("response.failed")).source == "webhook"


def test_fetch_and_classify_reads_the_job_the_event_names():
    from openai_error_telemetry.webhooks import fetch_and_classify, fetch_job
    from tests.sdk import answer, client

    failed = job("batch", "failed", errors={"object": "list", "data": [
        {"code": "token_limit_exceeded", "message": "Enqueued token limit reached"}]})
    failed.update({"endpoint": "/v1/chat/completions", "input_file_id": "f",
                   "completion_window": "24h", "created_at": 1})
    sdk = client(answer(200, failed))
    assert fetch_and_classify(sdk, event("batch.completed")) is None
    found = fetch_and_classify(sdk, event("batch.failed", "batch_1"))
    assert found is not None
    assert found.code is C.RATE_LIMITED
    # an evals run's parent (the eval) is not in the payload: the event alone answers
    assert fetch_job(sdk, event("eval.run.failed")) is None
    assert fetch_and_classify(sdk, event("eval.run.failed")).code is C.UNKNOWN


# -- raising -------------------------------------------------------------------------

def test_raise_for_job_raises_the_sdk_classes():
    quota = job("batch", "failed", errors={"data": [{"code": "insufficient_quota"}]})
    with pytest.raises(openai.RateLimitError) as caught:
        raise_for_job(quota)
    assert isinstance(caught.value, QuotaExhaustedError)
    assert isinstance(caught.value, ClassifiedError)
    assert caught.value.failure is quota
    assert "batch batch_1" in str(caught.value)
    with pytest.raises(RateLimitedError):
        raise_for_job(job("thread.run", "failed", last_error={"code": "rate_limit_exceeded"}))
    with pytest.raises(TimedOutError):
        raise_for_job(job("thread.run", "expired"))
    with pytest.raises(openai.APIError):
        raise_for_job(job("batch", "completed", request_counts={"total": 2, "failed": 2}))


def test_raise_for_job_lets_through_what_is_not_a_failure_unless_asked():
    for obj in (job("batch", "completed"), job("video", "in_progress"),
                job("response", "incomplete", incomplete_details={"reason": "max_output_tokens"}),
                job("response", "cancelled"), job("eval.run", "canceled"),
                {"object": "chat.completion"}, None, 3, "failed", object()):
        assert raise_for_job(obj) is obj
    with pytest.raises(openai.LengthFinishReasonError):
        raise_for_job(job("response", "incomplete",
                          incomplete_details={"reason": "max_output_tokens"}), incomplete=True)
    with pytest.raises(openai.APIError):
        raise_for_job(job("eval.run", "canceled"), cancelled=True)


# -- openai-python PR #3723's exceptions, recognised by name before they ship ---------

def pr3723(name: str, **attributes: Any) -> BaseException:
    cls = type(name, (openai.OpenAIError,), {"__module__": "openai.lib._response_status"})
    error = cls("response resp_1 failed")
    for key, value in attributes.items():
        setattr(error, key, value)
    return error


def test_pr3723_errors_are_classified_by_their_response():
    failed = job("response", "failed", error={"code": "rate_limit_exceeded", "message": "x"})
    assert classify_exception(pr3723("ResponseFailedError", response=failed, code="x")).code \
        is C.RATE_LIMITED
    incomplete = job("response", "incomplete",
                     incomplete_details={"reason": "content_filter"})
    assert classify_exception(pr3723("ResponseIncompleteError", response=incomplete,
                                     reason="content_filter")).code is C.CONTENT_FILTERED
    # without a readable response, their own .code / .reason
    assert classify_exception(pr3723("ResponseFailedError", code="server_error")).code \
        is C.SERVER_ERROR
    assert classify_exception(pr3723("ResponseIncompleteError",
                                     reason="max_output_tokens")).code is C.OUTPUT_TRUNCATED
    assert classify_exception(pr3723("ResponseNotCompletedError")).code is C.UNKNOWN


# -- hostile input -------------------------------------------------------------------

class Raises:
    def __repr__(self) -> str:  # a stable test id (pytest-xdist compares them)
        return "Raises()"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # pytest's parametrize ids ask for __name__
            raise AttributeError(name)
        raise RuntimeError(name)


@pytest.mark.parametrize("obj", [
    None, 1, "failed", b"x", [], {}, Raises(), {"object": "batch"},
    {"object": "batch", "status": 7}, {"object": "batch", "status": "failed", "errors": Raises()},
    {"object": "batch", "status": "completed", "request_counts": {"total": True, "failed": True}},
    {"object": "thread.run", "status": "failed", "last_error": "text"},
    {"object": "event", "type": "batch.failed", "data": Raises()},
    {"object": "event", "type": 5, "data": {}},
], ids=repr)
def test_malformed_jobs_and_events_never_raise(obj):
    assert classify(obj).code in set(C)
    classify_job(obj)
    classify_webhook_event(obj)
    job_facts(obj)
    webhook_facts(obj)
    raise_for_job(obj) if job_facts(obj) is None else None


@pytest.mark.parametrize("row", SURFACES, ids=[row.name for row in SURFACES])
def test_every_row_names_where_the_sdk_keeps_it(row):
    """``resource`` is a path of attributes from the client: fetch_and_classify walks it."""
    assert re.fullmatch(r"client(\.\w+)+(\(\))?", row.resource), row.resource
