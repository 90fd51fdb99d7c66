"""Every asynchronous job the OpenAI API has, one row each.

A job is created by one call and finishes later; the call that sees it finish (a
``retrieve``, a poll helper, a ``list``, a stream, a webhook) gets HTTP 200 and no
exception, however the job ended. Each row says how to read one kind of job::

    surface                    object                        where its error lives
    ─────────────────────────  ────────────────────────────  ──────────────────────────
    response                   response                      error, incomplete_details
    batch                      batch                         errors.data[0], request_counts
    fine_tuning.job            fine_tuning.job               error
    vector_store.file          vector_store.file             last_error
    vector_store.files_batch   vector_store.files_batch      file_counts (no error object)
    thread.run                 thread.run                    last_error, incomplete_details
    video                      video                         error
    eval.run                   eval.run                      error
    agent.session.turn         agent.session.turn            error (SessionTurnError)
    agent.session              agent.session                 error (a sentence)
    agent.automation.invocation  agent.automation.invocation  error, skip_reason
    agent.environment          agent.environment             error
    realtime.response          realtime.response             status_details.error/.reason
    upload                     upload                        none
    file                       file                          status_details (a sentence)

A terminal status maps to an ``Outcome``: ``succeeded``, or one of the four ways a job
ends without its result (``failed``, ``expired``, ``incomplete``, ``cancelled``). The
classifier (``jobfacts.py``), the instrumentation's once-per-job bookkeeping, the raised
exceptions, the fault server's job routes and the docs all read this table: a new
surface is a new row (and its tests). ``tests/classify/test_sdk_currency.py`` fails when
the SDK grows a model with a terminal-looking status that is neither a row here nor in
``NOT_JOBS`` with its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, NamedTuple, Optional

__all__ = [
    "FAILURES",
    "JOB_OBJECTS",
    "NOT_JOBS",
    "NOT_JOB_WEBHOOKS",
    "SURFACES",
    "Outcome",
    "Surface",
    "field",
    "outcome_of",
    "surface_by_event",
    "surface_by_webhook",
    "surface_named",
    "surface_of",
]


class Outcome(str, enum.Enum):
    """How a job stands: still running, done, or ended without its result."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    INCOMPLETE = "incomplete"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


# Ends that are failures of the job: counted, logged and (opt-in) raised. ``cancelled``
# is terminal but not a failure: someone asked for it (as in openai-python PR #3723).
FAILURES = frozenset({Outcome.FAILED, Outcome.EXPIRED, Outcome.INCOMPLETE})


class Surface(NamedTuple):
    """One kind of asynchronous job: its statuses, its error, its API, its webhooks."""

    name: str  # the ``openai.job.type`` value
    objects: tuple[str, ...]  # the ``object`` field of its SDK model / JSON
    resource: str  # where the SDK has it
    methods: tuple[str, ...]  # the SDK methods that return it
    api_path: str  # its collection, ``{parent}`` for a parent id; "" when not over HTTP
    pending: frozenset[str]
    succeeded: frozenset[str]
    ended: Mapping[str, Outcome]  # terminal statuses other than success
    error_fields: tuple[str, ...]  # where its error lives (dotted), first found wins
    webhooks: Mapping[str, str]  # webhook event type -> the status it announces
    sdk: str  # the openai majors that have it
    models: tuple[str, ...]  # its SDK models, ``module:Class``
    events: Mapping[str, str] = {}  # stream event type -> the field holding the job
    reason_field: str = "incomplete_details.reason"  # why it is incomplete
    # a token a terminal status stands for when the job carries no error of its own
    status_tokens: Mapping[str, str] = {}
    # its ends are not final (a session idles after each turn, then may fail): each
    # change of end is recorded, not only the first
    lives_on: bool = False
    # a listing of it is news of its jobs' ends; False where a list is an inventory of
    # things long done (every file an organization ever uploaded)
    listed: bool = True


def _ended(**statuses: Outcome) -> Mapping[str, Outcome]:
    return dict(statuses)


def _holding(key: str, *events: str) -> Mapping[str, str]:
    return dict.fromkeys(events, key)


