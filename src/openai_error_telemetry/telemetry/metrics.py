"""The metric instruments: names, units, bucket boundaries, created once per instrument().

The names are a contract (``docs/telemetry.md``); the dashboards and alert rules query
them. ``latest_names`` (the stability opt-in) records inference operations under the
latest conventions' ``gen_ai.client.inference.*`` names instead of the older ones.
"""

from __future__ import annotations

from typing import Optional

from opentelemetry.metrics import Histogram, Meter, MeterProvider, get_meter

from .. import __version__
from . import semconv
from .counts import Totals, observable_totals
from .health import HealthAlertState, health_alert_state
from .ratelimits import RateLimitState, rate_limit_state
from .semconv import OwnNames

# The GenAI semantic conventions' advice for durations (seconds) and token counts.
DURATION_BUCKETS: tuple[float, ...] = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)
TOKEN_BUCKETS: tuple[float, ...] = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
    67108864,
)
# Retry backoff: the SDK sleeps 0.5 s x 2^n (capped at 8 s) or a Retry-After up to 120 s.
RETRY_DELAY_BUCKETS: tuple[float, ...] = (
    0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0,
)


class LatestInstruments:
    """The latest conventions' inference names, which replace the older ones when opted in:
    duration and time to first chunk of inference operations, and token counters."""

    __slots__ = ("duration", "input_tokens", "output_tokens", "time_to_first_chunk")

    def __init__(self, meter: Meter) -> None:
        self.duration = meter.create_histogram(
            semconv.METRIC_INFERENCE_DURATION, unit="s",
            description="Duration of a GenAI inference operation, retries included.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            semconv.METRIC_INFERENCE_TIME_TO_FIRST_CHUNK, unit="s",
            description="Time from the request to the first chunk of a streamed inference.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.input_tokens: Totals = observable_totals(
            meter, semconv.METRIC_INFERENCE_INPUT_TOKENS, unit="{token}",
            description="Input tokens used, cached ones included.",
        )
        self.output_tokens: Totals = observable_totals(
            meter, semconv.METRIC_INFERENCE_OUTPUT_TOKENS, unit="{token}",
            description="Output tokens used, reasoning ones included.",
        )


class Instruments:
    """Every instrument the hooks record into."""

    __slots__ = (
        "attempts",
        "duration",
        "health",
        "jobs",
        "latest",
        "names",
        "ratelimits",
        "retry_delay",
        "time_to_first_chunk",
        "token_usage",
    )

    def __init__(self, meter: Meter, latest_names: bool = False) -> None:
        # how our own names are spelt in this mode: read by the recorder too
        self.names: OwnNames = semconv.own_names(latest_names)
        names = self.names
        self.duration: Histogram = meter.create_histogram(
            semconv.METRIC_OPERATION_DURATION, unit="s",
            description="Duration of an OpenAI operation, retries included.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.token_usage: Histogram = meter.create_histogram(
            semconv.METRIC_TOKEN_USAGE, unit="{token}",
            description="Input and output tokens used by an operation.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.time_to_first_chunk: Histogram = meter.create_histogram(
            semconv.METRIC_TIME_TO_FIRST_CHUNK, unit="s",
            description="Time from the request to the first chunk of a stream.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        # Counters are totals of ours, read at collection time (counts.py): an add is
        # an integer increment on the call path instead of the SDK's measurement.
        self.attempts: Totals = observable_totals(
            meter, names.metric_attempts, unit="{attempt}",
            description="HTTP attempts, the SDK's own retries included.",
        )
        self.retry_delay: Histogram = meter.create_histogram(
            names.metric_retry_delay, unit="s",
            description="Backoff the SDK sleeps before a retry, by the error that caused it.",
            explicit_bucket_boundaries_advisory=RETRY_DELAY_BUCKETS,
        )
        self.jobs: Totals = observable_totals(
            meter, names.metric_jobs_ended, unit="{job}",
            description="Asynchronous jobs seen ended (any surface), each counted once.",
        )
        # the rate-limit remaining / limit gauges: observable, read at collection time
        self.ratelimits: RateLimitState = rate_limit_state(meter, names)
        # OpenAI's own health alerts, as webhooks announce them
        self.health: HealthAlertState = health_alert_state(meter, names)
        self.latest: Optional[LatestInstruments] = (
            LatestInstruments(meter) if latest_names else None
        )


def create_instruments(
    meter_provider: Optional[MeterProvider] = None, latest_names: bool = False
) -> Instruments:
    """The instruments on our own meter, from the given or the global provider."""
    meter = get_meter(semconv.METER_NAME, __version__, meter_provider,
                      schema_url=semconv.SCHEMA_URL)
    return Instruments(meter, latest_names)
