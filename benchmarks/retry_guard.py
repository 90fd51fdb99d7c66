"""Time the retry guard saves per quota failure, with the SDK's default retries.

    .venv/bin/python benchmarks/retry_guard.py [--calls 3]

Runs the real SDK (``max_retries=2``, its real backoff) against the fault server
answering ``insufficient_quota``; the same calls with the guard off and on, interleaved.
Each call raises the same ``RateLimitError`` either way; the guard only skips retries
that could never succeed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import openai  # noqa: E402
import structlog  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from tests.fault_server import run_fault_server  # noqa: E402

import openai_error_telemetry  # noqa: E402

MESSAGES = [{"role": "user", "content": "hi"}]


def one_call(client: openai.OpenAI) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                       extra_headers={"x-fault": "quota_exhausted"})
    except openai.RateLimitError as error:
        return time.perf_counter() - start, str(error.code)
    raise AssertionError("the fault server did not answer insufficient_quota")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="calls per setting")
    args = parser.parse_args()
    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())
    providers = {"tracer_provider": TracerProvider(), "meter_provider": MeterProvider()}
    times: dict[bool, list[float]] = {False: [], True: []}
    with run_fault_server() as server, openai.OpenAI(
            base_url=server.base_url, api_key="sk-bench", timeout=10) as client:
        for _ in range(args.calls):
            for guard in (False, True):
                openai_error_telemetry.instrument(retry_guard=guard, **providers)
                try:
                    elapsed, code = one_call(client)
                finally:
                    openai_error_telemetry.uninstrument()
                assert code == "insufficient_quota"
                times[guard].append(elapsed)
        requests = server.stats()
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"openai {openai.__version__}, default max_retries={client.max_retries}, "
          f"{args.calls} calls per setting, medians")
    print("| retry guard | seconds per quota failure |")
    print("|---|---:|")
    print(f"| off | {off:.3f} |")
    print(f"| on | {on:.3f} |")
    print(f"saved per quota failure: {off - on:.3f} s ({(off - on) / off:.0%}); the server "
          f"saw {requests.get('requests')} requests for {2 * args.calls} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
