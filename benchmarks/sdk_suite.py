"""Another project's own test suite, without us and with us on: which tests change outcome?

    python benchmarks/sdk_suite.py [--suite openai|genai-openai] [--version V] [paths ...]

Offline but for the package registry: each suite comes from its project's source release
on PyPI, in a virtualenv of its own with that suite's test dependencies and this project.
It runs twice, plain and with ``-p sdk_suite_plugin`` (our instrumentation on, real
OpenTelemetry providers), and the outcome of every test is compared. Exit status 1 if any
test's outcome differs. One row per suite:

* ``openai``: openai-python's suite, for the release ``.venv-openai3`` has. ``tests/api_resources``
  is left out: it needs the SDK's mock server fed with an OpenAPI spec that is not published
  with the release. The SDK's own ``filterwarnings = error`` stays on, so a warning of ours
  fails a test too.
* ``genai-openai``: the official OpenTelemetry instrumentation's suite, with the dependency
  pins of its ``tests/requirements.latest.txt``, its cassettes played by pytest-vcr, and
  ``benchmarks/genai_test_util`` standing in for its unpublished test helpers. The weaver
  conformance and handler-scope tests need more of those helpers and are left out. With
  us on, both instrumentations are on at once.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
CACHE = ROOT / ".cache" / "sdk-suite"


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


def _openai_dependencies(tree: Path, version: str) -> list[str]:
    return [f"openai[aiohttp,realtime,datalib,bedrock,vertex]=={version}",
            "pytest>=9.0.3", "pytest-asyncio>=1.4.0", "pytest-xdist>=3.6.1", "Pillow", "rich",
            "inline-snapshot>=0.28.0", "azure-identity", "botocore", "trio", "griffe"]


def _genai_openai_dependencies(tree: Path, version: str) -> list[str]:
    """Its own pins (less its repository's editable lines), the tools that play its
    cassettes, and the release itself."""
    pins = (tree / "tests" / "requirements.latest.txt").read_text().splitlines()
    kept = [line.split("#")[0].strip() for line in pins]
    return [*(line for line in kept if line and not line.startswith("-")),
            "pytest", "pytest-asyncio", "pytest-vcr", "vcrpy", "pyyaml", str(tree)]


@dataclass(frozen=True)
class Suite:
    """How to get, install and run one project's own tests."""

    name: str
    package: str  # on PyPI, whose source release carries the tests
    venv: Path
    dependencies: Callable[[Path, str], list[str]]
    default_version: Callable[[], str]
    left_out: tuple[str, ...] = ()
    pythonpath: tuple[Path, ...] = ()
    xdist: bool = False

    def tree(self, version: str) -> Path:
        return CACHE / f"{self.package.replace('-', '_')}-{version}"


SUITES = {suite.name: suite for suite in (
    Suite("openai", "openai", ROOT / ".venv-sdk-suite", _openai_dependencies,
          latest_installed, left_out=("tests/api_resources",), xdist=True),
    Suite("genai-openai", "opentelemetry-instrumentation-genai-openai",
          ROOT / ".venv-official-suite", _genai_openai_dependencies, lambda: "1.3b0",
          left_out=("tests/test_conformance.py", "tests/test_instrumentation_scope.py"),
          pythonpath=(HERE / "genai_test_util",)),
)}


def source_tree(suite: Suite, version: str) -> Path:
    tree = suite.tree(version)
    if (tree / "tests").is_dir():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
        f"{suite.package}=={version}", "-d", str(CACHE))
    with tarfile.open(tree.with_name(tree.name + ".tar.gz")) as archive:
        try:
            archive.extractall(CACHE, filter="data")
        except TypeError:  # Python before 3.11.4 has no extraction filters
            archive.extractall(CACHE)  # a release from PyPI, of a project we name
    return tree


def virtualenv(suite: Suite, tree: Path, version: str) -> Path:
    python = suite.venv / "bin" / "python"
    marker = suite.venv / ".installed"
    if marker.exists() and marker.read_text() == version:
        return python
    run(sys.executable, "-m", "venv", "--clear", str(suite.venv))
    run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(python), "-m", "pip", "install", "--quiet", *suite.dependencies(tree, version),
        "-e", str(ROOT))
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


def outcomes_of(suite: Suite, python: Path, tree: Path, ours: bool, args: argparse.Namespace,
                only: list[str] | None = None) -> dict[str, str]:
    label = ("ours" if ours else "plain") + ("-again" if only else "")
    report = CACHE / f"junit-{suite.name}-{label}.xml"
    spans = CACHE / f"spans-{suite.name}-{label}.txt"
    spans.unlink(missing_ok=True)
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               *(f"--ignore={path}" for path in suite.left_out), f"--junitxml={report}"]
    if suite.xdist and args.workers > 1 and not only:
        command += ["-n", str(args.workers)]
    if ours:
        command += ["-p", "sdk_suite_plugin"]
    if args.k and not only:
        command += ["-k", args.k]
    command += only or args.paths or ["tests"]
    path = os.pathsep.join(str(entry) for entry in (*suite.pythonpath, HERE))
    env = {**os.environ, "PYTHONPATH": path, "SDK_SUITE_SPANS": str(spans)}
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
    parser.add_argument("--suite", choices=sorted(SUITES), default="openai")
    parser.add_argument("--version", help="release of the suite's project (default: openai: "
                                          ".venv-openai3's; genai-openai: 1.3b0)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-k", help="pytest -k expression")
    parser.add_argument("--json", type=Path, help="write the comparison here")
    parser.add_argument("paths", nargs="*", help="test paths inside the suite's tree")
    args = parser.parse_args()
    suite = SUITES[args.suite]
    version = args.version or suite.default_version()
    tree = source_tree(suite, version)
    python = virtualenv(suite, tree, version)
    print(f"{suite.package} {version}: its own tests"
          + (f", {', '.join(suite.left_out)} left out" if suite.left_out else ""))
    plain = outcomes_of(suite, python, tree, False, args)
    ours = outcomes_of(suite, python, tree, True, args)
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
        again_plain = outcomes_of(suite, python, tree, False, args, only=ids)
        again_ours = outcomes_of(suite, python, tree, True, args, only=ids)
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
            "suite": suite.name, "version": version, "tests": len(plain),
            "plain": Counter(plain.values()), "ours": Counter(ours.values()),
            "changed": [{"test": n, "plain": b, "ours": a} for n, b, a in changed],
            "flaky": flaky,
        }, indent=2))
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
