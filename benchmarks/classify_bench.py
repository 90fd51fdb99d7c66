"""Microseconds per classification: an SDK-built RateLimitError, and raw HTTP answers.

    python benchmarks/classify_bench.py [--rounds 7] [--number 20000]

Each case is timed in interleaved rounds; the median and the spread (min-max) are printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import statistics
import timeit
from collections.abc import Callable

import openai

from openai_error_telemetry import classify_exception, classify_http, classify_job

http = importlib.import_module("httpx2" if int(openai.__version__.split(".")[0]) >= 3 else "httpx")

RATE_LIMIT_BODY = {
    "error": {
        "message": "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): "
        "Limit 30000, Used 29800, Requested 900. Please try again in 1.8s.",
        "type": "tokens",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
HEADERS = {
    "retry-after-ms": "1800",
    "x-request-id": "req_0123456789abcdef",
    "x-ratelimit-limit-tokens": "30000",
    "x-ratelimit-remaining-tokens": "0",
    "content-type": "application/json",
}


def sdk_rate_limit_error() -> BaseException:
    """Let the real SDK build the exception from a real (in-memory) 429."""

    def handler(request: object) -> object:
        return http.Response(429, json=RATE_LIMIT_BODY, headers=HEADERS)

    client = openai.OpenAI(
        api_key="sk-bench", base_url="http://bench/v1", max_retries=0,
        http_client=http.Client(transport=http.MockTransport(handler)),
    )
    try:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    except openai.RateLimitError as exc:
        return exc
    raise SystemExit("expected a RateLimitError")


def cases() -> dict[str, Callable[[], object]]:
    exc = sdk_rate_limit_error()
    body_bytes = json.dumps(RATE_LIMIT_BODY).encode()
    html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    failed = {"id": "resp_1", "object": "response", "status": "failed",
              "error": {"code": "server_error", "message": "The server had an error."}}
    return {
        "SDK RateLimitError (exception)": lambda: classify_exception(exc),
        "HTTP 429, JSON body as bytes": lambda: classify_http(429, HEADERS, body_bytes),
        "HTTP 429, decoded dict body": lambda: classify_http(429, HEADERS, RATE_LIMIT_BODY),
        "HTTP 502, HTML gateway page": lambda: classify_http(502, {}, html),
        "failed background Response": lambda: classify_job(failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    table = cases()
    samples: dict[str, list[float]] = {name: [] for name in table}
    for _ in range(args.rounds):
        for name, call in table.items():
            seconds = timeit.timeit(call, number=args.number)
            samples[name].append(seconds / args.number * 1e6)
    print(f"python {platform.python_version()}, openai {openai.__version__}, "
          f"{args.rounds} rounds x {args.number} calls")
    print(f"{'case':<34} {'median us':>10} {'min-max us':>16}")
    for name, values in samples.items():
        print(f"{name:<34} {statistics.median(values):>10.2f} "
              f"{min(values):>7.2f}-{max(values):<8.2f}")


if __name__ == "__main__":
    main()
