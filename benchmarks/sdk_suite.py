"""openai-python's own test suite, without us and with us: which tests change outcome?

    python benchmarks/sdk_suite.py [--version 3.57.0] [--workers 2] [-k EXPR] [paths ...]

Offline but for the package registry: the suite comes from the SDK's source distribution on
PyPI (the same release as the wheel it tests), in a virtualenv of its own
(``.venv-sdk-suite``) with the SDK's test dependencies and this project. The suite runs
twice, plain and with ``-p sdk_suite_plugin`` (our instrumentation on, real OpenTelemetry
providers), and the outcome of every test is compared. ``tests/api_resources`` is left
out: it needs the SDK's mock server fed with an OpenAPI spec that is not published with
the release. The SDK's own ``filterwarnings = error`` stays on, so a warning of ours
fails a test too. Exit status 1 if any test's outcome differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
CACHE = ROOT / ".cache" / "sdk-suite"
VENV = ROOT / ".venv-sdk-suite"
TEST_DEPENDENCIES = [
    "pytest>=9.0.3", "pytest-asyncio>=1.4.0", "pytest-xdist>=3.6.1", "Pillow", "rich",
    "inline-snapshot>=0.28.0", "azure-identity", "botocore", "trio", "griffe",
]
EXTRAS = "aiohttp,realtime,datalib,bedrock,vertex"


def run(*command: str, **kwargs: object) -> None:
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def latest_installed() -> str:
    """The openai 3.x of ``.venv-openai3`` (``make matrix``), else this interpreter's."""
    python = ROOT / ".venv-openai3" / "bin" / "python"
    if python.exists():
        out = subprocess.run([str(python), "-c", "import openai; print(openai.__version__)"],
                             capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.strip()
    import openai

    return str(openai.__version__)


def source_tree(version: str) -> Path:
    tree = CACHE / f"openai-{version}"
    if (tree / "tests").is_dir():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
        f"openai=={version}", "-d", str(CACHE))
    with tarfile.open(CACHE / f"openai-{version}.tar.gz") as archive:
        try:
            archive.extractall(CACHE, filter="data")
        except TypeError:  # Python before 3.11.4 has no extraction filters
            archive.extractall(CACHE)  # PyPI's own release of openai
    return tree


def virtualenv(version: str) -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / ".installed"
    if marker.exists() and marker.read_text() == version:
        return python
    run(sys.executable, "-m", "venv", str(VENV))
    run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(python), "-m", "pip", "install", "--quiet", f"openai[{EXTRAS}]=={version}",
        *TEST_DEPENDENCIES, "-e", str(ROOT))
    marker.write_text(version)
    return python


def outcomes(report: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        found[name] = ("failed" if tags & {"failure", "error"} else
                       "skipped" if "skipped" in tags else "passed")
    return found


def node_id(tree: Path, name: str) -> str:
    """``tests.test_client.TestOpenAI::test_x`` -> ``tests/test_client.py::TestOpenAI::test_x``."""
    classname, test = name.split("::", 1)
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        path = "/".join(parts[:cut]) + ".py"
        if (tree / path).is_file():
            return "::".join([path, *parts[cut:], test])
    return name


def suite(python: Path, tree: Path, ours: bool, args: argparse.Namespace,
          only: list[str] | None = None) -> dict[str, str]:
    label = ("ours" if ours else "plain") + ("-again" if only else "")
    report = CACHE / f"junit-{label}.xml"
    spans = CACHE / f"spans-{label}.txt"
    spans.unlink(missing_ok=True)
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               "--ignore=tests/api_resources", f"--junitxml={report}"]
    if args.workers > 1 and not only:
        command += ["-n", str(args.workers)]
    if ours:
        command += ["-p", "sdk_suite_plugin"]
    if args.k and not only:
        command += ["-k", args.k]
    command += only or args.paths or ["tests"]
    env = {**os.environ, "PYTHONPATH": str(HERE), "SDK_SUITE_SPANS": str(spans)}
    started = time.monotonic()
    subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL)
    found = outcomes(report)
    counts = Counter(found.values())
    recorded = sum(int(line) for line in spans.read_text().split()) if spans.exists() else 0
    print(f"{label:>11}: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped ({time.monotonic() - started:.0f} s"
          + (f"; {recorded} spans recorded by us)" if ours else ")"))
    if ours and not only and recorded == 0:
        raise SystemExit("our instrumentation recorded nothing: it was not on")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", help="openai release (default: .venv-openai3's)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-k", help="pytest -k expression")
    parser.add_argument("--json", type=Path, help="write the comparison here")
    parser.add_argument("paths", nargs="*", help="test paths inside the SDK's tree")
    args = parser.parse_args()
    version = args.version or latest_installed()
    tree = source_tree(version)
    python = virtualenv(version)
    print(f"openai-python {version}: its own tests, tests/api_resources left out")
    plain = suite(python, tree, False, args)
    ours = suite(python, tree, True, args)
    changed = sorted(
        (name, plain.get(name, "absent"), ours.get(name, "absent"))
        for name in plain.keys() | ours.keys()
        if plain.get(name) != ours.get(name)
    )
    flaky: list[str] = []
    if changed:
        # once more, alone and in one process each way: a test whose outcome moves
        # between plain runs is the SDK's flakiness on a loaded machine, not ours
        ids = [node_id(tree, name) for name, _, _ in changed]
        again_plain = suite(python, tree, False, args, only=ids)
        again_ours = suite(python, tree, True, args, only=ids)
        kept = []
        for row in changed:
            name = row[0]
            if again_plain.get(name) != again_ours.get(name):
                kept.append(row)
            else:
                flaky.append(name)
        changed = kept
    if flaky:
        print(f"changed once and not again (not counted): {len(flaky)}")
        for name in flaky:
            print(f"  {name}")
    print(f"tests whose outcome changed with us on: {len(changed)} of {len(plain)}")
    for name, before, after in changed:
        print(f"  {name}: {before} -> {after}")
    if args.json:
        args.json.write_text(json.dumps({
            "version": version, "tests": len(plain),
            "plain": Counter(plain.values()), "ours": Counter(ours.values()),
            "changed": [{"test": n, "plain": b, "ours": a} for n, b, a in changed],
            "flaky": flaky,
        }, indent=2))
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
