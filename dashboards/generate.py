"""Write every generated file: dashboards and rule files, for both naming variants.

The output is deterministic (stable ids, key order and formatting), so CI regenerates
into a temporary directory and fails on any difference from the committed files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from . import main_dashboard, rules
from .config import DEFAULT, Config, fast
from .naming import VARIANTS

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DASHBOARD_FILE = "openai-errors.json"


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line PromQL, so the rule files read like hand-written ones."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def render(config: Config = DEFAULT, *, with_dashboards: bool = True) -> dict[str, str]:
    """Relative path -> file content, for every variant."""
    files: dict[str, str] = {}
    for variant in VARIANTS:
        if with_dashboards:
            dashboard = main_dashboard.build(config, variant)
            files[f"{variant}/{DASHBOARD_FILE}"] = json.dumps(dashboard, indent=2) + "\n"
        for name, document in rules.rule_files(config, variant).items():
            files[f"{variant}/{name}"] = dump_yaml(document)
    return files


def write(files: dict[str, str], out: Path) -> None:
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    parser.add_argument(
        "--fast", action="store_true",
        help="rules only, with second-long windows (the end-to-end test's profile)",
    )
    args = parser.parse_args(argv)
    if args.fast:
        write(render(fast(), with_dashboards=False), args.out)
    else:
        write(render(), args.out)
    return 0
