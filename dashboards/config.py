"""Every knob of the bundle in one place: selectors, thresholds, windows, the SLO.

Dashboards, alert rules and recording rules all read this object, so a team changes a
threshold or adds a selector here once and regenerates (``make dashboards``). ``fast()``
derives the short-window profile the end-to-end test loads into a real Prometheus: same
rules, seconds instead of minutes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from openai_error_telemetry.classify.jobs import FAILURES, Outcome
from openai_error_telemetry.codes import Family, codes_of

# The codes the availability SLO counts: the provider's failures (the transient
# families of the contract), not the caller's.
TRANSIENT_CODES = tuple(code.value for code in codes_of(
    Family.RATE, Family.SERVER, Family.TIMEOUT, Family.CONNECTION))
# The codes that say the provider failed (not the caller, not a limit): the outage
# alert, the per-model alert and the Overview's "OpenAI failing?" panel read them.
PROVIDER_CODES = tuple(code.value for code in codes_of(
    Family.SERVER, Family.TIMEOUT, Family.CONNECTION))
# Job ends that carry a code but are no failure (a cancel someone asked for), from the
# jobs table's outcomes: every other coded end on openai.jobs.ended is a failed job.
JOB_ENDS_NOT_FAILED = tuple(sorted(
    outcome.value for outcome in Outcome
    if outcome not in FAILURES and outcome not in (Outcome.PENDING, Outcome.SUCCEEDED)))


@dataclass(frozen=True)
class BurnWindow:
    """One pair of the multi-window, multi-burn-rate alert (SRE workbook, ch. 5)."""

    long: str
    short: str
    factor: float
    severity: str
    for_: str


@dataclass(frozen=True)
class Config:
    """What a team tunes. Durations are PromQL duration strings."""

    # Extra matchers put into every alert and recording-rule selector, e.g. 'env="prod"'.
    # Dashboards always add job=~"$job" on top.
    selector: str = ""
    # Labels alerts are aggregated by (each alert instance is one of these).
    group_by: tuple[str, ...] = ("job",)

    # Window of the ratio alerts' rate() and how long a condition must hold.
    rate_window: str = "5m"
    # Ignore ratios computed from fewer operations (or attempts) per second than this.
    min_rate: float = 0.05

    rate_limit_ratio: float = 0.10  # share of attempts answered 429 rate_limited
    # short, so the warning clears within minutes of the spike's end
    rate_limit_window: str = "2m"
    rate_limit_for: str = "3m"
    # A provider outage, read on HTTP attempts (retries hide it from calls until they
    # run out): this share of attempts failing with a server, timeout or connection code.
    outage_ratio: float = 0.25
    outage_window: str = "5m"
    outage_for: str = "5m"
    quota_for: str = "1m"  # quota never heals by itself: page fast
    server_error_ratio: float = 0.05
    server_error_for: str = "10m"
    overloaded_ratio: float = 0.05
    overloaded_for: str = "10m"
    timeout_ratio: float = 0.05
    timeout_for: str = "10m"
    auth_for: str = "2m"
    background_window: str = "15m"
    background_failure_ratio: float = 0.10
    background_for: str = "15m"
    headroom_ratio: float = 0.10  # remaining/limit below this is "low"
    # The median of the headroom over this window: a bucket refill lifts one reading,
    # not the median, so the condition survives refills.
    headroom_window: str = "10m"
    headroom_step: str = "1m"  # the readings the median is taken over, one per step
    headroom_for: str = "5m"
    # One model failing while the rest work (its share of traffic may be small): the
    # share of that model's operations failing with a provider code.
    model_failure_ratio: float = 0.5
    model_window: str = "10m"
    model_for: str = "10m"
    # A model that rejects every call (retired: not_found; or a request the API refuses):
    # the share of its operations failing with a client code, held this long. A ticket.
    rejected_ratio: float = 0.5
    rejected_window: str = "15m"
    rejected_for: str = "15m"
    # Surfaces with few, long jobs: one failed job is a ticket, whatever the ratio.
    single_failure_surfaces: tuple[str, ...] = ("batch", "fine_tuning.job", "eval.run")
    job_failed_window: str = "30m"
    # Telemetry that stopped: a job that exported attempts within this lookback and
    # none now.
    telemetry_lookback: str = "1h"
    telemetry_for: str = "10m"

    # Availability objective over operations (calls as the application saw them,
    # after the SDK's own retries). Which codes spend the error budget:
    slo_target: float = 0.99
    slo_error_codes: tuple[str, ...] = TRANSIENT_CODES
    burn_windows: tuple[BurnWindow, ...] = (
        BurnWindow("1h", "5m", 14.4, "critical", "2m"),
        BurnWindow("6h", "30m", 6.0, "critical", "15m"),
        BurnWindow("1d", "2h", 3.0, "warning", "1h"),
        BurnWindow("3d", "6h", 1.0, "warning", "3h"),
    )

    severity_critical: str = "critical"
    severity_warning: str = "warning"
    runbook_url: str = (
        "https://github.com/openai-error-telemetry/openai-error-telemetry/blob/main/"
        "docs/runbooks.md"
    )

    # Dashboard identity.
    dashboard_uid: str = "openai-error-telemetry"
    dashboard_title: str = "OpenAI / API errors"
    dashboard_tags: tuple[str, ...] = ("openai", "openai-error-telemetry")
    refresh: str = "30s"
    # Where the dashboard is served: each alert links to it, filtered to the alert's job.
    grafana_url: str = "http://localhost:3000"
    time_from: str = "now-3h"
    # LogQL stream selector for the "logs of this code" link (Loki OTLP ingestion
    # makes service.name a stream label and error.type structured metadata).
    loki_stream_selector: str = '{service_name=~".+"}'

    extra_labels: dict[str, str] = field(default_factory=dict)

    def dashboard(self) -> str:
        return f"{self.grafana_url}/d/{self.dashboard_uid}?var-job={{{{ $labels.job }}}}"

    def runbook(self, alertname: str) -> str:
        """GitHub renders a heading '## OpenAIQuotaExhausted' as anchor '#openaiquotaexhausted'."""
        return f"{self.runbook_url}#{alertname.lower()}"


DEFAULT = Config()


def fast(config: Config = DEFAULT) -> Config:
    """The same rules with second-long windows, for a Prometheus evaluating every second.

    Used only by the end-to-end test; never shipped.
    """
    return dataclasses.replace(
        config,
        rate_window="10s",
        min_rate=0.01,
        rate_limit_window="10s",
        rate_limit_for="2s",
        outage_window="10s",
        outage_for="2s",
        headroom_window="10s",
        headroom_step="1s",
        model_window="10s",
        model_for="2s",
        rejected_window="10s",
        rejected_for="2s",
        job_failed_window="20s",
        telemetry_lookback="1m",
        telemetry_for="5s",
        quota_for="1s",
        server_error_for="2s",
        overloaded_for="2s",
        timeout_for="2s",
        auth_for="1s",
        background_window="10s",
        background_for="2s",
        headroom_for="2s",
        burn_windows=(
            BurnWindow("20s", "10s", 14.4, "critical", "1s"),
            BurnWindow("30s", "10s", 6.0, "critical", "2s"),
            BurnWindow("40s", "20s", 3.0, "warning", "3s"),
            BurnWindow("60s", "30s", 1.0, "warning", "5s"),
        ),
    )
