"""The one table of faults: what each is called and exactly what goes on the wire.

Every shape copies what the OpenAI API (or the gateway in front of it) really sends:
status, ``{"error": {message, type, param, code}}`` body, headers. Keeping them in one
table means ``docs/fault-server.md``, the tests and the server cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .control import FaultSpec, FaultSpecError

# How a fault is delivered.
HTTP = "http"  # an error status with a body
TIMEOUT = "timeout"  # a response slower than the client's patience
RESET = "connection_reset"  # the connection dies before a response
STREAM_CUT = "stream_cut"  # the stream's connection dies after N events
STREAM_ERROR = "stream_error_event"  # the stream carries an error event after N events
BACKGROUND = "background"  # a Responses job ends failed, cancelled or incomplete
JOB = "job"  # any other job (a Batch, a run, ...: classify/jobs.py) ends without its result

# ``param`` placeholder: the request field holding the prompt ("messages" or "input").
PROMPT_PARAM = "<prompt>"

DEFAULT_RETRY_AFTER_S = 1.0
DEFAULT_TIMEOUT_DELAY_S = 30.0
DEFAULT_EVENTS_BEFORE_FAULT = 2

GATEWAY_502_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class ErrorShape:
    """An HTTP error exactly as sent: status, JSON ``error`` object (or an HTML page)."""

    status: int
    type: Optional[str]
    code: Optional[str]
    message: str
    param: Optional[str] = None
    html: Optional[str] = None
    limit_kind: Optional[str] = None  # "requests" | "tokens": send retry-after and 0 remaining
    request_id: bool = True  # gateway pages carry no OpenAI request id


@dataclass(frozen=True)
class Fault:
    """A named fault: how it is delivered, its wire shape, what its ``=arg`` sets."""

    name: str
    kind: str
    summary: str
    shape: Optional[ErrorShape] = None
    arg: Optional[str] = None


def _http(name: str, summary: str, shape: ErrorShape) -> Fault:
    return Fault(name=name, kind=HTTP, summary=summary, shape=shape)


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        _http(
            "rate_limited",
            "429 requests-per-minute limit hit",
            ErrorShape(
                429,
                "requests",
                "rate_limit_exceeded",
                "Rate limit reached for {model} in organization org-faultserver on requests "
                "per min (RPM): Limit {limit}, Used {limit}, Requested 1. Please try again in "
                "{retry_after}. Visit https://platform.openai.com/account/rate-limits to "
                "learn more.",
                limit_kind="requests",
            ),
        ),
        _http(
            "rate_limited_tokens",
            "429 tokens-per-minute limit hit",
            ErrorShape(
                429,
                "tokens",
                "rate_limit_exceeded",
                "Rate limit reached for {model} in organization org-faultserver on tokens per "
                "min (TPM): Limit {limit}, Used {used}, Requested {requested}. Please try again "
                "in {retry_after}. Visit https://platform.openai.com/account/rate-limits to "
                "learn more.",
                limit_kind="tokens",
            ),
        ),
        _http(
            "quota_exhausted",
            "429 insufficient_quota: out of credit",
            ErrorShape(
                429,
                "insufficient_quota",
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details. "
                "For more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors.",
            ),
        ),
        _http(
            "server_error",
            "500 server_error",
            ErrorShape(
                500,
                "server_error",
                "server_error",
                "The server had an error while processing your request. Sorry about that!",
            ),
        ),
        _http(
            "bad_gateway",
            "502 HTML page from the gateway, no JSON, no request id",
            ErrorShape(502, None, None, "", html=GATEWAY_502_HTML, request_id=False),
        ),
        _http(
            "overloaded",
            "503 server_is_overloaded",
            ErrorShape(
                503,
                "service_unavailable_error",
                "server_is_overloaded",
                "The server is overloaded or not ready yet.",
            ),
        ),
        _http(
            "auth_error",
            "401 invalid_api_key",
            ErrorShape(
                401,
                "invalid_request_error",
                "invalid_api_key",
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
            ),
        ),
        _http(
            "context_length_exceeded",
            "400 context_length_exceeded",
            ErrorShape(
                400,
                "invalid_request_error",
                "context_length_exceeded",
                "This model's maximum context length is 128000 tokens. However, your messages "
                "resulted in 131072 tokens. Please reduce the length of the messages.",
                param=PROMPT_PARAM,
            ),
        ),
        _http(
            "model_not_found",
            "404 model_not_found: a retired or misspelled model",
            ErrorShape(
                404,
                "invalid_request_error",
                "model_not_found",
                "The model you requested does not exist or you do not have access to it.",
                param="model",
            ),
        ),
        _http(
            "content_filtered",
            "400 content_policy_violation from the safety system",
            ErrorShape(
                400,
                "invalid_request_error",
                "content_policy_violation",
                "Your request was rejected as a result of our safety system. Your prompt may "
                "contain text that is not allowed by our safety system.",
                param=PROMPT_PARAM,
            ),
        ),
        Fault(
            "timeout",
            TIMEOUT,
            "answer only after `delay` seconds (default 30), past the client's timeout; "
            "with `after=N` on a stream, go quiet after N events",
            arg="delay",
        ),
        Fault("connection_reset", RESET, "TCP reset after the request is read, no response"),
        Fault(
            "stream_cut",
            STREAM_CUT,
            "TCP reset after `after` stream events (default 2); mid-body for non-streams",
            arg="after",
        ),
        Fault(
            "stream_error_event",
            STREAM_ERROR,
            "an error event after `after` stream events (default 2), code `code`",
            arg="code",
        ),
        Fault(
            "background_failed",
            BACKGROUND,
            "Responses job ends `failed` with error code `code` (default server_error)",
            arg="code",
        ),
        Fault("background_cancelled", BACKGROUND, "Responses job ends `cancelled`"),
        Fault(
            "job_failed",
            JOB,
            "a job of any surface (Batch, fine-tuning job, vector store file or file batch, "
            "run, video, evals run, agent turn, session, invocation or environment) ends "
            "`failed` with error code `code` (default server_error)",
            arg="code",
        ),
        Fault("job_expired", JOB, "a Batch, a run, an Upload or an agent environment ends "
              "`expired`"),
        Fault("job_ended", JOB, "a job ends with `status`, any terminal status of its "
              "surface (an agent session's `budget_reached`, an invocation's `skipped`)",
              arg="status"),
        Fault("job_cancelled", JOB, "a job ends `cancelled` (`canceled` for an evals run)"),
        Fault(
            "job_incomplete",
            JOB,
            "a run ends `incomplete`, reason `reason` (default max_completion_tokens)",
            arg="reason",
        ),
        Fault(
            "batch_all_failed",
            JOB,
            "a Batch ends `completed` with all `count` requests failed (default 3)",
            arg="count",
        ),
        Fault(
            "background_incomplete",
            BACKGROUND,
            "Responses job ends `incomplete`, reason `reason` (default max_output_tokens)",
            arg="reason",
        ),
    )
}

# The message and type the API pairs with an error code inside a Responses object or a
# stream error event, where no HTTP status is there to help.
CODE_MESSAGES: dict[str, tuple[str, str]] = {
    "server_error": (
        "server_error",
        "The server had an error while processing your request. Sorry about that!",
    ),
    "rate_limit_exceeded": (
        "rate_limit_error",
        "Rate limit reached for requests. Please try again later.",
    ),
    "insufficient_quota": (
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "context_length_exceeded": (
        "invalid_request_error",
        "Your input exceeds the context window of this model. Please adjust your input and "
        "try again.",
    ),
    "invalid_prompt": (
        "invalid_request_error",
        "Invalid prompt: your prompt was flagged as potentially violating our usage policy.",
    ),
    "vector_store_timeout": (
        "server_error",
        "The vector store search timed out. Please try again.",
    ),
    "server_is_overloaded": (
        "service_unavailable_error",
        "The server is overloaded or not ready yet.",
    ),
}
INCOMPLETE_REASONS = ("max_output_tokens", "content_filter")


def lookup(spec: FaultSpec) -> Fault:
    """The fault a spec names; unknown names are the caller's error."""
    fault = FAULTS.get(spec.name)
    if fault is None:
        known = ", ".join(sorted(FAULTS))
        raise FaultSpecError(f"unknown fault {spec.name!r}; known: {known}")
    return fault


