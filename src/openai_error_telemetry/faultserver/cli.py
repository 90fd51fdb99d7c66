"""``openai-error-telemetry fault-server``: run the server until SIGINT or SIGTERM.

It prints exactly one line to stdout once it listens,
``fault-server listening on http://HOST:PORT``, so tests and the demo can start it with
``--port 0`` and read the port it got.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import logging
import signal
import sys
from pathlib import Path

from .config import ServerConfig
from .scenario import NO_FAULTS, Scenario, ScenarioError, load_scenario, scenario_from_flags

SHUTDOWN_TIMEOUT_S = 2.0
BACKLOG = 1024


def port_number(text: str) -> int:
    """A TCP port, 0..65535 (argparse turns the error into exit 2 with the reason)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535, 0 picks a free one)")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ServerConfig()
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    add("--port", type=port_number, default=0,
        help="port (default 0: a free one, announced on stdout)")
    add("--scenario", type=Path, metavar="FILE",
        help="scenario file (.toml or .json): fault rates per time phase")
    add("--fault", action="append", default=[], metavar="FAULT:RATE",
        help="a fault and its rate per request, e.g. rate_limited:0.1 (repeatable)")
    add("--seed", type=int, help="seed the dice, for a repeatable run")
    add("--rpm", type=int, help="enforce this many requests per minute per model")
    add("--tpm", type=int, help="enforce this many tokens per minute per model")
    add("--burst-seconds", type=float, default=defaults.burst_seconds,
        help="bucket size in seconds of the per-minute limit (default 60: a full minute)")
    add("--words", type=int, default=defaults.words,
        help="words (and stream chunks) per answer (default %(default)s)")
    add("--chunk-delay", type=float, default=defaults.chunk_delay,
        help="seconds between stream chunks (default %(default)s)")
    add("--timeout-delay", type=float, default=defaults.timeout_delay,
        help="seconds the `timeout` fault waits before answering (default %(default)s)")
    add("--retry-after", type=float, default=defaults.retry_after,
        help="retry-after seconds of injected rate_limited faults (default %(default)s)")
    add("--queued", type=float, default=defaults.queued_s,
        help="seconds a background job stays queued (default %(default)s)")
    add("--run", type=float, default=defaults.run_s,
        help="seconds a background job stays in_progress (default %(default)s)")
    add("--max-jobs", type=int, default=defaults.max_jobs,
        help="responses kept for retrieval; the oldest are forgotten (default %(default)s)")
    add("--webhook-secret", default=defaults.webhook_secret, metavar="whsec_...",
        help="the secret /_fault/webhooks signs deliveries with (default: a fixed test "
             "secret, see docs/fault-server.md)")
    add("--access-log", action="store_true", help="log every request to stderr")


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    scenario: Scenario = NO_FAULTS
    if args.scenario is not None and args.fault:
        raise ScenarioError("give --scenario or --fault, not both")
    if args.scenario is not None:
        scenario = load_scenario(args.scenario)
    elif args.fault:
        scenario = scenario_from_flags(args.fault)
    for name in ("rpm", "tpm"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ScenarioError(f"--{name} must be > 0")
    if args.burst_seconds <= 0 or args.words < 1 or args.max_jobs < 1:
        raise ScenarioError("--burst-seconds, --words and --max-jobs must be > 0")
    if not _is_webhook_secret(args.webhook_secret):
        raise ScenarioError("--webhook-secret must be whsec_ followed by base64")
    return ServerConfig(
        scenario=scenario, rpm=args.rpm, tpm=args.tpm, burst_seconds=args.burst_seconds,
        words=args.words, chunk_delay=args.chunk_delay, timeout_delay=args.timeout_delay,
        retry_after=args.retry_after, queued_s=args.queued, run_s=args.run,
        max_jobs=args.max_jobs, seed=args.seed, webhook_secret=args.webhook_secret,
    )


def _is_webhook_secret(value: str) -> bool:
    try:
        return value.startswith("whsec_") and bool(base64.b64decode(value[6:], validate=True))
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(config: ServerConfig, host: str, port: int, *, access_log: bool = False) -> int:
    """Listen, announce the URL, and run until SIGINT/SIGTERM; then shut down cleanly."""
    from aiohttp import web  # the demo extra; imported here so `--help` works without it

    from .app import FaultServer

    server = FaultServer(config)
    runner = web.AppRunner(
        server.build_app(),
        handler_cancellation=True,  # a client that gave up (timeout fault) frees its handler
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        access_log=logging.getLogger("aiohttp.access") if access_log else None,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=BACKLOG)
        await site.start()
        bound_port = int(runner.addresses[0][1])
        print(f"fault-server listening on {url_for(host, bound_port)}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    finally:
        await runner.cleanup()
    return 0


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("aiohttp") is None:
        print("fault-server needs aiohttp: pip install 'openai-error-telemetry[demo]'",
              file=sys.stderr)
        return 2
    try:
        config = config_from_args(args)
    except (ScenarioError, OSError) as exc:
        print(f"fault-server: {exc}", file=sys.stderr)
        return 2
    if args.access_log:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        return asyncio.run(serve(config, args.host, args.port, access_log=args.access_log))
    except OSError as exc:
        print(f"fault-server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
