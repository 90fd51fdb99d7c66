"""The numbers the view and summary show, from metric points recorded by the real instruments."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from openai_error_telemetry.demo import report
from openai_error_telemetry.demo.snapshot import quantile, read
from openai_error_telemetry.telemetry import semconv
from openai_error_telemetry.telemetry.metrics import create_instruments


def test_quantile_interpolates_inside_the_bucket_like_histogram_quantile() -> None:
    bounds = (0.1, 0.2, 0.4)
    counts = [0, 10, 10, 0]  # 10 in (0.1, 0.2], 10 in (0.2, 0.4]
    assert quantile(0.5, bounds, counts) == pytest.approx(0.2)
    assert quantile(0.25, bounds, counts) == pytest.approx(0.15)
    assert quantile(0.95, bounds, counts) == pytest.approx(0.38)
    assert quantile(0.99, bounds, [0, 0, 0, 5]) == 0.4  # beyond the last bound
    assert quantile(0.5, bounds, [0, 0, 0, 0]) is None


def test_read_counts_calls_attempts_retries_background_and_headroom() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    instruments = create_instruments(provider)
    base = {semconv.GEN_AI_OPERATION_NAME: "chat", semconv.GEN_AI_REQUEST_MODEL: "m"}
    instruments.duration.record(0.05, base)
    instruments.duration.record(0.3, {**base, semconv.ERROR_TYPE: "rate_limited"})
    instruments.duration.record(0.3, {**base, semconv.ERROR_TYPE: "rate_limited"})
    instruments.attempts.add(3, {**base, semconv.ERROR_TYPE: "rate_limited",
                                 semconv.OPENAI_RETRY_WILL_RETRY: True})
    instruments.attempts.add(2, {**base, semconv.ERROR_TYPE: "rate_limited",
                                 semconv.OPENAI_RETRY_WILL_RETRY: False})
    instruments.attempts.add(1, {**base, semconv.OPENAI_RETRY_WILL_RETRY: False})
    instruments.retry_delay.record(0.5, {**base, semconv.ERROR_TYPE: "rate_limited"})
    instruments.retry_delay.record(1.5, {**base, semconv.ERROR_TYPE: "rate_limited"})
    instruments.jobs.add(1, {**base, semconv.OPENAI_JOB_STATUS: "completed"})
    instruments.jobs.add(1, {**base, semconv.OPENAI_JOB_STATUS: "failed",
                                    semconv.ERROR_TYPE: "server_error"})
    for model, remaining in (("a", 900.0), ("b", 100.0)):
        instruments.ratelimits.update("api.test", model, {("requests", "remaining"): remaining,
                                                          ("requests", "limit"): 1000.0})

    snapshot = read(reader.get_metrics_data())

    assert snapshot.calls == 3
    assert dict(snapshot.failed_calls) == {"rate_limited": 2}
    assert snapshot.attempts == 6
    assert dict(snapshot.failed_attempts) == {"rate_limited": 5}
    assert snapshot.hidden_retries == 3
    assert snapshot.retry_delay_s == pytest.approx(2.0)
    assert dict(snapshot.background) == {"completed": 1, "failed": 1}
    assert dict(snapshot.background_failed) == {"server_error": 1}
    assert snapshot.headroom == {"requests": (100.0, 1000.0)}  # the tightest model
    assert snapshot.p50_s is not None
    assert 0.16 < snapshot.p50_s <= 0.32
    assert report.code_rows(snapshot) == [("rate_limited", 2, 5, 3, 0), ("server_error", 0, 0, 0, 1)]
    provider.shutdown()


def test_read_of_nothing_is_zero() -> None:
    snapshot = read(None)
    assert (snapshot.calls, snapshot.attempts, snapshot.p50_s) == (0, 0, None)
    assert report.headroom(snapshot) == "-"


def test_lowest_keeps_the_smallest_share_left_per_kind() -> None:
    earlier = read(None)
    earlier.headroom = {"tokens": (10.0, 100.0), "requests": (90.0, 100.0)}
    now = read(None)
    now.headroom = {"tokens": (50.0, 100.0), "requests": (5.0, 100.0)}
    assert now.lowest(earlier) == {"tokens": (10.0, 100.0), "requests": (5.0, 100.0)}
    assert report.headroom(now, now.lowest(earlier)) == "requests 5% (5/100), tokens 10% (10/100)"
