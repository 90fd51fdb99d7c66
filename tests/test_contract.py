"""Everything that restates the error-code contract agrees with its one table.

``CODE_INFO`` is the table; the classifier's status map, the raised error classes, the
retry guard, the dashboards' groups and the SLO's codes are derived from it, and the
alert rules and ``docs/error-codes.md`` are checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest
import yaml
from dashboards.config import TRANSIENT_CODES, Config
from dashboards.naming import VARIANTS
from dashboards.rows.common import CODE_GROUPS

from openai_error_telemetry import errors
from openai_error_telemetry.classification import Classification
from openai_error_telemetry.classify.exceptions import CLASS_STATUS
from openai_error_telemetry.classify.rules import STATUS_CODES
from openai_error_telemetry.codes import CODE_INFO, ErrorCode, Family, codes_of, guard_stops
from openai_error_telemetry.instrumentation import operation

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "dashboards" / "out"


def _sdk_retries(status: int) -> bool:
    """openai-python's ``_should_retry`` on a status alone (no x-should-retry header)."""
    return status in (408, 409, 429) or status >= 500


@pytest.mark.parametrize("code", list(ErrorCode))
def test_each_code_raises_as_its_openai_class_with_its_status(code: ErrorCode) -> None:
    info = CODE_INFO[code]
    cls = errors._CLASSES[code]
    assert issubclass(cls, getattr(openai, info.openai_class))
    error = errors.error_for(Classification(code, bool(info.retryable)))
    assert type(error) is cls
    assert error.status_code == info.implied_status


def test_every_code_has_exactly_one_error_class() -> None:
    assert set(errors._CLASSES) == set(ErrorCode)
    assert len(errors.ClassifiedError.__subclasses__()) == len(ErrorCode)
    exported = {getattr(errors, name) for name in errors.__all__}
    assert set(errors._CLASSES.values()) <= exported


def test_a_status_means_one_code_and_the_status_map_is_the_column() -> None:
    listed = [status for info in CODE_INFO.values() for status in info.statuses]
    assert len(listed) == len(set(listed)), "a status is claimed by two codes"
    assert {s: c for c, i in CODE_INFO.items() for s in i.statuses} == STATUS_CODES


def test_an_implied_status_is_an_error_status_of_the_codes_class() -> None:
    for code, info in CODE_INFO.items():
        if info.implied_status is not None:
            assert 400 <= info.implied_status <= 599, code
            assert CLASS_STATUS[info.openai_class] <= info.implied_status, code


def test_the_retry_guard_is_the_guard_column() -> None:
    assert guard_stops() == operation._NEVER_WINS
    for code, info in CODE_INFO.items():
        if info.guard_stops:
            assert info.retryable is False, f"the guard stops {code}, which is retryable"
        elif info.retryable is False and info.implied_status is not None:
            # a code the SDK would retry by status but that never heals must be stopped
            assert not _sdk_retries(info.implied_status), code


def test_families_partition_the_codes() -> None:
    every = [code for family in Family for code in codes_of(family)]
    assert sorted(every) == sorted(ErrorCode)
    assert all(codes_of(family) for family in Family), "an empty family"


def test_the_dashboard_stack_is_the_families() -> None:
    stacked = [code for _, members in CODE_GROUPS for code in members]
    assert sorted(stacked) == sorted(code.value for code in ErrorCode)
    for label, members in CODE_GROUPS:
        families = {CODE_INFO[ErrorCode(code)].family for code in members}
        assert len(families) == 1, f"group {label} mixes families {families}"


def test_the_slo_counts_the_providers_transient_failures() -> None:
    assert Config().slo_error_codes == TRANSIENT_CODES
    for code in TRANSIENT_CODES:
        info = CODE_INFO[ErrorCode(code)]
        assert info.retryable is True
        assert info.family in (Family.RATE, Family.SERVER, Family.TIMEOUT, Family.CONNECTION)


def _alerts(variant: str) -> list[dict[str, object]]:
    document = yaml.safe_load((OUT / variant / "prometheus_alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"] if "alert" in rule]


def _selected_codes(expr: str) -> set[str]:
    found: set[str] = set()
    for values in re.findall(r'error_type=~?"([^"]*)"', expr):
        found.update(v for v in values.split("|") if v)
    return found


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_alert_rules_select_contract_codes_and_watch_every_alerted_family(variant: str) -> None:
    alerts = _alerts(variant)
    assert alerts
    contract = {code.value for code in ErrorCode}
    watched: set[str] = set()
    for rule in alerts:
        label = rule["labels"].get("error_type")  # type: ignore[attr-defined]
        selected = _selected_codes(str(rule["expr"]))
        assert selected <= contract, rule["alert"]
        if label is not None:  # the code it fires about (the headroom alert foretells one)
            assert label in contract, rule["alert"]
            assert label in selected or not selected, rule["alert"]
        if "!~" not in str(rule["expr"]):
            watched |= selected
    for family in (Family.RATE, Family.QUOTA, Family.AUTH, Family.SERVER, Family.TIMEOUT):
        missing = {c.value for c in codes_of(family)} - watched
        assert not missing, f"no alert watches {missing} ({family})"


def test_the_docs_table_is_the_contract() -> None:
    from openai_error_telemetry.cli_codes import markdown_table

    doc = (ROOT / "docs" / "error-codes.md").read_text()
    assert markdown_table() in doc
    for info in CODE_INFO.values():
        assert f"| `{info.code.value}` | {info.family.value} |" in doc


def test_one_name_per_concept_on_spans_metrics_and_logs() -> None:
    from openai_error_telemetry.telemetry import semconv
    from openai_error_telemetry.telemetry.attributes import error_attributes, with_error
    from openai_error_telemetry.telemetry.logs import failure_fields

    failure = Classification(ErrorCode.RATE_LIMITED, True, 429, rate_limit_kind="tokens")
    span = error_attributes(failure)
    metric = with_error({}, failure)
    log = failure_fields(failure, None, operation="chat", model="m")
    for where in (span, metric, log):
        assert where[semconv.ERROR_TYPE] == "rate_limited"
    for where in (span, log):
        assert where[semconv.OPENAI_RATELIMIT_KIND] == "tokens"
    # the rate-limit gauges label the kind with the same name (their attribute constant)
    assert semconv.METRIC_RATELIMIT_REMAINING.startswith("openai.ratelimit.")
    assert semconv.OPENAI_RATELIMIT_KIND == "openai.ratelimit.kind"
    # one spelling: no older one beside it, in any mode
    assert "openai.rate_limit.kind" not in span
    assert "error_code" not in log
    assert "rate_limit_kind" not in log
