"""The ``openai-error-telemetry`` command.

Each subcommand lives in its own module with two functions, ``add_arguments(parser)``
and ``run(args) -> int``; this file only wires them together, so ``codes`` starts
without importing the SDK and ``classify`` without importing ``httpx``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Optional

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "classify": (".cli_classify", "classify failures read as JSON Lines on stdin"),
    "codes": (".cli_codes", "print the table of error codes"),
    "explain-batch": (".cli_batch",
                      "count why the requests of a Batch failed, from its error file"),
    "dashboards": (".cli_dashboards",
                   "write the bundled Grafana dashboard, Prometheus rules and runbooks"),
    "fault-server": (".faultserver.cli", "run the fault-injecting OpenAI-compatible server"),
    "demo": (".demo.cli", "see every failure code live against the fault server, no API key"),
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="openai-error-telemetry",
        description="Stable error codes and telemetry for OpenAI API failures.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in SUBCOMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module)
        importlib.import_module(module, __package__).add_arguments(command)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = importlib.import_module(args._module, __package__).run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); that is not our failure.
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
