"""The package's public face: names resolve to what they promise, and stay light."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_classify_is_the_function_even_after_the_instrumentation_imports_the_subpackage() -> None:
    out = _run(
        "import openai_error_telemetry as p\n"
        "import openai_error_telemetry.instrumentation\n"
        "import openai_error_telemetry.classify.headers\n"
        "print(callable(p.classify), type(p.classify).__name__)\n"
        "print(p.classify(None).code.value)\n"
    )
    assert out.splitlines() == ["True function", "unknown"]


def test_importing_the_classifier_loads_no_http_client() -> None:
    out = _run(
        "import sys\n"
        "from openai_error_telemetry import classify, ErrorCode\n"
        "print(sorted(m for m in ('httpx', 'httpx2', 'openai') if m in sys.modules))\n"
    )
    assert out == "[]"


def test_lazy_names_resolve_and_unknown_names_raise() -> None:
    import pytest

    import openai_error_telemetry as package

    assert callable(package.instrument)
    assert callable(package.raise_for_response)
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018
