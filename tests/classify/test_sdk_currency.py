"""Keeping up with the SDK: its next job surface is noticed here, not by a user.

Every model of the installed ``openai`` whose ``status`` can say a job ended
(``failed``, ``expired``, ``cancelled``, ``incomplete``, ``error``, ``budget_reached``,
``skipped``...) must be a row of the jobs table or be listed in ``jobs.NOT_JOBS`` with
its reason; every webhook event with such a name likewise. The Agents API's
``SessionTurnError`` codes, "a stable, machine-readable failure category", must each be
mapped by name. Runs on every openai major of the test matrix, the newest included.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any

import openai
import openai.types
import pydantic
import pytest

from openai_error_telemetry import ErrorCode
from openai_error_telemetry.classify.envelope import ErrorFields
from openai_error_telemetry.classify.jobs import (
    JOB_OBJECTS,
    NOT_JOB_WEBHOOKS,
    NOT_JOBS,
    SURFACES,
    surface_by_webhook,
)
from openai_error_telemetry.classify.rules import TOKEN_CODES, WEAK_TOKENS, decide

ROOT = Path(__file__).resolve().parents[2]
TERMINAL_WORDS = frozenset({"failed", "expired", "cancelled", "canceled", "incomplete",
                            "error", "budget_reached", "skipped", "suspended", "errored"})
C = ErrorCode


def literals(annotation: Any) -> set[str]:
    found: set[str] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        if typing.get_origin(item) is typing.Literal:
            found.update(a for a in typing.get_args(item) if isinstance(a, str))
        else:
            stack.extend(typing.get_args(item))
    return found


@lru_cache(maxsize=1)
def sdk_models() -> tuple[tuple[str, type], ...]:
    """Every pydantic model defined in ``openai.types``, as ``module:Class``."""
    found = []
    for info in pkgutil.walk_packages(openai.types.__path__, "openai.types."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (isinstance(value, type) and issubclass(value, pydantic.BaseModel)
                    and value.__module__ == module.__name__):
                found.append((f"{module.__name__}:{name}", value))
    return tuple(found)


def terminal_looking() -> list[tuple[str, type, set[str]]]:
    found = []
    for path, cls in sdk_models():
        status = cls.model_fields.get("status")
        if status is None:
            continue
        statuses = literals(status.annotation)
        if statuses & TERMINAL_WORDS:
            found.append((path, cls, statuses))
    return found


def unknown_models(models: tuple[tuple[str, type], ...]) -> list[str]:
    """The models whose status says a job ended and that the table does not account for."""
    unknown = []
    for path, cls in models:
        fields = cls.model_fields  # type: ignore[attr-defined]
        statuses = literals(fields["status"].annotation) if "status" in fields else set()
        if not statuses & TERMINAL_WORDS:
            continue
        objects = literals(fields["object"].annotation) if "object" in fields else set()
        typed = "type" in fields and literals(fields["type"].annotation)
        if objects:
            if all(obj in JOB_OBJECTS or obj in NOT_JOBS for obj in objects):
                continue
        elif typed or path in NOT_JOBS:
            continue  # an item or event (NOT_JOBS["(typed items)"]), or listed by class
        unknown.append(f"{path} object={sorted(objects)} status={sorted(statuses)}")
    return unknown


def test_every_model_with_a_terminal_status_is_a_job_row_or_listed_as_no_job():
    unknown = unknown_models(sdk_models())
    assert not unknown, (
        "openai grew models whose status says a job ended: add a row to classify/jobs.py "
        "(with its tests) or list them in jobs.NOT_JOBS with the reason:\n"
        + "\n".join(unknown))


def test_the_currency_check_notices_a_new_surface_and_a_new_untyped_model():
    class NewJob(pydantic.BaseModel):
        object: typing.Literal["brand.new.job"]
        status: typing.Literal["queued", "failed"]

    class Untyped(pydantic.BaseModel):
        status: typing.Literal["ready", "expired"]

    class Running(pydantic.BaseModel):
        object: typing.Literal["brand.new.thing"]
        status: typing.Literal["queued", "done"]

    found = unknown_models((("x:NewJob", NewJob), ("x:Untyped", Untyped),
                            ("x:Running", Running)))
    assert [entry.split()[0] for entry in found] == ["x:NewJob", "x:Untyped"]


def test_every_row_names_models_the_sdk_has():
    classes = {cls for _, cls in sdk_models()}
    for row in SURFACES:
        for model in row.models:
            module, _, name = model.partition(":")
            try:
                cls = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue  # a model of a newer SDK than this one
            assert cls in classes, (row.name, model)
        assert any(_importable(model) for model in row.models) or row.sdk != "1.x 2.x 3.x", row


def _importable(model: str) -> bool:
    module, _, name = model.partition(":")
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def webhook_types() -> set[str]:
    module = importlib.import_module("openai.types.webhooks")
    found = set()
    for name in dir(module):
        cls = getattr(module, name)
        if isinstance(cls, type) and issubclass(cls, pydantic.BaseModel) and (
                "type" in cls.model_fields):
            found |= literals(cls.model_fields["type"].annotation)
    return found


def test_every_webhook_that_announces_an_end_is_a_job_event_or_listed():
    unknown = sorted(kind for kind in webhook_types()
                     if kind.rsplit(".", 1)[-1] in TERMINAL_WORDS
                     and surface_by_webhook(kind) is None and kind not in NOT_JOB_WEBHOOKS)
    assert not unknown, f"webhook events that may end a job, in no row: {unknown}"


# The Agents API's failure categories, mapped one by one (docs/error-codes.md shows them).
SESSION_TURN_CODES = {
    "context_length_exceeded": C.CONTEXT_LENGTH_EXCEEDED,
    "max_output_tokens": C.OUTPUT_TRUNCATED,
    "session_budget_exceeded": C.QUOTA_EXHAUSTED,
    "usage_limit_exceeded": C.QUOTA_EXHAUSTED,
    "project_spend_limit_exceeded": C.QUOTA_EXHAUSTED,
    "organization_spend_limit_exceeded": C.QUOTA_EXHAUSTED,
    "organization_usage_limit_exceeded": C.QUOTA_EXHAUSTED,
    "billing_not_active": C.QUOTA_EXHAUSTED,
    "credit_balance_exhausted": C.QUOTA_EXHAUSTED,
    "rate_limit_exceeded": C.RATE_LIMITED,
    "flex_unavailable": C.OVERLOADED,
    "server_overloaded": C.OVERLOADED,
    "cyber_policy": C.CONTENT_FILTERED,
    "misalignment_policy_violation": C.CONTENT_FILTERED,
    "connection_failed": C.CONNECTION_ERROR,
    "server_error": C.SERVER_ERROR,
    "authentication_error": C.AUTH_ERROR,
    "invalid_request": C.INVALID_REQUEST,
    "resource_not_found": C.NOT_FOUND,
    "sandbox_error": C.SERVER_ERROR,
    "executor_version_incompatible": C.INVALID_REQUEST,
    "active_turn_not_steerable": C.CONFLICT,
    "request_timeout": C.TIMEOUT,
    "internal_error": C.SERVER_ERROR,
}


def session_turn_codes() -> set[str]:
    try:
        module = importlib.import_module("openai.types.beta.session_turn_error")
    except ImportError:
        pytest.skip(f"openai {openai.__version__} has no Agents API")
    return literals(module.SessionTurnError.model_fields["code"].annotation)


def test_every_session_turn_error_code_is_mapped_by_name():
    codes = session_turn_codes()
    unmapped = sorted(c for c in codes if c not in TOKEN_CODES and c not in WEAK_TOKENS)
    assert not unmapped, f"SessionTurnError codes the token table does not name: {unmapped}"
    unexpected = sorted(c for c in codes if c not in SESSION_TURN_CODES)
    assert not unexpected, f"new SessionTurnError codes: decide and document {unexpected}"
    for code in codes:
        assert decide(None, ErrorFields(code=code))[0] is SESSION_TURN_CODES[code], code


def test_the_docs_show_the_session_turn_mapping():
    doc = (ROOT / "docs" / "error-codes.md").read_text()
    for code, ours in SESSION_TURN_CODES.items():
        assert f"| `{code}` | `{ours.value}` |" in doc, code


def _matrix_majors() -> list[int]:
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("OPENAI_MAJORS"):
            return [int(major) for major in line.split("=", 1)[1].split()]
    raise AssertionError("the Makefile names no OPENAI_MAJORS")


def test_the_matrix_tests_the_newest_openai_release():
    """The newest major on the registry is a major of ``make test``'s matrix, whose
    virtualenvs install the newest release of each major (``openai>=N,<N+1``)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen("https://pypi.org/pypi/openai/json", timeout=10) as answer:
            newest = json.load(answer)["info"]["version"]
    except (urllib.error.URLError, OSError, ValueError) as error:
        pytest.skip(f"the package registry cannot be read here: {error}")
    assert int(newest.split(".")[0]) in _matrix_majors(), (
        f"openai {newest} is out: add its major to OPENAI_MAJORS in the Makefile")