_F, _E, _I, _C = Outcome.FAILED, Outcome.EXPIRED, Outcome.INCOMPLETE, Outcome.CANCELLED
_ALL = "1.x 2.x 3.x"

SURFACES: tuple[Surface, ...] = (
    Surface(
        "response", ("response",), "client.responses",
        ("create(background=True)", "create(stream=True)", "retrieve", "retrieve(stream=True)",
         "cancel", "the same on client.beta.responses (3.x)"),
        "responses", frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        _ended(failed=_F, incomplete=_I, cancelled=_C), ("error",),
        {"response.failed": "failed", "response.incomplete": "incomplete",
         "response.cancelled": "cancelled", "response.completed": "completed"},
        _ALL, ("openai.types.responses:Response", "openai.types.beta:BetaResponse"),
        _holding("response", "response.completed", "response.failed", "response.incomplete",
                 "response.cancelled"),
    ),
    Surface(
        "batch", ("batch",), "client.batches", ("create", "retrieve", "list", "cancel"),
        "batches", frozenset({"validating", "in_progress", "finalizing", "cancelling"}),
        frozenset({"completed"}),
        _ended(failed=_F, expired=_E, cancelled=_C), ("errors",),
        {"batch.failed": "failed", "batch.expired": "expired",
         "batch.cancelled": "cancelled", "batch.completed": "completed"},
        _ALL, ("openai.types:Batch",), status_tokens={"expired": "batch_expired"},
    ),
    Surface(
        "fine_tuning.job", ("fine_tuning.job",), "client.fine_tuning.jobs",
        ("create", "retrieve", "list", "cancel", "pause", "resume"), "fine_tuning/jobs",
        frozenset({"validating_files", "queued", "running", "paused"}),
        frozenset({"succeeded"}), _ended(failed=_F, cancelled=_C), ("error",),
        {"fine_tuning.job.failed": "failed", "fine_tuning.job.cancelled": "cancelled",
         "fine_tuning.job.succeeded": "succeeded"},
        _ALL, ("openai.types.fine_tuning:FineTuningJob",),
    ),
    Surface(
        "vector_store.file", ("vector_store.file",), "client.vector_stores.files",
        ("create", "retrieve", "list", "create_and_poll", "upload_and_poll", "poll"),
        "vector_stores/{parent}/files", frozenset({"in_progress"}), frozenset({"completed"}),
        _ended(failed=_F, cancelled=_C), ("last_error",), {}, _ALL,
        ("openai.types.vector_stores:VectorStoreFile",),
    ),
    Surface(
        "vector_store.files_batch", ("vector_store.files_batch",),
        "client.vector_stores.file_batches",
        ("create", "retrieve", "cancel", "create_and_poll", "upload_and_poll", "poll"),
        "vector_stores/{parent}/file_batches", frozenset({"in_progress"}),
        frozenset({"completed"}), _ended(failed=_F, cancelled=_C), (), {}, _ALL,
        ("openai.types.vector_stores:VectorStoreFileBatch",),
    ),
    Surface(
        "thread.run", ("thread.run",), "client.beta.threads.runs",
        ("create", "retrieve", "list", "cancel", "create_and_poll", "poll",
         "submit_tool_outputs_and_poll", "stream"),
        "threads/{parent}/runs",
        frozenset({"queued", "in_progress", "requires_action", "cancelling"}),
        frozenset({"completed"}),
        _ended(failed=_F, expired=_E, incomplete=_I, cancelled=_C), ("last_error",), {},
        _ALL, ("openai.types.beta.threads:Run",),
    ),
    Surface(
        "video", ("video",), "client.videos",
        ("create", "retrieve", "list", "create_and_poll", "poll", "remix"), "videos",
        frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        _ended(failed=_F), ("error",), {}, "2.x 3.x", ("openai.types:Video",),
    ),
    Surface(
        "eval.run", ("eval.run",), "client.evals.runs", ("create", "retrieve", "list", "cancel"),
        "evals/{parent}/runs", frozenset({"queued", "in_progress"}), frozenset({"completed"}),
        # the Evals API spells it with one l
        _ended(failed=_F, canceled=_C, cancelled=_C), ("error",),
        {"eval.run.failed": "failed", "eval.run.canceled": "canceled",
         "eval.run.succeeded": "completed"},
        _ALL, ("openai.types.evals:RunRetrieveResponse",),
    ),
    # The Agents API (3.x): a turn is started by posting input events to a session.
    Surface(
        "agent.session.turn", ("agent.session.turn",), "client.beta.agents.sessions.turns",
        ("retrieve", "list", "sessions.events.stream", "sessions.stream"),
        "agents/sessions/{parent}/turns",
        frozenset({"queued", "in_progress", "waiting"}), frozenset({"completed"}),
        _ended(failed=_F, cancelled=_C), ("error",), {}, "3.x",
        ("openai.types.beta.agents.sessions.turn:Turn",),
        _holding("turn", "agent.session.turn.failed", "agent.session.turn.cancelled",
                 "agent.session.turn.completed"),
    ),
    # A session lives on: ``idle`` (ready for input, its last turn done) is its
    # success; it ends ``failed``, or ``budget_reached`` (paused at its spend limit:
    # quota, not a retry). A session seen idle, then failed, is counted for each.
    Surface(
        "agent.session", ("agent.session",), "client.beta.agents.sessions",
        ("create", "retrieve", "list", "update", "events.stream"), "agents/sessions",
        frozenset({"in_progress", "requires_action"}), frozenset({"idle"}),
        _ended(failed=_F, budget_reached=_F), ("error",),
        {"agent.session.failed": "failed", "agent.session.idle": "idle"}, "3.x",
        ("openai.types.beta.agent_session:AgentSession",),
        _holding("session", "agent.session.failed", "agent.session.budget_reached"),
        status_tokens={"budget_reached": "session_budget_exceeded"}, lives_on=True,
    ),
    # ``skipped``: the scheduler did not run it (an earlier one was still pending
    # delivery). Nobody failed: it counts as cancelled.
    Surface(
        "agent.automation.invocation", ("agent.automation.invocation",),
        "client.beta.agents.automations.invocations", ("create", "retrieve", "list"),
        "agents/automations/{parent}/invocations", frozenset({"queued"}),
        frozenset({"completed"}), _ended(failed=_F, skipped=_C), ("error",), {}, "3.x",
        ("openai.types.beta.agents.automations.automation_invocation:AutomationInvocation",),
        status_tokens={"skipped": "skipped"},
    ),
    # ``ready`` is its success. ``suspended`` is no end: the sandbox stopped and resumes
    # from its checkpoint. ``expired`` is one: the checkpoint is gone, nothing resumes.
    Surface(
        "agent.environment", ("agent.environment",), "client.beta.agents.environments",
        ("create", "retrieve", "list"), "agents/environments",
        frozenset({"pending", "disconnected", "suspended"}),
        frozenset({"ready", "connected"}), _ended(failed=_F, expired=_E), ("error",),
        {"agent.environment.failed": "failed", "agent.environment.expired": "expired",
         "agent.environment.ready": "ready"}, "3.x",
        ("openai.types.beta.agents.environment_info:EnvironmentInfo",),
        _holding("environment", "agent.session.environment.failed",
                 "agent.session.environment.expired"),
        status_tokens={"expired": "job_expired"}, lives_on=True,
    ),
    # A Realtime response comes over the Realtime connection (a WebSocket the
    # instrumentation does not follow): its ``response.done`` event is classified.
    Surface(
        "realtime.response", ("realtime.response",), "client.realtime.connect()",
        ("response.done (server event)",), "", frozenset({"in_progress"}),
        frozenset({"completed"}), _ended(failed=_F, incomplete=_I, cancelled=_C),
        ("status_details.error",), {}, _ALL,
        ("openai.types.realtime.realtime_response:RealtimeResponse",
         "openai.types.beta.realtime.realtime_response:RealtimeResponse"),
        _holding("response", "response.done"), reason_field="status_details.reason",
    ),
    # An upload not completed within its hour expires: the file is never made.
    Surface(
        "upload", ("upload",), "client.uploads", ("create", "complete", "cancel"), "uploads",
        frozenset({"pending"}), frozenset({"completed"}), _ended(expired=_E, cancelled=_C),
        (), {}, _ALL, ("openai.types:Upload",), status_tokens={"expired": "upload_expired"},
    ),
    # ``status`` of a file is deprecated, still set: ``error`` when a fine-tuning file
    # failed validation, the reason in ``status_details``. A file is read when it is
    # created or retrieved, never from a list of all the organization's files.
    Surface(
        "file", ("file",), "client.files", ("create", "retrieve", "list", "wait_for_processing"),
        "files", frozenset({"uploaded"}), frozenset({"processed"}), _ended(error=_F),
        ("status_details",), {}, _ALL, ("openai.types:FileObject",),
        status_tokens={"error": "invalid_file"}, listed=False,
    ),
)

