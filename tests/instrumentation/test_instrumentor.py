"""The instrumentor: entry point, idempotent instrument/uninstrument, exact restore."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import openai._base_client as base

import openai_error_telemetry
from openai_error_telemetry.instrumentation import OpenAIErrorTelemetryInstrumentor, patches
from tests.instrumentation.harness import Telemetry, chat_body, client, json_response, sequence

HOOKED = [
    (base.SyncAPIClient, "request"),
    (base.AsyncAPIClient, "request"),
    (base.BaseClient, "_calculate_retry_timeout"),
]


def originals() -> dict[tuple[type, str], object]:
    return {(owner, name): owner.__dict__[name] for owner, name in HOOKED}


def test_instrument_twice_patches_once_and_uninstrument_restores_exactly():
    before = originals()
    telemetry = Telemetry()
    first = openai_error_telemetry.instrument(tracer_provider=telemetry.tracer_provider,
                                              meter_provider=telemetry.meter_provider)
    second = openai_error_telemetry.instrument()
    try:
        assert first is second
        for (owner, name), original in before.items():
            current = owner.__dict__[name]
            assert patches.is_ours(current)
            assert current.__wrapped__ is original  # one layer only
        handler, _ = sequence(json_response(200, chat_body()))
        client(handler).chat.completions.create(model="m", messages=[])
        assert len(telemetry.spans("operation")) == 1
    finally:
        openai_error_telemetry.uninstrument()
        openai_error_telemetry.uninstrument()
    assert originals() == before
    assert all(not patches.is_ours(owner.__dict__[name]) for owner, name in HOOKED)


def test_a_second_patch_pass_does_not_wrap_our_own_wrappers():
    telemetry = Telemetry()
    instrumentor = openai_error_telemetry.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider)
    try:
        from openai_error_telemetry.instrumentation import sdk
        from openai_error_telemetry.instrumentation.config import Settings

        assert patches.apply(sdk.detect(), Settings()) == []
        assert instrumentor.is_instrumented_by_opentelemetry
    finally:
        openai_error_telemetry.uninstrument()


def test_uninstrumented_calls_emit_nothing():
    telemetry = Telemetry()
    openai_error_telemetry.instrument(tracer_provider=telemetry.tracer_provider,
                                      meter_provider=telemetry.meter_provider)
    openai_error_telemetry.uninstrument()
    handler, _ = sequence(json_response(200, chat_body()))
    client(handler).chat.completions.create(model="m", messages=[])
    assert telemetry.spans() == []


def test_entry_point_has_a_name_of_its_own():
    every = entry_points()
    group = (every.select(group="opentelemetry_instrumentor") if hasattr(every, "select")
             else every.get("opentelemetry_instrumentor", []))  # Python 3.9
    found = [ep for ep in group if ep.value.startswith("openai_error_telemetry")]
    assert {ep.name for ep in found} == {"openai_error_telemetry"}  # 3.9 may list it twice
    assert found[0].load() is OpenAIErrorTelemetryInstrumentor


PROBE = (
    "import openai._base_client as b, openai_error_telemetry.instrumentation.patches as p;"
    "print(p.is_ours(b.SyncAPIClient.__dict__['request']))"
)


def run_instrumented(disabled: str) -> str:
    env = {**os.environ, "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": disabled,
           "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
           "OTEL_LOGS_EXPORTER": "none"}
    command = Path(sys.executable).parent / "opentelemetry-instrument"
    done = subprocess.run([str(command), sys.executable, "-c", PROBE], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_opentelemetry_instrument_loads_it_and_the_env_var_disables_it_alone():
    assert run_instrumented("") == "True"
    assert run_instrumented("openai_error_telemetry") == "False"
    assert run_instrumented("openai") == "True"  # the official one's name leaves ours on


def test_importing_the_package_does_not_import_the_sdk():
    code = ("import sys, openai_error_telemetry;"
            "print(any(m in sys.modules for m in ('openai', 'httpx', 'httpx2')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "False"
