"""The decision: from an HTTP status and the error fields to one code.

Structured fields decide first, in this order: ``error.code``, ``error.type``,
Azure's ``innererror.code``, Google's ``ErrorInfo.reason``, Google's ``status`` word;
then the HTTP status (or a status found inside the body); words in the message only
refine a status-only answer or, with nothing else to go on, decide. Every table is
data, keyed by lower-case tokens, so adding a provider's vocabulary is one line.
"""

from __future__ import annotations

from typing import Optional

from ..classification import Why
from ..codes import CODE_INFO
from ..codes import ErrorCode as C
from .envelope import ErrorFields

__all__ = ["NOTHING", "STATUS_CODES", "TOKEN_CODES", "Why", "decide", "decide_kind",
           "names_a_failure", "status_code_of"]

# Tokens that decide on their own, wherever they appear (code, type, inner code, status word).
TOKEN_CODES: dict[str, C] = {
    # rate limits: OpenAI codes and types, Anthropic, Google, Mistral, generic
    "rate_limit_exceeded": C.RATE_LIMITED,
    "rate_limit_error": C.RATE_LIMITED,
    "rate_limited": C.RATE_LIMITED,
    "ratelimitexceeded": C.RATE_LIMITED,
    "slow_down": C.RATE_LIMITED,
    "tokens": C.RATE_LIMITED,
    "requests": C.RATE_LIMITED,
    "tokens_usage_based": C.RATE_LIMITED,
    "requests_usage_based": C.RATE_LIMITED,
    "too_many_requests": C.RATE_LIMITED,
    "resource_exhausted": C.RATE_LIMITED,
    "token_limit_exceeded": C.RATE_LIMITED,  # a Batch over its enqueued-token limit
    # quota and billing
    "insufficient_quota": C.QUOTA_EXHAUSTED,
    "credit_balance_exhausted": C.QUOTA_EXHAUSTED,
    "billing_not_active": C.QUOTA_EXHAUSTED,
    "billing_hard_limit_reached": C.QUOTA_EXHAUSTED,
    "organization_spend_limit_exceeded": C.QUOTA_EXHAUSTED,
    "project_spend_limit_exceeded": C.QUOTA_EXHAUSTED,
    "organization_usage_limit_exceeded": C.QUOTA_EXHAUSTED,
    "usage_limit_exceeded": C.QUOTA_EXHAUSTED,
    "session_budget_exceeded": C.QUOTA_EXHAUSTED,
    "insufficient_balance": C.QUOTA_EXHAUSTED,
    "insufficient_credits": C.QUOTA_EXHAUSTED,
    "payment_required": C.QUOTA_EXHAUSTED,
    "quota_exceeded": C.QUOTA_EXHAUSTED,
    # overloaded
    "overloaded": C.OVERLOADED,
    "overloaded_error": C.OVERLOADED,
    "server_overloaded": C.OVERLOADED,
    "server_is_overloaded": C.OVERLOADED,
    "engine_overloaded": C.OVERLOADED,
    "model_overloaded": C.OVERLOADED,
    "flex_unavailable": C.OVERLOADED,
    "service_unavailable": C.OVERLOADED,
    "service_unavailable_error": C.OVERLOADED,
    "unavailable": C.OVERLOADED,
    "capacity_exceeded": C.OVERLOADED,
    "no_capacity": C.OVERLOADED,
    # server errors
    "server_error": C.SERVER_ERROR,
    "internal_error": C.SERVER_ERROR,
    "internal_server_error": C.SERVER_ERROR,
    "internal": C.SERVER_ERROR,
    "bad_gateway": C.SERVER_ERROR,
    "sandbox_error": C.SERVER_ERROR,
    # timeouts
    "timeout": C.TIMEOUT,
    "timeout_error": C.TIMEOUT,
    "request_timeout": C.TIMEOUT,
    "gateway_timeout": C.TIMEOUT,
    "deadline_exceeded": C.TIMEOUT,
    "batch_expired": C.TIMEOUT,
    "job_expired": C.TIMEOUT,  # an Assistants run (or other job) that ran out of time
    "upload_expired": C.TIMEOUT,  # an Upload not completed within its hour
    # connection
    "connection_failed": C.CONNECTION_ERROR,
    "connection_error": C.CONNECTION_ERROR,
    # auth and permission
    "invalid_api_key": C.AUTH_ERROR,
    "invalid_authentication": C.AUTH_ERROR,
    "authentication_error": C.AUTH_ERROR,
    "unauthenticated": C.AUTH_ERROR,
    "unauthorized": C.AUTH_ERROR,
    "expired_api_key": C.AUTH_ERROR,
    "invalid_organization": C.AUTH_ERROR,
    "account_deactivated": C.AUTH_ERROR,
    "invalid_grant": C.AUTH_ERROR,
    "invalid_subject_token": C.AUTH_ERROR,
    "api_key_invalid": C.AUTH_ERROR,  # Google ErrorInfo.reason, sent with a 400
    "permission_denied": C.PERMISSION_DENIED,
    "permission_error": C.PERMISSION_DENIED,
    "insufficient_permissions": C.PERMISSION_DENIED,
    "unsupported_country_region_territory": C.PERMISSION_DENIED,
    "data_residency_mismatch": C.PERMISSION_DENIED,
    "request_forbidden": C.PERMISSION_DENIED,
    "forbidden": C.PERMISSION_DENIED,
    "access_denied": C.PERMISSION_DENIED,
    # not found
    "not_found": C.NOT_FOUND,
    "not_found_error": C.NOT_FOUND,
    "model_not_found": C.NOT_FOUND,
    "resource_not_found": C.NOT_FOUND,
    "response_not_found": C.NOT_FOUND,
    "previous_response_not_found": C.NOT_FOUND,
    "image_file_not_found": C.NOT_FOUND,
    "file_not_found": C.NOT_FOUND,
    "deploymentnotfound": C.NOT_FOUND,
    "deployment_not_found": C.NOT_FOUND,
    # context window
    "context_length_exceeded": C.CONTEXT_LENGTH_EXCEEDED,
    "context_window_exceeded": C.CONTEXT_LENGTH_EXCEEDED,
    "context_length_error": C.CONTEXT_LENGTH_EXCEEDED,
    "exceed_context_size_error": C.CONTEXT_LENGTH_EXCEEDED,  # llama.cpp server, 400 (once 500)
    # content filters and policies
    "content_filter": C.CONTENT_FILTERED,
    "content_filtered": C.CONTENT_FILTERED,
    "content_policy_violation": C.CONTENT_FILTERED,
    "image_content_policy_violation": C.CONTENT_FILTERED,
    "moderation_blocked": C.CONTENT_FILTERED,
    "bio_policy": C.CONTENT_FILTERED,
    "cyber_policy": C.CONTENT_FILTERED,
    "misalignment_policy_violation": C.CONTENT_FILTERED,
    "responsibleaipolicyviolation": C.CONTENT_FILTERED,
    "safety": C.CONTENT_FILTERED,
    # client errors that are the request's fault
    "invalid_value": C.INVALID_REQUEST,
    "invalid_type": C.INVALID_REQUEST,
    "invalid_prompt": C.INVALID_REQUEST,
    "unsupported_parameter": C.INVALID_REQUEST,
    "unsupported_value": C.INVALID_REQUEST,
    "missing_required_parameter": C.INVALID_REQUEST,
    "string_above_max_length": C.INVALID_REQUEST,
    "audio_too_short": C.INVALID_REQUEST,
    "unsupported_file": C.INVALID_REQUEST,
    "invalid_file": C.INVALID_REQUEST,
    "request_too_large": C.INVALID_REQUEST,
    "executor_version_incompatible": C.INVALID_REQUEST,  # upgrade the agent's executor
    "failed_precondition": C.INVALID_REQUEST,
    "out_of_range": C.INVALID_REQUEST,
    "unprocessable_entity": C.INVALID_REQUEST,
    # the rest
    "conflict": C.CONFLICT,
    "aborted": C.CONFLICT,
    "already_exists": C.CONFLICT,
    "active_turn_not_steerable": C.CONFLICT,  # a session busy with a turn: wait, resend
    "cancelled": C.CANCELLED,
    "canceled": C.CANCELLED,
    "batch_cancelled": C.CANCELLED,
    "steered": C.CANCELLED,
    "skipped": C.CANCELLED,  # an automation invocation the scheduler did not run
    "max_output_tokens": C.OUTPUT_TRUNCATED,
    "max_tokens": C.OUTPUT_TRUNCATED,  # incomplete_details.reason of compatible servers
    "max_completion_tokens": C.OUTPUT_TRUNCATED,  # an incomplete Assistants run
    "max_prompt_tokens": C.CONTEXT_LENGTH_EXCEEDED,  # an incomplete Assistants run
    "max_messages": C.OUTPUT_TRUNCATED,
    # Alibaba Cloud Model Studio (DashScope) codes, also the parts of dotted ones
    "arrearage": C.QUOTA_EXHAUSTED,
    "throttling": C.RATE_LIMITED,
    "limit_requests": C.RATE_LIMITED,
    "invalidapikey": C.AUTH_ERROR,
    "accessdenied": C.PERMISSION_DENIED,
    "modelnotfound": C.NOT_FOUND,
    "notfound": C.NOT_FOUND,
    "invalidparameter": C.INVALID_REQUEST,
    "datainspectionfailed": C.CONTENT_FILTERED,
    "internalerror": C.SERVER_ERROR,
    # Volcengine Ark codes
    "accountoverdueerror": C.QUOTA_EXHAUSTED,
    "missingparameter": C.INVALID_REQUEST,
    "inputtextriskdetection": C.CONTENT_FILTERED,
    "inputimageriskdetection": C.CONTENT_FILTERED,
    "outputtextriskdetection": C.CONTENT_FILTERED,
    "outputimageriskdetection": C.CONTENT_FILTERED,
    "sensitivecontentdetected": C.CONTENT_FILTERED,
    "modelnotopen": C.NOT_FOUND,
    # Google's ErrorInfo.reason, even on a 429
    "model_capacity_exhausted": C.OVERLOADED,
    "billing_error": C.QUOTA_EXHAUSTED,  # Anthropic
    "usage_limit_reached": C.QUOTA_EXHAUSTED,  # ChatGPT-plan Codex: resets in hours
    # Moonshot (Kimi) types
    "engine_overloaded_error": C.OVERLOADED,
    "exceeded_current_quota_error": C.QUOTA_EXHAUSTED,
    "rate_limit_reached_error": C.RATE_LIMITED,
    # Baidu Qianfan codes, aggregator codes
    "tokens_too_long": C.CONTEXT_LENGTH_EXCEEDED,
    "characters_too_long": C.CONTEXT_LENGTH_EXCEEDED,
    "insufficient_user_quota": C.QUOTA_EXHAUSTED,
}

