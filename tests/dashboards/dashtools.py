"""Paths and real binaries shared by the dashboards tests (imported by name, not conftest).

A missing binary fails the test that needs it (run ``make system-deps``): a skipped
test would hide a missing install.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
OUT = DASHBOARDS / "out"
DOCS = REPO / "docs"
DEPLOY = REPO / "deploy"

# The generator is a top-level package of the repository, not of the installed library.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: run 'make system-deps' (Debian packages "
            "prometheus, prometheus-alertmanager)"
        )
    return path
