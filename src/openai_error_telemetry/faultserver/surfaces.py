"""Every job surface of ``classify/jobs.py`` besides Responses, served from that table.

For each row the server answers create, retrieve, list and cancel at the row's API path
(``batches``, ``fine_tuning/jobs``, ``vector_stores/{parent}/files``, ...). A job moves
through the row's own statuses on a clock (queued, running, then its end) and ends as
its ``x-fault`` says: ``job_failed=CODE``, ``job_expired``, ``job_cancelled``,
``job_incomplete=REASON``, ``batch_all_failed=COUNT``, or in success. Its error goes
where the row says the API puts it (``error``, ``last_error``, ``errors.data[]``,
``incomplete_details``, ``request_counts``). What each surface's objects need beyond
that, for the SDK to parse them, is ``SHAPES`` here: a new surface is a row in the
table plus a shape here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..classify.envelope import ErrorFields
from ..classify.jobs import SURFACES, Outcome, Surface, outcome_of
from ..classify.rules import decide
from ..codes import CODE_INFO
from . import payloads
from .control import FaultSpecError
from .faults import FAULTS, arg_or_param, coded_error, number_arg
from .jobs import Store

Extras = Callable[["SurfaceJob", str], dict[str, Any]]


@dataclass(frozen=True)
class Shape:
    """How one surface's objects look on the wire, past status and error."""

    id_prefix: str
    queued: str  # the status before it runs
    running: str  # the status while it runs
    done: str  # the status of success
    cancelled: Optional[str]  # how this API spells a cancel; None: it has none
    extras: Extras
    post_cancels: bool = False  # POST on the job itself cancels it (evals runs, SDK < 3)
    create_path: Optional[str] = None  # where it is started, when not its collection
    reads: tuple[str, ...] = ()  # POST actions that answer its state (an Upload's complete)
    event_prefix: Optional[str] = None  # its stream events' type, ``<prefix>.<status>``
    event_key: str = ""  # the field of those events that holds it


@dataclass
class SurfaceJob:
    """One job of a surface: when it was made, how long each stage lasts, how it ends."""

    id: str
    surface: Surface
    shape: Shape
    parent: Optional[str]
    created_at: int
    started: float
    end_status: str
    error_code: Optional[str] = None  # the error's code; the reason of an incomplete
    failed_requests: int = 0  # a Batch completed with every request failed
    queued_s: float = 0.0
    run_s: float = 0.0
    cancelled_at: Optional[float] = None

    def status(self, now: float) -> str:
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return self.shape.cancelled or self.end_status  # only a cancel route sets it
        elapsed = now - self.started
        if elapsed < self.queued_s:
            return self.shape.queued
        if elapsed < self.queued_s + self.run_s:
            return self.shape.running
        return self.end_status

    @property
    def ends_at(self) -> float:
        return self.started + self.queued_s + self.run_s

    def cancel(self, now: float) -> bool:
        """Cancel unless already ended; True when this call changed the outcome."""
        if outcome_of(self.surface, self.status(now)) not in (Outcome.PENDING, None):
            return False
        self.cancelled_at = now
        return True


def _error(code: str) -> dict[str, Any]:
    error = coded_error(code)
    return {"code": error["code"], "message": error["message"]}


def _batch(job: SurfaceJob, status: str) -> dict[str, Any]:
    failed = job.failed_requests if status == "completed" else 0
    total = job.failed_requests or 3
    return {
        "endpoint": "/v1/chat/completions", "input_file_id": "file-input1",
        "completion_window": "24h", "output_file_id": None if failed else (
            "file-output1" if status == "completed" else None),
        "error_file_id": f"{ERROR_FILE_PREFIX}{job.id}" if failed else None,
        "request_counts": {"total": total if status == "completed" else 0,
                           "completed": 0 if failed else (
                               total if status == "completed" else 0),
                           "failed": failed},
        "errors": {"object": "list", "data": [{
            "code": job.error_code, "message": _error(job.error_code)["message"],
            "line": None, "param": None}]} if status == "failed" and job.error_code else None,
    }


ERROR_FILE_PREFIX = "file-errors-"


def error_file_lines(job: SurfaceJob) -> list[dict[str, Any]]:
    """The error file of a Batch whose every request failed: one line per request, each
    the error the API answered (``error_code``, at the status our contract gives it)."""
    code = job.error_code or "rate_limit_exceeded"
    status = CODE_INFO[decide(None, ErrorFields(code=code))[0]].implied_status or 500
    return [{"id": payloads.new_id("batch_req_"), "custom_id": f"request-{n + 1}",
             "response": {"status_code": status, "request_id": payloads.new_id("req_"),
                          "body": {"error": coded_error(code)}},
             "error": None} for n in range(job.failed_requests)]