# Tokens that only say "a client error" or "an error": used when no status says more.
WEAK_TOKENS: dict[str, C] = {
    "invalid_request_error": C.INVALID_REQUEST,
    "invalid_request": C.INVALID_REQUEST,
    "bad_request": C.INVALID_REQUEST,
    "badrequesterror": C.INVALID_REQUEST,
    # Google's generic 400: it carries context-window and safety refusals too.
    "invalid_argument": C.INVALID_REQUEST,
    "badrequest": C.INVALID_REQUEST,  # Volcengine Ark's type
    "api_error": C.SERVER_ERROR,
}

# (suffix or prefix, code) for families of codes that keep growing.
_SUFFIXES = (
    ("_timeout", C.TIMEOUT),
    ("_not_found", C.NOT_FOUND),
    ("_spend_limit_exceeded", C.QUOTA_EXHAUSTED),
    ("_usage_limit_exceeded", C.QUOTA_EXHAUSTED),
    ("_policy_violation", C.CONTENT_FILTERED),
    ("_overloaded", C.OVERLOADED),
    ("_rate_limit_exceeded", C.RATE_LIMITED),
    # Volcengine Ark: {Input,Output}{Text,Image,Video,Audio}SensitiveContentDetected
    ("sensitivecontentdetected", C.CONTENT_FILTERED),
)
_PREFIXES = (("invalid_", C.INVALID_REQUEST), ("image_", C.INVALID_REQUEST))

