"""Prometheus names of the contract's metrics (docs/telemetry.md), in both spellings.

``classic`` is what the Python Prometheus exporter and the default OTLP-to-Prometheus
translation produce (unit suffix ``_seconds``, counter suffix ``_total``); ``nosuffix``
is what a backend ingesting OTLP without suffixes produces (self-hosted Mimir's default,
Prometheus' ``UnderscoreEscapingWithoutSuffixes``). Label names are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass

VARIANTS = ("classic", "nosuffix")

# Label names (OpenTelemetry attribute names with dots turned into underscores).
ERROR_TYPE = "error_type"
MODEL = "gen_ai_request_model"
PROVIDER = "gen_ai_provider_name"
OPERATION = "gen_ai_operation_name"
TOKEN_TYPE = "gen_ai_token_type"
STATUS_CODE = "http_response_status_code"
WILL_RETRY = "openai_retry_will_retry"
RATELIMIT_KIND = "openai_ratelimit_kind"
RESPONSE_STATUS = "openai_response_status"
JOB_TYPE = "openai_job_type"
JOB_STATUS = "openai_job_status"


@dataclass(frozen=True)
class Names:
    """Metric names of one variant. Histograms are base names: add _bucket/_count/_sum."""

    variant: str
    duration: str
    tokens: str
    first_chunk: str
    attempts: str
    retry_delay: str
    background: str
    jobs: str
    ratelimit_remaining: str
    ratelimit_limit: str


def names(variant: str) -> Names:
    if variant not in VARIANTS:
        raise ValueError(f"unknown naming variant {variant!r}; expected one of {VARIANTS}")
    seconds = "_seconds" if variant == "classic" else ""
    total = "_total" if variant == "classic" else ""
    return Names(
        variant=variant,
        duration=f"gen_ai_client_operation_duration{seconds}",
        tokens="gen_ai_client_token_usage",
        first_chunk=f"gen_ai_client_operation_time_to_first_chunk{seconds}",
        attempts=f"openai_client_attempts{total}",
        retry_delay=f"openai_client_retry_delay{seconds}",
        background=f"openai_background_responses{total}",
        jobs=f"openai_jobs_ended{total}",
        ratelimit_remaining="openai_ratelimit_remaining",
        ratelimit_limit="openai_ratelimit_limit",
    )
