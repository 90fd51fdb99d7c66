"""With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, traces, metrics and logs go out over OTLP."""

from __future__ import annotations

import socket
from collections import Counter
from typing import Any

import pytest

from openai_error_telemetry.demo.workload import API_KEY, PROMPT

from .harness import code_table, run_demo
from .otlp_receiver import otlp_receiver

pytestmark = pytest.mark.integration


def _attributes(item: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for attribute in item.attributes:
        value = attribute.value
        values[attribute.key] = getattr(value, value.WhichOneof("value") or "string_value")
    return values


def _last_attempts(requests: list[Any]) -> Counter[str]:
    """The attempts counter of the last metrics export (cumulative), by error.type."""
    last: Counter[str] = Counter()
    for request in requests:
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != "openai.client.attempts":
                        continue
                    last = Counter()
                    for point in metric.sum.data_points:
                        code = str(_attributes(point).get("error.type", ""))
                        last[code] += int(point.as_int or point.as_double)
    return last


def test_traces_metrics_and_logs_are_exported_over_otlp_http() -> None:
    with otlp_receiver() as (endpoint, received), run_demo(
        "--duration", "3", "--concurrency", "4", "--seed", "3", "--scenario", "outage",
        env_extra={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                   "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                   "OTEL_METRIC_EXPORT_INTERVAL": "1000"},
    ) as demo:
        demo.read_until("otlp ", timeout_s=60)
        assert demo.value("otlp ").startswith(f"on, to {endpoint}")
        status = demo.read_rest(timeout_s=60)

        assert status == 0, demo.stderr_text()
        spans = [span for request in received.requests["/v1/traces"]
                 for resource in request.resource_spans
                 for scope in resource.scope_spans for span in scope.spans]
        logs = [record for request in received.requests["/v1/logs"]
                for resource in request.resource_logs
                for scope in resource.scope_logs for record in scope.log_records]
        attempts = _last_attempts(received.requests["/v1/metrics"])
        raw = b"".join(received.raw)

    failed_spans = [span for span in spans if "error.type" in _attributes(span)]
    assert failed_spans, f"{len(spans)} spans, none failed"
    assert {s.status.code for s in failed_spans} == {2}  # STATUS_CODE_ERROR
    assert any(record.body.string_value == "openai.attempt.failed" for record in logs)
    assert all("error.type" in _attributes(record) for record in logs)
    # the last export carries the final cumulative counts: the summary's numbers
    table = code_table(demo.lines)
    assert Counter({c: n for c, n in attempts.items() if c}) == table.column(1)
    assert demo.value("attempts ").startswith(f"{sum(attempts.values())}, ")
    service = {_attributes(r.resource).get("service.name")
               for request in received.requests["/v1/metrics"] for r in request.resource_metrics}
    assert service == {"openai-error-telemetry-demo"}
    assert API_KEY.encode() not in raw
    assert PROMPT.encode() not in raw


def test_a_collector_that_is_down_delays_the_exit_by_a_bounded_flush() -> None:
    with socket.socket() as closed:  # a port with nothing listening
        closed.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with run_demo("--duration", "2", "--concurrency", "2",
                  env_extra={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}) as demo:
        status = demo.read_rest(timeout_s=60)  # a hang detector, not a measurement

    assert status == 0, demo.stderr_text()
    assert demo.value("== summary:").startswith("ran ")
    assert f"the last OTLP export to {endpoint} did not finish in time" in demo.stderr_text()
    assert "Traceback" not in demo.stderr_text()
