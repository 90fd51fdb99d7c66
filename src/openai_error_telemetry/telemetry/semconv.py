"""Every attribute, metric and event name this package emits, as constants.

GenAI, HTTP and error names come from the OpenTelemetry semantic conventions; ours
live under ``openai.*``. ``docs/telemetry.md`` is the contract these spell out.

Which conventions: the GenAI ones as of ``GENAI_CONVENTIONS`` (their repository has no
release yet, so a commit is the pin), HTTP, server, URL and error ones as of the core
release of ``SCHEMA_URL``, which is also what the tracer and meter declare (the same
schema the official instrumentation's helper declares).
"""

from __future__ import annotations

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

# Ours
OPENAI_ERROR_CODE = "openai.error.code"
OPENAI_ERROR_TYPE = "openai.error.type"
OPENAI_ERROR_RETRYABLE = "openai.error.retryable"
OPENAI_RETRY_AFTER = "openai.retry_after"
# One spelling for the rate-limit kind on spans, metrics and logs; the older span
# spelling is still written beside it until the next minor release (telemetry.md).
OPENAI_RATE_LIMIT_KIND_DEPRECATED = "openai.rate_limit.kind"
OPENAI_REQUEST_ID = "openai.request_id"
OPENAI_FAILURE_SOURCE = "openai.failure.source"
OPENAI_RETRY_WILL_RETRY = "openai.retry.will_retry"
OPENAI_RETRY_DELAY = "openai.retry.delay"
OPENAI_RETRY_GUARD_STOPPED = "openai.retry.guard_stopped"
OPENAI_RATELIMIT_KIND = "openai.ratelimit.kind"
OPENAI_RESPONSE_STATUS = "openai.response.status"
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
OPENAI_STREAM_TIME_TO_FIRST_CHUNK = "openai.stream.time_to_first_chunk"
# Span attributes whose conventions name came after ours: by default the older name is
# written beside it until the next minor release; the latest-names opt-in drops it.
OLDER_SPAN_NAMES: tuple[tuple[str, str], ...] = (
    (GEN_AI_RESPONSE_STATUS, OPENAI_RESPONSE_STATUS),
    (GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, OPENAI_STREAM_TIME_TO_FIRST_CHUNK),
)
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
# The same count for background Responses only, as before jobs had their own table.
METRIC_BACKGROUND_RESPONSES = "openai.background.responses"
METRIC_RATELIMIT_REMAINING = "openai.ratelimit.remaining"
METRIC_RATELIMIT_LIMIT = "openai.ratelimit.limit"

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
