"""Instrument for one test with some environment set, then undo both."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

CONTENT_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_NOT_GIVEN: Any = object()


@contextmanager
def instrument(instrumentor: Any, *, tracer_provider: Any, logger_provider: Any,
               meter_provider: Any, content_capture: str | None = None,
               extra_env: Mapping[str, str] | None = None,
               completion_hook: Any = _NOT_GIVEN) -> Iterator[Any]:
    env = dict(extra_env or {})
    if content_capture is not None:
        env[CONTENT_VARIABLE] = content_capture
    saved = {name: os.environ.get(name) for name in env}
    options: dict[str, Any] = {"tracer_provider": tracer_provider,
                               "logger_provider": logger_provider,
                               "meter_provider": meter_provider}
    if completion_hook is not _NOT_GIVEN:
        options["completion_hook"] = completion_hook
    os.environ.update(env)
    try:
        instrumentor.instrument(**options)
        try:
            yield instrumentor
        finally:
            instrumentor.uninstrument()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
