"""The numbers the live view and the summary show, read from the exported metric points.

Everything here comes from one ``collect`` of the in-memory reader that sits beside the
Prometheus exporter on the same ``MeterProvider``: the view cannot tell a story the
metrics do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    HistogramDataPoint,
    MetricsData,
    NumberDataPoint,
    Sum,
)

from ..telemetry import semconv


@dataclass
class Snapshot:
    """Cumulative totals since the start of the run."""

    calls: int = 0
    failed_calls: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    failed_attempts: Counter[str] = field(default_factory=Counter)
    retried_attempts: Counter[str] = field(default_factory=Counter)
    retry_delay_s: float = 0.0
    background: Counter[str] = field(default_factory=Counter)
    background_failed: Counter[str] = field(default_factory=Counter)
    p50_s: Optional[float] = None
    p95_s: Optional[float] = None
    # kind ("requests"/"tokens") -> (remaining, limit) of the tightest model
    headroom: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def failures(self) -> int:
        return sum(self.failed_calls.values())

    @property
    def hidden_retries(self) -> int:
        """Failed attempts the SDK retried: the caller never saw them."""
        return sum(self.retried_attempts.values())

    def lowest(self, earlier: Snapshot) -> dict[str, tuple[float, float]]:
        """Per kind, the smaller headroom of this snapshot and an earlier low."""
        low = dict(earlier.headroom)
        for kind, pair in self.headroom.items():
            seen = low.get(kind)
            if seen is None or pair[0] / pair[1] < seen[0] / seen[1]:
                low[kind] = pair
        return low

    def codes(self) -> list[str]:
        """Every code seen on a call, an attempt or a background job, most frequent first."""
        seen: Counter[str] = Counter()
        for counts in (self.failed_calls, self.failed_attempts, self.background_failed):
            seen.update(counts)
        return [code for code, _ in seen.most_common()]


@dataclass
class _Buckets:
    bounds: Sequence[float] = ()
    counts: list[int] = field(default_factory=list)

    def add(self, point: HistogramDataPoint) -> None:
        if not self.counts:
            self.bounds = tuple(point.explicit_bounds)
            self.counts = [0] * len(point.bucket_counts)
        if tuple(point.explicit_bounds) == tuple(self.bounds):
            for index, count in enumerate(point.bucket_counts):
                self.counts[index] += count


def quantile(q: float, bounds: Sequence[float], counts: Sequence[int]) -> Optional[float]:
    """Prometheus' ``histogram_quantile``: linear inside the bucket, the top bound beyond.

    A bucket histogram cannot say more than which bucket holds the quantile; the
    interpolation is the same estimate a Grafana panel shows.
    """
    total = sum(counts)
    if total == 0 or not bounds:
        return None
    rank = q * total
    seen = 0.0
    for index, count in enumerate(counts):
        if seen + count >= rank and count > 0:
            if index >= len(bounds):
                return float(bounds[-1])
            lower = 0.0 if index == 0 else float(bounds[index - 1])
            upper = float(bounds[index])
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(bounds[-1])


def _attr(attributes: Optional[Mapping[str, Any]], name: str) -> Optional[str]:
    value = (attributes or {}).get(name)
    return None if value is None else str(value)


def _metrics(data: Optional[MetricsData]) -> Iterable[tuple[str, Any]]:
    if data is None:
        return
    for resource_metrics in data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            if scope_metrics.scope.name != semconv.METER_NAME:
                continue
            for metric in scope_metrics.metrics:
                yield metric.name, metric.data


def _histogram_points(data: Any) -> Iterable[HistogramDataPoint]:
    return data.data_points if isinstance(data, Histogram) else ()


def _number_points(data: Any) -> Iterable[NumberDataPoint]:
    return data.data_points if isinstance(data, (Sum, Gauge)) else ()


def _read_duration(snapshot: Snapshot, data: Any, buckets: _Buckets) -> None:
    for point in _histogram_points(data):
        snapshot.calls += point.count
        code = _attr(point.attributes, semconv.ERROR_TYPE)
        if code is not None:
            snapshot.failed_calls[code] += point.count
        buckets.add(point)


def _read_attempts(snapshot: Snapshot, data: Any) -> None:
    for point in _number_points(data):
        count = int(point.value)
        snapshot.attempts += count
        code = _attr(point.attributes, semconv.ERROR_TYPE)
        if code is None:
            continue
        snapshot.failed_attempts[code] += count
        if (point.attributes or {}).get(semconv.OPENAI_RETRY_WILL_RETRY) is True:
            snapshot.retried_attempts[code] += count


def _read_jobs(snapshot: Snapshot, data: Any) -> None:
    for point in _number_points(data):
        status = _attr(point.attributes, semconv.OPENAI_JOB_STATUS) or "unknown"
        snapshot.background[status] += int(point.value)
        code = _attr(point.attributes, semconv.ERROR_TYPE)
        if code is not None:
            snapshot.background_failed[code] += int(point.value)


def _read_gauges(
    gauges: dict[tuple[str, str], dict[str, float]], field_name: str, data: Any
) -> None:
    """(kind, model) -> {"remaining"/"limit": value}."""
    for point in _number_points(data):
        kind = _attr(point.attributes, semconv.OPENAI_RATELIMIT_KIND) or "?"
        model = _attr(point.attributes, semconv.GEN_AI_REQUEST_MODEL) or "?"
        gauges.setdefault((kind, model), {})[field_name] = float(point.value)


def _headroom(
    gauges: Mapping[tuple[str, str], Mapping[str, float]],
) -> dict[str, tuple[float, float]]:
    """Per kind, the model with the smallest share left."""
    tightest: dict[str, tuple[float, float]] = {}
    for (kind, _model), values in gauges.items():
        if "remaining" not in values or not values.get("limit"):
            continue
        pair = (values["remaining"], values["limit"])
        current = tightest.get(kind)
        if current is None or pair[0] / pair[1] < current[0] / current[1]:
            tightest[kind] = pair
    return tightest


def read(data: Optional[MetricsData]) -> Snapshot:
    """One ``Snapshot`` from the reader's cumulative metric points."""
    snapshot = Snapshot()
    buckets = _Buckets()
    gauges: dict[tuple[str, str], dict[str, float]] = {}
    for name, metric_data in _metrics(data):
        if name == semconv.METRIC_OPERATION_DURATION:
            _read_duration(snapshot, metric_data, buckets)
        elif name == semconv.METRIC_ATTEMPTS:
            _read_attempts(snapshot, metric_data)
        elif name == semconv.METRIC_RETRY_DELAY:
            snapshot.retry_delay_s += sum(p.sum for p in _histogram_points(metric_data))
        elif name == semconv.METRIC_JOBS_ENDED:
            _read_jobs(snapshot, metric_data)
        elif name == semconv.METRIC_RATELIMIT_REMAINING:
            _read_gauges(gauges, "remaining", metric_data)
        elif name == semconv.METRIC_RATELIMIT_LIMIT:
            _read_gauges(gauges, "limit", metric_data)
    snapshot.p50_s = quantile(0.50, buckets.bounds, buckets.counts)
    snapshot.p95_s = quantile(0.95, buckets.bounds, buckets.counts)
    snapshot.headroom = _headroom(gauges)
    return snapshot