def _fine_tuning(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini-2024-07-18", "training_file": "file-train1",
            "validation_file": None, "fine_tuned_model": None, "finished_at": None,
            "organization_id": "org-fault", "result_files": [], "seed": 42,
            "trained_tokens": None, "hyperparameters": {"n_epochs": "auto"},
            "error": _error(job.error_code) if status == "failed" and job.error_code else None}


def _vector_store_file(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"vector_store_id": job.parent, "usage_bytes": 0,
            "last_error": _error(job.error_code) if status == "failed" and job.error_code
            else None}


def _file_batch(job: SurfaceJob, status: str) -> dict[str, Any]:
    total = 2
    failed = total if status == "failed" else 0
    done = total if status == "completed" else 0
    return {"vector_store_id": job.parent, "file_counts": {
        "in_progress": total - failed - done if status == "in_progress" else 0,
        "completed": done, "failed": failed, "cancelled": 0, "total": total}}


def _run(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"thread_id": job.parent, "assistant_id": "asst_fault1", "model": "gpt-4o-mini",
            "instructions": "", "tools": [], "metadata": {}, "parallel_tool_calls": True,
            "required_action": None, "usage": None, "response_format": "auto",
            "tool_choice": "auto", "truncation_strategy": None,
            "last_error": _error(job.error_code) if status == "failed" and job.error_code
            else None,
            "incomplete_details": {"reason": job.error_code} if status == "incomplete"
            else None}


def _video(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"model": "sora-2", "progress": 100 if status in ("completed", "failed") else 0,
            "seconds": "4", "size": "720x1280", "completed_at": None, "expires_at": None,
            "remixed_from_video_id": None,
            "error": _error(job.error_code) if status == "failed" and job.error_code else None}


def _eval_run(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"eval_id": job.parent, "name": "fault-run", "model": "gpt-4o-mini",
            "data_source": {"type": "jsonl", "source": {"type": "file_id", "id": "file-d1"}},
            "report_url": "http://127.0.0.1/report", "metadata": {},
            "result_counts": {"errored": 0, "failed": 0, "passed": 0, "total": 0},
            "per_model_usage": [], "per_testing_criteria_results": [],
            "error": _error(job.error_code) if status == "failed" and job.error_code
            else {"code": "", "message": ""}}


def _turn(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"agent_id": "agent_fault1", "session_id": job.parent, "completed_at": None,
            "started_at": None, "subagent_id": None, "usage": None,
            "error": _error(job.error_code) if status == "failed" and job.error_code else None}


def _session(job: SurfaceJob, status: str) -> dict[str, Any]:
    failed = status == "failed"
    return {"agent": {"id": "agent_fault1", "model": "gpt-4o-mini", "tools": []},
            "environment": {"type": "openai_hosted"}, "last_active_at": job.created_at,
            "metadata": {}, "required_actions": [], "vault_ids": [], "usage": None,
            "spend_control": {"limit": {"amount": 1, "currency": "usd"}},
            "error": _error(job.error_code or "server_error")["message"] if failed else None}


def _invocation(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"automation_id": job.parent, "scheduled_at": None, "session_id": None,
            "source": {"type": "manual"},
            "skip_reason": "pending_delivery" if status == "skipped" else None,
            "error": _error(job.error_code) if status == "failed" and job.error_code else None}


def _environment(job: SurfaceJob, status: str) -> dict[str, Any]:
    error = None
    if status == "failed" and job.error_code:
        error = {**_error(job.error_code), "type": "environment_error"}
    return {"files": [], "plugins": [], "skills": [], "type": "openai_hosted", "error": error}


def _upload(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"bytes": 2048, "filename": "requests.jsonl", "purpose": "batch",
            "expires_at": job.created_at + 3600, "file": None}


def _file(job: SurfaceJob, status: str) -> dict[str, Any]:
    return {"bytes": 2048, "filename": "train.jsonl", "purpose": "fine-tune",
            "expires_at": None,
            "status_details": "Invalid file format for Fine-Tuning API. Must be .jsonl"
            if status == "error" else None}