# The contract's status column: a status that means a code when the body says no more.
STATUS_CODES: dict[int, C] = {
    status: code for code, info in CODE_INFO.items() for status in info.statuses
}

# Last resort: words in a message, checked in this order.
_WORDS: tuple[tuple[C, tuple[str, ...]], ...] = (
    (C.QUOTA_EXHAUSTED, (
        "insufficient_quota", "exceeded your current quota", "insufficient balance",
        "insufficient credits", "credit balance", "out of credits", "billing details",
        "spend limit", "spending limit", "used all available credits", "payment required",
        "balance is insufficient", "paid balance", "overdue balance", "add credits",
        "余额不足", "欠费", "请充值",
    )),
    (C.CONTEXT_LENGTH_EXCEEDED, (
        "context length", "context_length", "context window", "maximum context",
        "prompt is too long", "too many tokens", "input is too long", "reduce the length",
        "input token count", "range of input length", "maximum context", "超长",
    )),
    (C.CONTENT_FILTERED, (
        "content filter", "content_filter", "content management policy", "content policy",
        "safety system", "responsible ai", "flagged", "moderation", "content exists risk",
        "sensitive content", "may contain sensitive information", "inappropriate content",
        "content policies", "敏感内容",
    )),
    (C.OVERLOADED, ("overloaded", "over capacity", "no capacity", "capacity exceeded",
                    "at capacity", "访问量过大")),
    (C.RATE_LIMITED, (
        "rate limit", "rate_limit", "too many requests", "tokens per min", "requests per min",
        "并发数过高", "频率过高", "流量限制",
    )),
    (C.TIMEOUT, ("timed out", "timeout", "deadline exceeded")),
    (C.AUTH_ERROR, ("invalid api key", "incorrect api key", "api key", "unauthorized",
                    "not authorized", "authentication failed", "authentication fails")),
    (C.NOT_FOUND, ("does not exist", "not found", "不存在")),
    (C.PERMISSION_DENIED, ("permission", "forbidden", "not supported in your region")),
)

