"""The peer instrumentations, each in a virtualenv of its own under ``benchmarks/.peers/``.

    .venv/bin/python benchmarks/peers.py [NAME ...]     # create or update the virtualenvs

Each virtualenv gets the peer, the OpenTelemetry SDK and the very ``openai`` (and
``pydantic``) our own virtualenv has, so the plain-SDK cost is the same everywhere and
what differs between workers is the instrumentation alone. A peer that cannot install
or import is reported as such by the suite, never silently left out.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent / ".peers"


class Peer(NamedTuple):
    name: str
    label: str
    packages: tuple[str, ...]


PEERS: tuple[Peer, ...] = (
    # deprecated; 2.4b0 imports util-genai modules that 1.2b0+ renamed, and httpx, which
    # openai 3.x no longer installs
    Peer("otel-openai-v2", "official OTel openai-v2",
         ("opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai==1.1b0",
          "httpx")),
    # its successor (open-telemetry/opentelemetry-python-genai), the latest on the registry
    Peer("otel-genai-openai", "official OTel genai-openai",
         ("opentelemetry-instrumentation-genai-openai", "httpx")),
    Peer("openllmetry", "OpenLLMetry", ("opentelemetry-instrumentation-openai",)),
    Peer("openinference", "OpenInference", ("openinference-instrumentation-openai",)),
    Peer("openlit", "OpenLIT", ("openlit",)),
    Peer("ddtrace", "ddtrace", ("ddtrace",)),
    Peer("logfire", "Logfire", ("logfire",)),
)
BY_NAME = {peer.name: peer for peer in PEERS}


def python_of(name: str) -> Path:
    return ROOT / name / "bin" / "python"


def pins() -> tuple[str, ...]:
    """The SDK versions of the running interpreter, which every peer venv must share."""
    return tuple(f"{dist}=={version(dist)}" for dist in ("openai", "pydantic", "opentelemetry-sdk"))


def install(peer: Peer) -> bool:
    target = ROOT / peer.name
    if not python_of(peer.name).exists():
        venv.create(target, with_pip=True)
    command = [str(python_of(peer.name)), "-m", "pip", "install", "--quiet",
               *peer.packages, *pins()]
    print(f"== {peer.name}: {' '.join(command[4:])}", flush=True)
    done = subprocess.run(command, check=False)
    return done.returncode == 0


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BY_NAME]
    if unknown:
        print(f"peers.py: unknown peer {', '.join(unknown)}; usage: peers.py [PEER ...] "
              f"with PEER one of {', '.join(BY_NAME)}", file=sys.stderr)
        return 2
    ROOT.mkdir(exist_ok=True)
    (ROOT / ".gitignore").write_text("*\n")
    chosen = [BY_NAME[name] for name in argv] if argv else list(PEERS)
    failed = [peer.name for peer in chosen if not install(peer)]
    if failed:
        print(f"could not install: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
