"""Every attribute, metric and event name this package emits, as constants.

GenAI, HTTP and error names come from the OpenTelemetry semantic conventions; ours
are in ``OwnNames``: under ``openai_error_telemetry.*`` with the latest-names opt-in, and
under their older ``openai.*`` spelling by default (the conventions now own ``openai.*``).
``docs/telemetry.md`` is the contract these spell out.

Which conventions: the GenAI ones as of ``GENAI_CONVENTIONS`` (their repository has no
release yet, so a commit is the pin), HTTP, server, URL and error ones as of the core
release of ``SCHEMA_URL``, which is also what the tracer and meter declare (the same
schema the official instrumentation's helper declares).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

GENAI_CONVENTIONS = (
    "open-telemetry/semantic-conventions-genai@e8fc5751506258db1459d1bde47994e01dee922e"
)
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"

# GenAI semantic conventions
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_RESPONSE_ID = "gen_ai.response.id"
GEN_AI_RESPONSE_STATUS = "gen_ai.response.status"
GEN_AI_REQUEST_STREAM = "gen_ai.request.stream"
GEN_AI_REQUEST_STREAM_CURSOR = "gen_ai.request.stream_cursor"
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
GEN_AI_TOKEN_MODALITY = "gen_ai.token.modality"
# The usage the SDK reports is a total per direction, not split by modality.
MODALITY_UNKNOWN = "unknown"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"

# The operations whose duration and tokens the newer gen_ai.client.inference.* names cover.
INFERENCE_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
# Reading a Responses result again (GET responses/{id}): no new generation, so no tokens.
OPERATION_FETCH_RESPONSE = "fetch_response"

PROVIDER_OPENAI = "openai"
PROVIDER_AZURE = "azure.ai.openai"
PROVIDER_BEDROCK = "aws.bedrock"
TOKEN_INPUT = "input"
TOKEN_OUTPUT = "output"

# Server, HTTP and error conventions
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"
HTTP_REQUEST_METHOD = "http.request.method"
HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
HTTP_REQUEST_RESEND_COUNT = "http.request.resend_count"
URL_PATH = "url.path"
URL_FULL = "url.full"
ERROR_TYPE = "error.type"
EXCEPTION_TYPE = "exception.type"
# The GenAI log event for an exception a client operation raised (events.py)
EVENT_OPERATION_EXCEPTION = "gen_ai.client.operation.exception"
GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
# OpenAI's own conventions (semantic-conventions, model/openai/registry.yaml)
OPENAI_API_TYPE = "openai.api.type"
API_TYPE_CHAT_COMPLETIONS = "chat_completions"
API_TYPE_RESPONSES = "responses"
OPENAI_REQUEST_SERVICE_TIER = "openai.request.service_tier"
OPENAI_RESPONSE_SERVICE_TIER = "openai.response.service_tier"
OPENAI_RESPONSE_SYSTEM_FINGERPRINT = "openai.response.system_fingerprint"

# Ours
OPENAI_ERROR_CODE = "openai.error.code"
OPENAI_ERROR_TYPE = "openai.error.type"
OPENAI_ERROR_RETRYABLE = "openai.error.retryable"
OPENAI_RETRY_AFTER = "openai.retry_after"
OPENAI_REQUEST_ID = "openai.request_id"
OPENAI_FAILURE_SOURCE = "openai.failure.source"
OPENAI_RETRY_WILL_RETRY = "openai.retry.will_retry"
OPENAI_RETRY_DELAY = "openai.retry.delay"
OPENAI_RETRY_GUARD_STOPPED = "openai.retry.guard_stopped"
OPENAI_RATELIMIT_KIND = "openai.ratelimit.kind"
OPENAI_RESPONSE_BACKGROUND = "openai.response.background"
# Asynchronous jobs (classify/jobs.py): which kind, its status, and (span events only) id
OPENAI_JOB_TYPE = "openai.job.type"
OPENAI_JOB_STATUS = "openai.job.status"
OPENAI_JOB_ID = "openai.job.id"
OPENAI_STREAM = "openai.stream"
OPENAI_STREAM_OUTCOME = "openai.stream.outcome"
# ... and its values: how the stream ended
STREAM_COMPLETED = "completed"
STREAM_FAILED = "failed"
STREAM_CLOSED = "closed"
STREAM_ABANDONED = "abandoned"
OPENAI_ATTEMPTS = "openai.attempts"

# Span events
EVENT_RETRY = "openai.retry"
EVENT_FIRST_CHUNK = "gen_ai.first_chunk"
EVENT_JOB_ENDED = "openai.job.ended"

# Metrics (names are a contract: the dashboards and alerts are built on them)
METER_NAME = "openai_error_telemetry"
METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
METRIC_ATTEMPTS = "openai.client.attempts"
METRIC_RETRY_DELAY = "openai.client.retry.delay"
METRIC_JOBS_ENDED = "openai.jobs.ended"
METRIC_RATELIMIT_REMAINING = "openai.ratelimit.remaining"
METRIC_RATELIMIT_LIMIT = "openai.ratelimit.limit"
METRIC_HEALTH_ALERTS_ACTIVE = "openai.health.alerts.active"

# The latest GenAI names, emitted instead of the three above when opted in
# (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental): inference operations
# get their own duration and time to first chunk, tokens are counters by modality.
METRIC_INFERENCE_DURATION = "gen_ai.client.inference.duration"
METRIC_INFERENCE_TIME_TO_FIRST_CHUNK = "gen_ai.client.inference.time_to_first_chunk"
METRIC_INFERENCE_INPUT_TOKENS = "gen_ai.client.inference.usage.input_tokens"
METRIC_INFERENCE_OUTPUT_TOKENS = "gen_ai.client.inference.usage.output_tokens"

# Log event names
LOG_ATTEMPT_FAILED = "openai.attempt.failed"
LOG_OPERATION_FAILED = "openai.operation.failed"
LOG_STREAM_FAILED = "openai.stream.failed"
LOG_JOB_FAILED = "openai.job.failed"
LOG_HEALTH_ALERT = "openai.health_alert"

# OpenAI's own health alerts (Admin API), as their webhooks announce them
OPENAI_HEALTH_ALERT_STATE = "openai.health_alert.state"
OPENAI_HEALTH_ALERT_ID = "openai.health_alert.id"


# Our own names, in the one place that says how each mode spells them.
OWN_NAMESPACE = "openai_error_telemetry"
_OLDER_NAMESPACE = "openai"


@dataclass(frozen=True)
class OwnNames:
    """Every name of ours, as one mode writes it: one spelling per concept."""

    error_code: str
    error_type: str
    error_retryable: str
    retry_after: str
    ratelimit_kind: str
    request_id: str
    failure_source: str
    retry_will_retry: str
    retry_delay: str
    retry_guard_stopped: str
    response_background: str
    job_type: str
    job_status: str
    job_id: str
    stream_outcome: str
    event_retry: str
    event_job_ended: str
    metric_attempts: str
    metric_retry_delay: str
    metric_jobs_ended: str
    metric_ratelimit_remaining: str
    metric_ratelimit_limit: str
    log_attempt_failed: str
    log_operation_failed: str
    log_stream_failed: str
    log_job_failed: str
    health_alert_state: str
    health_alert_id: str
    metric_health_alerts_active: str
    log_health_alert: str


OLDER_NAMES = OwnNames(
    error_code=OPENAI_ERROR_CODE,
    error_type=OPENAI_ERROR_TYPE,
    error_retryable=OPENAI_ERROR_RETRYABLE,
    retry_after=OPENAI_RETRY_AFTER,
    ratelimit_kind=OPENAI_RATELIMIT_KIND,
    request_id=OPENAI_REQUEST_ID,
    failure_source=OPENAI_FAILURE_SOURCE,
    retry_will_retry=OPENAI_RETRY_WILL_RETRY,
    retry_delay=OPENAI_RETRY_DELAY,
    retry_guard_stopped=OPENAI_RETRY_GUARD_STOPPED,
    response_background=OPENAI_RESPONSE_BACKGROUND,
    job_type=OPENAI_JOB_TYPE,
    job_status=OPENAI_JOB_STATUS,
    job_id=OPENAI_JOB_ID,
    stream_outcome=OPENAI_STREAM_OUTCOME,
    event_retry=EVENT_RETRY,
    event_job_ended=EVENT_JOB_ENDED,
    metric_attempts=METRIC_ATTEMPTS,
    metric_retry_delay=METRIC_RETRY_DELAY,
    metric_jobs_ended=METRIC_JOBS_ENDED,
    metric_ratelimit_remaining=METRIC_RATELIMIT_REMAINING,
    metric_ratelimit_limit=METRIC_RATELIMIT_LIMIT,
    log_attempt_failed=LOG_ATTEMPT_FAILED,
    log_operation_failed=LOG_OPERATION_FAILED,
    log_stream_failed=LOG_STREAM_FAILED,
    log_job_failed=LOG_JOB_FAILED,
    health_alert_state=OPENAI_HEALTH_ALERT_STATE,
    health_alert_id=OPENAI_HEALTH_ALERT_ID,
    metric_health_alerts_active=METRIC_HEALTH_ALERTS_ACTIVE,
    log_health_alert=LOG_HEALTH_ALERT,
)


def _moved(older: OwnNames) -> OwnNames:
    """The latest spelling: each name of ours under our namespace. Derived, so the two
    modes cannot name different things."""
    prefix = _OLDER_NAMESPACE + "."
    moved: dict[str, object] = {}
    for field in fields(older):
        value = getattr(older, field.name)
        if isinstance(value, str) and value.startswith(prefix):
            moved[field.name] = f"{OWN_NAMESPACE}.{value[len(prefix):]}"
    return replace(older, **moved)  # type: ignore[arg-type]


LATEST_NAMES = _moved(OLDER_NAMES)


def own_names(latest: bool) -> OwnNames:
    return LATEST_NAMES if latest else OLDER_NAMES