# Models with a terminal-looking status that are not jobs of their own, and why: the
# SDK-currency test reads this list next to the table.
NOT_JOBS: Mapping[str, str] = {
    "organization.invite": "an invite that expired is an administrative state, no call failed",
    "chatkit.session": "a ChatKit session ends by expiry or cancel in normal use",
    "realtime.item": "an item of a Realtime conversation: its response carries the failure",
    "thread.message": "a message of a run: an incomplete message's run carries why",
    "thread.run.step": "a step of a run: a failed step fails its run, which is read",
    "vector_store": "a vector store expires by its own expiry policy, as designed",
    "(typed items)": "output and input items and events (tool calls, messages, reasoning; "
                     "a ``type`` and no ``object``) are parts of a Response, a session or "
                     "a conversation, which carries the failure",
    "openai.types.beta.agent_session_environment_state:AgentSessionEnvironmentState":
        "an environment's state inside session events: read through those events as an "
        "agent.environment",
}
# Webhook events with a terminal-looking name that announce no end of a job.
NOT_JOB_WEBHOOKS: Mapping[str, str] = {
    "agent.environment.suspended": "a suspended environment resumes from its checkpoint",
}

_BY_OBJECT: dict[str, Surface] = {obj: row for row in SURFACES for obj in row.objects}
_BY_WEBHOOK: dict[str, Surface] = {event: row for row in SURFACES for event in row.webhooks}
_BY_EVENT: dict[str, Surface] = {event: row for row in SURFACES for event in row.events}
_BY_NAME: dict[str, Surface] = {row.name: row for row in SURFACES}
# Every ``object`` value a job has: one set lookup tells a returned model is no job.
JOB_OBJECTS = frozenset(_BY_OBJECT)