# Which status-only answers a message may refine, and into what.
_REFINABLE: dict[C, frozenset[C]] = {
    # a 400 (or a generic invalid_request_error) that says why: credit (Anthropic's
    # "credit balance is too low"), the context window, a content refusal, capacity
    C.INVALID_REQUEST: frozenset({C.QUOTA_EXHAUSTED, C.CONTEXT_LENGTH_EXCEEDED,
                                  C.CONTENT_FILTERED, C.OVERLOADED, C.AUTH_ERROR}),
    # a 429 that says credit (Zhipu's 1113) or overload (Zhipu's 1312, Moonshot)
    C.RATE_LIMITED: frozenset({C.QUOTA_EXHAUSTED, C.OVERLOADED}),
    C.SERVER_ERROR: frozenset({C.OVERLOADED}),
    # a 403 that says credit (SiliconFlow, aihubmix), context (Together) or content
    C.PERMISSION_DENIED: frozenset({C.QUOTA_EXHAUSTED, C.CONTEXT_LENGTH_EXCEEDED,
                                    C.CONTENT_FILTERED}),
    C.AUTH_ERROR: frozenset({C.QUOTA_EXHAUSTED}),  # a 401 "Insufficient balance"
    C.NOT_FOUND: frozenset({C.QUOTA_EXHAUSTED}),
}

# Tokens that name a family rather than a cause: a message may say more. (A specific
# code such as rate_limit_exceeded is never second-guessed, and costs no word scan.)
_GENERIC_TOKENS = frozenset({
    "server_error", "internal_error", "internal_server_error", "rate_limit_error",
    "ratelimitexceeded", "invalidparameter",
})


# Which token answers a message may refine, for the generic tokens.
_TOKEN_REFINABLE: dict[C, frozenset[C]] = {
    C.SERVER_ERROR: frozenset({C.OVERLOADED}),
    C.RATE_LIMITED: frozenset({C.OVERLOADED}),
    C.INVALID_REQUEST: _REFINABLE[C.INVALID_REQUEST],
}

# Azure API Management says "exceeded token rate limit" or "exceeded call rate limit".
_KIND_WORDS = (("tokens", ("tokens per min", "(tpm)", "tokens per day", "token rate limit")),
               ("requests", ("requests per min", "(rpm)", "requests per day", "(rpd)",
                             "call rate limit")))


def _token_code(token: Optional[str]) -> Optional[C]:
    if not token:
        return None
    key = token.lower()
    hit = TOKEN_CODES.get(key)
    return hit if hit is not None else _family_code(key)


def _family_code(key: str) -> Optional[C]:
    """A lower-cased token no table names exactly: its dotted parts, suffix or prefix."""
    if "." in key:
        # Alibaba-style dotted codes: the most specific part first, then the family
        # ("InternalError.Algo.InvalidParameter" is a bad parameter, "Throttling.RateQuota"
        # a rate limit)
        parts = key.split(".")
        return _token_code(parts[-1]) or _token_code(parts[0])
    if key in WEAK_TOKENS:
        return None  # "invalid_request_error" is generic: the status or the message says more
    for suffix, code in _SUFFIXES:
        if key.endswith(suffix):
            return code
    for prefix, code in _PREFIXES:
        if key.startswith(prefix):
            return code
    return None


