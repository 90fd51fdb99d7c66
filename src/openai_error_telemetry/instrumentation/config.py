"""Settings, from ``instrument(...)`` arguments first, then environment variables.

Documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

ENV_RETRY_GUARD = "OPENAI_ERROR_TELEMETRY_RETRY_GUARD"
ENV_RECORD_EXCEPTIONS = "OPENAI_ERROR_TELEMETRY_RECORD_EXCEPTIONS"
ENV_LOGS = "OPENAI_ERROR_TELEMETRY_LOGS"
ENV_LATEST_NAMES = "OPENAI_ERROR_TELEMETRY_LATEST_GENAI_NAMES"
ENV_BACKGROUND_MAX_TRACKED = "OPENAI_ERROR_TELEMETRY_BACKGROUND_MAX_TRACKED"
ENV_RAISE_JOB_FAILURES = "OPENAI_ERROR_TELEMETRY_RAISE_JOB_FAILURES"
ENV_SEMCONV_OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"
SEMCONV_GEN_AI_LATEST = "gen_ai_latest_experimental"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    """What the hooks do beyond the default.

    ``retry_guard``: stop the SDK's retries of answers it can never win
    (``quota_exhausted``, ``auth_error``). ``record_exceptions``: add tracebacks to
    spans. ``logs``: emit structlog failure events. ``latest_genai_names``: emit
    only the latest GenAI conventions' names (``gen_ai.client.inference.*``, token
    counters), not the older ones. ``background_max_tracked``: how many
    jobs (of every surface) are remembered for links and count-once.
    ``raise_job_failures``: a behaviour change, off by default: a ``retrieve`` (or a
    poll helper's retrieve) of a job that ended ``failed``/``expired`` raises the
    matching classified exception (``raise_for_job``) instead of returning it.
    """

    retry_guard: bool = False
    record_exceptions: bool = False
    logs: bool = True
    latest_genai_names: bool = False
    background_max_tracked: int = 1024
    raise_job_failures: bool = False


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return default


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(environ.get(name, "").strip())
    except ValueError:
        return default
    return value if value > 0 else default


def _latest_from_env(environ: Mapping[str, str]) -> bool:
    opt_in = {part.strip() for part in environ.get(ENV_SEMCONV_OPT_IN, "").split(",")}
    return SEMCONV_GEN_AI_LATEST in opt_in or _flag(environ, ENV_LATEST_NAMES, False)


def _bool_option(options: Mapping[str, Any], name: str, fallback: bool) -> bool:
    value = options.get(name)
    return fallback if value is None else bool(value)


def load_settings(
    options: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None
) -> Settings:
    """Arguments win over the environment; unknown or malformed values fall back."""
    env = os.environ if environ is None else environ
    max_tracked = options.get("background_max_tracked")
    if not isinstance(max_tracked, int) or max_tracked <= 0:
        max_tracked = _positive_int(env, ENV_BACKGROUND_MAX_TRACKED, 1024)
    return Settings(
        retry_guard=_bool_option(options, "retry_guard", _flag(env, ENV_RETRY_GUARD, False)),
        record_exceptions=_bool_option(
            options, "record_exceptions", _flag(env, ENV_RECORD_EXCEPTIONS, False)
        ),
        logs=_bool_option(options, "logs", _flag(env, ENV_LOGS, True)),
        latest_genai_names=_bool_option(options, "latest_genai_names", _latest_from_env(env)),
        background_max_tracked=max_tracked,
        raise_job_failures=_bool_option(
            options, "raise_job_failures", _flag(env, ENV_RAISE_JOB_FAILURES, False)),
    )
