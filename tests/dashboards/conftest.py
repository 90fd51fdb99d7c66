"""Fixtures of the dashboards tests: the real Prometheus tools, failing when missing."""

from __future__ import annotations

import pytest

from tests.dashboards.dashtools import binary


@pytest.fixture(scope="session")
def promtool() -> str:
    return binary("promtool")


@pytest.fixture(scope="session")
def amtool() -> str:
    return binary("amtool")