def names_a_failure(token: object) -> bool:
    """Whether a token (an event's ``type``) names an error: ``server_error``,
    ``rate_limit_exceeded``, anything ending in ``_error``."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return False
    key = token.lower()
    return key.endswith("_error") or _token_code(key) is not None


Phrases = tuple[tuple[str, C], ...]


def _phrases(allowed: Optional[frozenset[C]]) -> Phrases:
    """The word table as flat (phrase, code) pairs, in order, for the codes allowed."""
    return tuple((phrase, code) for code, words in _WORDS
                 if allowed is None or code in allowed for phrase in words)


_ALL_PHRASES = _phrases(None)
# One flat table per set a rule may refine into, built once (the sets are the constants
# of the tables above, so this stays small).
_PHRASES: dict[frozenset[C], Phrases] = {
    allowed: _phrases(allowed)
    for allowed in (*_REFINABLE.values(), *_TOKEN_REFINABLE.values(), frozenset())
}


def _words(message: Optional[str], allowed: Optional[frozenset[C]] = None) -> Optional[C]:
    if not message:
        return None
    if allowed is None:
        table = _ALL_PHRASES
    else:
        found = _PHRASES.get(allowed)
        table = found if found is not None else _phrases(allowed)
    text = message.lower()
    for phrase, code in table:
        if phrase in text:
            return code
    return None


def status_code_of(status: Optional[int], fields: ErrorFields) -> Optional[int]:
    """The failure's HTTP status: the wire's when it is an error status, else the body's."""
    if status is not None and 400 <= status <= 599:
        return status
    return fields.body_status


_TOKEN_FIELDS = ("error.code", "error.type", "innererror.code", "details.reason",
                 "error.status")
_BY_TOKEN = tuple(Why("token", name) for name in _TOKEN_FIELDS)
_BY_WIRE_STATUS = Why("status", "http status")
_BY_BODY_STATUS = Why("status", "error status in the body")
_REFINED_WIRE = Why("status refined by words", "error.message")
_REFINED_BODY = Why("body status refined by words", "error.message")
_BY_WEAK = {name: Why("weak token", name) for name in _TOKEN_FIELDS}
_REFINED_WEAK = {name: Why("weak token refined by words", "error.message")
                 for name in _TOKEN_FIELDS}
_BY_WORDS = Why("words", "error.message")
_REFINED_TOKEN = Why("token refined by words", "error.message")
NOTHING = Why("nothing identifiable", "")


def decide(status: Optional[int], fields: ErrorFields) -> tuple[C, Why]:
    """The code for an HTTP status (or None) and the error fields found with it, and why."""
    tokens = (fields.code, fields.type, fields.inner_code, fields.reason, fields.status_word)
    for index, token in enumerate(tokens):
        if not token:
            continue
        key = token.lower()
        hit = TOKEN_CODES.get(key)
        if hit is None:
            hit = _family_code(key)
            if hit is None:
                continue
        elif key not in _GENERIC_TOKENS:
            return hit, _BY_TOKEN[index]  # a specific code: never second-guessed
        refinable = _TOKEN_REFINABLE.get(hit)
        if refinable is not None:
            # type server_error, "is overloaded"; invalid_parameter_error, "Range of input
            # length": the message is more specific than a generic token
            refined = _words(fields.message, refinable)
            if refined is not None:
                return refined, _REFINED_TOKEN
        return hit, _BY_TOKEN[index]
    effective = status_code_of(status, fields)
    if effective is not None:
        on_wire = effective == status
        by_status = STATUS_CODES.get(effective)
        if by_status is None:
            by_status = C.SERVER_ERROR if effective >= 500 else C.UNKNOWN
        refinable = _REFINABLE.get(by_status)
        if refinable is not None:
            refined = _words(fields.message, refinable)
            if refined is not None:
                return refined, _REFINED_WIRE if on_wire else _REFINED_BODY
        return by_status, _BY_WIRE_STATUS if on_wire else _BY_BODY_STATUS
    for name, token in (("error.code", fields.code), ("error.type", fields.type),
                        ("error.status", fields.status_word)):
        weak = WEAK_TOKENS.get(token.lower()) if token else None
        if weak is not None:
            refined = _words(fields.message, _REFINABLE.get(weak, frozenset()))
            if refined is not None:
                return refined, _REFINED_WEAK[name]
            return weak, _BY_WEAK[name]
    found = _words(fields.message)
    if found is not None:
        return found, _BY_WORDS
    return C.UNKNOWN, NOTHING


def decide_kind(fields: ErrorFields) -> Optional[str]:
    """``requests`` or ``tokens`` from the body of a rate-limit error, if it says."""
    for token in (fields.type, fields.code):
        if token:
            key = token.lower()
            if key.startswith("tokens"):
                return "tokens"
            if key.startswith("requests"):
                return "requests"
    if fields.message:
        text = fields.message.lower()
        for kind, words in _KIND_WORDS:
            if any(word in text for word in words):
                return kind
    return None
