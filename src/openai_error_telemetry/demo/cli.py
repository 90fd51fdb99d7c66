"""``openai-error-telemetry demo``: flags and their checks; the run is in ``runner``.

Importing this module stays cheap (no SDK, no ``rich``): ``cli.py`` imports every
subcommand's module to build its parser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..faultserver.cli import port_number
from .scenarios import DEFAULT_SCENARIO, SCENARIOS

DEFAULT_DURATION_S = 60.0
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds > 0")
    return value


def _non_negative_float(text: str) -> float:
    if text.strip() in ("0", "0.0"):
        return 0.0
    return _positive_float(text)


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_CONCURRENCY}")
    return value


def _scenario(text: str) -> str:
    if text in SCENARIOS or Path(text).is_file():
        return text
    names = ", ".join(SCENARIOS)
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a built-in scenario ({names}) nor a scenario file"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--duration", type=_positive_float, default=DEFAULT_DURATION_S, metavar="SECONDS",
        help="how long the workload runs (default %(default)g)")
    add("--scenario", type=_scenario, default=DEFAULT_SCENARIO, metavar="NAME|FILE",
        help=f"built-in scenario ({', '.join(SCENARIOS)}; default %(default)s) or a "
             "fault-server scenario file (.toml/.json)")
    add("--concurrency", type=_concurrency, default=DEFAULT_CONCURRENCY, metavar="N",
        help=f"concurrent callers, half sync threads and half async tasks "
             f"(1-{MAX_CONCURRENCY}, default %(default)s)")
    add("--seed", type=int, default=None,
        help="seed the fault server's and the callers' dice for a repeatable run")
    add("--metrics-port", type=port_number, default=0, metavar="PORT",
        help="port of the Prometheus endpoint on 127.0.0.1 (default 0: a free one, printed)")
    add("--linger", type=_non_negative_float, default=0.0, metavar="SECONDS",
        help="keep the metrics endpoint and the fault server up this long after the summary, "
             "so a scraper gets the final values (default 0; Ctrl-C ends it early)")


def run(args: argparse.Namespace) -> int:
    from .runner import DemoOptions, run_demo

    options = DemoOptions(
        duration=args.duration, scenario=args.scenario, concurrency=args.concurrency,
        seed=args.seed, metrics_port=args.metrics_port, linger=args.linger,
    )
    return run_demo(options, sys.stdout, sys.stderr)