SHAPES: dict[str, Shape] = {
    "batch": Shape("batch_", "validating", "in_progress", "completed", "cancelled", _batch),
    "fine_tuning.job": Shape("ftjob-", "validating_files", "running", "succeeded",
                             "cancelled", _fine_tuning),
    "vector_store.file": Shape("file-", "in_progress", "in_progress", "completed",
                               "cancelled", _vector_store_file),
    "vector_store.files_batch": Shape("vsfb_", "in_progress", "in_progress", "completed",
                                      "cancelled", _file_batch),
    "thread.run": Shape("run_", "queued", "in_progress", "completed", "cancelled", _run),
    "video": Shape("video_", "queued", "in_progress", "completed", "cancelled", _video),
    "eval.run": Shape("evalrun_", "queued", "in_progress", "completed", "canceled", _eval_run,
                      post_cancels=True),
    "agent.session.turn": Shape("turn_", "queued", "in_progress", "completed", "cancelled",
                                _turn, create_path="agents/sessions/{parent}/events",
                                event_prefix="agent.session.turn", event_key="turn"),
    "agent.session": Shape("sess_", "in_progress", "in_progress", "idle", None, _session),
    "agent.automation.invocation": Shape("ainv_", "queued", "queued", "completed", None,
                                         _invocation),
    "agent.environment": Shape("env_", "pending", "pending", "ready", None, _environment),
    "upload": Shape("upload_", "pending", "pending", "completed", "cancelled", _upload,
                    reads=("complete",)),
    # a file's validation ends ``processed`` or ``error`` (job_ended=error)
    "file": Shape("file-", "uploaded", "uploaded", "processed", None, _file),
}
# Responses have their own routes (payloads.response_object): they stream.
SERVED = tuple(row for row in SURFACES if row.name in SHAPES)


def end_of(surface: Surface, fault: Optional[str], spec: Any) -> tuple[str, Optional[str], int]:
    """(terminal status, error code or reason, failed requests) for a job created with
    the fault named ``fault`` (None: it succeeds). A fault the surface cannot end with
    (a video cannot expire) is the caller's error."""
    shape = SHAPES[surface.name]
    if fault is None:
        return shape.done, None, 0
    if fault == "job_ended":  # any terminal status of the surface: budget_reached, skipped
        status = arg_or_param(spec, FAULTS[fault], "")
        if status not in surface.ended:
            raise FaultSpecError(f"a {surface.name} cannot end {status!r}: it ends "
                                 + ", ".join(sorted(surface.ended)))
        return status, None, 0
    wanted = {"job_failed": "failed", "job_expired": "expired",
              "job_incomplete": "incomplete", "job_cancelled": shape.cancelled or "",
              "batch_all_failed": "completed"}[fault]
    if fault == "batch_all_failed":
        if surface.name != "batch":
            raise FaultSpecError("batch_all_failed applies to batches only")
        count = int(number_arg(arg_or_param(spec, FAULTS[fault], "3"), "count")) or 1
        # what its requests died of: ``;code=...`` (the lines of its error file)
        return "completed", spec.get("code") or "rate_limit_exceeded", count
    if wanted not in surface.ended:
        raise FaultSpecError(f"a {surface.name} cannot end {wanted!r}")
    if fault == "job_failed":
        return wanted, arg_or_param(spec, FAULTS[fault], "server_error"), 0
    if fault == "job_incomplete":
        return wanted, arg_or_param(spec, FAULTS[fault], "max_completion_tokens"), 0
    return wanted, None, 0


def new_job(surface: Surface, parent: Optional[str], end: tuple[str, Optional[str], int],
            started: float, queued_s: float, run_s: float) -> SurfaceJob:
    shape = SHAPES[surface.name]
    status, code, failed = end
    return SurfaceJob(id=payloads.new_id(shape.id_prefix), surface=surface, shape=shape,
                      parent=parent, created_at=int(time.time()), started=started,
                      end_status=status, error_code=code, failed_requests=failed,
                      queued_s=queued_s, run_s=run_s)


def job_object(job: SurfaceJob, status: str) -> dict[str, Any]:
    """The job as the API shows it in ``status``."""
    return {"id": job.id, "object": job.surface.objects[0], "created_at": job.created_at,
            "status": status, **job.shape.extras(job, status)}


def job_event(job: SurfaceJob, status: str, suffix: str) -> dict[str, Any]:
    """A stream event about the job: ``agent.session.turn.created``, ``...failed``."""
    shape = job.shape
    return {"type": f"{shape.event_prefix}.{suffix}", "event_id": payloads.new_id("evt_"),
            "session_id": job.parent, f"{shape.event_key}_id": job.id,
            shape.event_key: job_object(job, status)}


def page(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A list answer, newest first, as the API pages them."""
    data = list(reversed(objects))[:100]
    return {"object": "list", "data": data, "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None}


class SurfaceStore(Store[SurfaceJob]):
    """Jobs of every surface by id, the oldest forgotten first."""