def checked(spec: FaultSpec) -> Fault:
    """The fault a spec names, its numbers and reason checked, so a bad one is a 400 (or a
    scenario error at start-up) rather than a failure half-way through an answer."""
    fault = lookup(spec)
    for key in ("delay", "after", "retry_after", "queued", "run"):
        spec.number(key, 0.0)
    if fault.name in ("timeout", "stream_cut", "batch_all_failed") and spec.arg is not None:
        number_arg(spec.arg, fault.arg or "arg")
    if fault.name == "background_incomplete":
        reason = arg_or_param(spec, fault, "max_output_tokens")
        if reason not in INCOMPLETE_REASONS:
            raise FaultSpecError(f"reason must be one of {', '.join(INCOMPLETE_REASONS)}")
    return fault


def number_arg(text: str, name: str) -> float:
    """A fault's ``=arg`` as a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"{name}={text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise FaultSpecError(f"{name}={text!r} must be a finite number >= 0")
    return value


def arg_or_param(spec: FaultSpec, fault: Fault, default: str) -> str:
    """The fault's main argument, given either as ``name=value`` or ``;key=value``."""
    if fault.arg is not None:
        value = spec.get(fault.arg) or spec.arg
        if value:
            return value
    return default


def error_body(code: Optional[str], message: str, *, type_: Optional[str] = None,
               param: Optional[str] = None) -> dict[str, Any]:
    """The API's error envelope."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def coded_error(code: str) -> dict[str, Any]:
    """``{message, type, code}`` for an error that only has a code (jobs, stream events)."""
    type_, message = CODE_MESSAGES.get(code, ("server_error", f"The response failed: {code}."))
    return {"code": code, "message": message, "type": type_}