def field(obj: object, name: str) -> Any:
    """``obj[name]`` or ``obj.name``, None when absent or when reading it fails."""
    try:
        if isinstance(obj, Mapping):
            return obj.get(name)
        return getattr(obj, name, None)
    except Exception:
        return None


def dotted(obj: object, path: str) -> Any:
    """``field`` along a dotted path: ``status_details.error``."""
    for name in path.split("."):
        obj = field(obj, name)
        if obj is None:
            return None
    return obj


def surface_of(obj: object) -> Optional[Surface]:
    """The row for ``obj`` (an SDK model or a dict) by its ``object`` field."""
    kind = field(obj, "object")
    return _BY_OBJECT.get(kind) if isinstance(kind, str) else None


def surface_named(name: str) -> Optional[Surface]:
    return _BY_NAME.get(name)


def surface_by_webhook(kind: str) -> Optional[Surface]:
    return _BY_WEBHOOK.get(kind)


def surface_by_event(kind: str) -> Optional[Surface]:
    """The row whose job a stream event of type ``kind`` carries."""
    return _BY_EVENT.get(kind)


def outcome_of(surface: Surface, status: Optional[str]) -> Optional[Outcome]:
    """The outcome a status means for ``surface``; None for a status it does not have."""
    if status is None:
        return None
    if status in surface.pending:
        return Outcome.PENDING
    if status in surface.succeeded:
        return Outcome.SUCCEEDED
    return surface.ended.get(status)
