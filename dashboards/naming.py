"""Prometheus names of the contract's metrics (docs/telemetry.md), per naming variant.

Two things change a name. The backend: ``classic`` is what the Python Prometheus exporter
and the default OTLP-to-Prometheus translation produce (unit suffix ``_seconds``, counter
suffix ``_total``); ``nosuffix`` is what a backend ingesting OTLP without suffixes
produces (self-hosted Mimir's default, Prometheus' ``UnderscoreEscapingWithoutSuffixes``).
And the instrumentation's naming mode: by default the older GenAI names and our names
under ``openai.*``; with the latest-names opt-in (``latest-*`` variants) inference
operations' durations, time to first chunk and tokens under the latest GenAI names, and
ours under ``openai_error_telemetry.*``. Our own names come from the package's one table
(``semconv.OwnNames``), turned into Prometheus spelling here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from openai_error_telemetry.classify.jobs import SURFACES
from openai_error_telemetry.telemetry import semconv

from .promql import any_of

VARIANTS = ("classic", "nosuffix", "latest-classic", "latest-nosuffix")

# Label names (OpenTelemetry attribute names with dots turned into underscores) that
# both modes share.
ERROR_TYPE = "error_type"
MODEL = "gen_ai_request_model"
PROVIDER = "gen_ai_provider_name"
OPERATION = "gen_ai_operation_name"
TOKEN_TYPE = "gen_ai_token_type"
STATUS_CODE = "http_response_status_code"

# The operations that read a job (a poll, a retrieve, a listing), from the jobs table:
# ``fetch_response`` and ``<resource>.retrieve|list`` of every surface with an API path.
POLL_OPERATIONS = "|".join(
    ["fetch_response", "beta.responses.retrieve"]
    + [f"{row.resource.removeprefix('client.')}.(retrieve|list)"
       for row in SURFACES if row.api_path]
)
# matchers: an operation that reads a job (a poll), and one that is a call
POLL = f'{OPERATION}=~"{POLL_OPERATIONS}"'
NOT_POLL = f'{OPERATION}!~"{POLL_OPERATIONS}"'


def prometheus(name: str) -> str:
    """An OpenTelemetry attribute or metric name as a Prometheus name (before suffixes)."""
    return name.replace(".", "_")


@dataclass(frozen=True)
class Names:
    """Metric and label names of one variant. Histograms are base names: add
    _bucket/_count/_sum. A tuple: every name that series is written under in that mode."""

    variant: str
    latest: bool
    durations: tuple[str, ...]
    first_chunks: tuple[str, ...]
    tokens: Optional[str]  # the token histogram (default mode)
    input_tokens: Optional[str]  # the token counters (latest mode)
    output_tokens: Optional[str]
    attempts: str
    retry_delay: str
    jobs: str
    ratelimit_remaining: str
    ratelimit_limit: str
    health_alerts: str
    will_retry: str
    ratelimit_kind: str
    job_type: str
    job_status: str

    def duration(self, suffix: str) -> str:
        """The operation-duration histogram's ``suffix`` series, whatever its name."""
        return any_of(f"{name}_{suffix}" for name in self.durations)

    def first_chunk(self, suffix: str) -> str:
        return any_of(f"{name}_{suffix}" for name in self.first_chunks)

    def metric_names(self) -> set[str]:
        """Every metric name of this variant (histograms with their three series)."""
        histograms = (*self.durations, *self.first_chunks, self.retry_delay,
                      *((self.tokens,) if self.tokens else ()))
        plain = (self.attempts, self.jobs, self.ratelimit_remaining, self.ratelimit_limit,
                 self.health_alerts,
                 *(n for n in (self.input_tokens, self.output_tokens) if n))
        return {f"{h}_{s}" for h in histograms for s in ("bucket", "count", "sum")} | set(plain)


def names(variant: str) -> Names:
    if variant not in VARIANTS:
        raise ValueError(f"unknown naming variant {variant!r}; expected one of {VARIANTS}")
    latest = variant.startswith("latest-")
    classic = variant.endswith("classic")
    seconds = "_seconds" if classic else ""
    total = "_total" if classic else ""
    own = semconv.own_names(latest)

    def counter(name: str) -> str:
        return f"{prometheus(name)}{total}"

    operation = prometheus(semconv.METRIC_OPERATION_DURATION) + seconds
    first_chunk = prometheus(semconv.METRIC_TIME_TO_FIRST_CHUNK) + seconds
    return Names(
        variant=variant,
        latest=latest,
        durations=(operation, prometheus(semconv.METRIC_INFERENCE_DURATION) + seconds)
        if latest else (operation,),
        first_chunks=(first_chunk,
                      prometheus(semconv.METRIC_INFERENCE_TIME_TO_FIRST_CHUNK) + seconds)
        if latest else (first_chunk,),
        tokens=None if latest else prometheus(semconv.METRIC_TOKEN_USAGE),
        input_tokens=counter(semconv.METRIC_INFERENCE_INPUT_TOKENS) if latest else None,
        output_tokens=counter(semconv.METRIC_INFERENCE_OUTPUT_TOKENS) if latest else None,
        attempts=counter(own.metric_attempts),
        retry_delay=prometheus(own.metric_retry_delay) + seconds,
        jobs=counter(own.metric_jobs_ended),
        ratelimit_remaining=prometheus(own.metric_ratelimit_remaining),
        ratelimit_limit=prometheus(own.metric_ratelimit_limit),
        health_alerts=prometheus(own.metric_health_alerts_active),
        will_retry=prometheus(own.retry_will_retry),
        ratelimit_kind=prometheus(own.ratelimit_kind),
        job_type=prometheus(own.job_type),
        job_status=prometheus(own.job_status),
    )
