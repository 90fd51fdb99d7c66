"""What a hostile caller or server costs: metric series, and error bodies the SDK skips.

``series``: N calls with a new model, host, id and status each (in memory), then the
number of series per metric. ``bodies``: a streamed chat call against a scripted loopback
server whose retried 503 body trickles for 6 s, or announces 300 MB; each run in a child
process, plain and instrumented, for its wall time and peak resident memory. Run it from
two checkouts to compare (issue 24's note).

    python benchmarks/hostile.py series [--calls 5000]
    python benchmarks/hostile.py bodies
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _base62(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


def series(calls: int) -> dict[str, int]:
    import importlib

    import openai
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider

    import openai_error_telemetry

    http: Any = importlib.import_module("httpx2" if int(openai.__version__[0]) >= 3 else "httpx")
    rng = random.Random(7)

    def answer(request: Any) -> Any:
        path = request.url.path
        status = rng.choice([200, 200, 400, 404, 409, 418, 429, 451, 500, 502, 503, 599])
        if status != 200:
            return http.Response(status, json={"error": {"message": "x", "type": "t",
                                                         "code": uuid.uuid4().hex}})
        if "/responses/" in path:
            return http.Response(200, json={
                "id": "resp_" + uuid.uuid4().hex, "object": "response", "created_at": 1,
                "status": "failed", "background": True, "model": "m-" + uuid.uuid4().hex,
                "output": [], "error": {"code": "server_error", "message": "x"},
                "parallel_tool_calls": True, "tool_choice": "auto", "tools": []})
        return http.Response(200, json={
            "id": "x", "object": "model", "created": 1, "owned_by": "o",
            "model": "served-" + uuid.uuid4().hex, "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    reader = InMemoryMetricReader()
    openai_error_telemetry.instrument(tracer_provider=TracerProvider(),
                                      meter_provider=MeterProvider(metric_readers=[reader]))
    transport = http.Client(transport=http.MockTransport(answer))
    for i in range(calls):
        client = openai.OpenAI(api_key="sk-x", base_url=f"http://h{i % 500}.test/v1",
                               max_retries=0, http_client=transport)
        call = i % 4
        try:
            if call == 0:
                client.files.retrieve("file-" + _base62(rng, 22))
            elif call == 1:
                client.responses.retrieve("resp_" + _base62(rng, 12))
            elif call == 2:
                client.models.retrieve("model-" + _base62(rng, 8))
            else:
                client.chat.completions.create(model="m-" + uuid.uuid4().hex,
                                               messages=[{"role": "user", "content": "x"}])
        except Exception:
            pass
    counts: dict[str, int] = {}
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data else ():
        for scope in resource_metrics.scope_metrics:
            for metric in scope.metrics:
                counts[metric.name] = len(metric.data.data_points)
    return counts


def _body_run(kind: str, instrumented: bool) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import openai
    from tests.hardening.rawserver import huge_503, ok_stream, raw_server, trickle_503

    if instrumented:
        from opentelemetry.sdk.trace import TracerProvider

        import openai_error_telemetry
        openai_error_telemetry.instrument(tracer_provider=TracerProvider())
    script = trickle_503 if kind == "trickle" else huge_503
    with raw_server(script, ok_stream) as server:
        client = openai.OpenAI(api_key="sk-x", base_url=server.base_url, max_retries=1)
        started = time.perf_counter()
        stream = client.chat.completions.create(model="m", stream=True,
                                                messages=[{"role": "user", "content": "x"}])
        list(stream)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "peak_mib": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("what", choices=["series", "bodies", "_body"])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--kind", default="trickle")
    parser.add_argument("--instrumented", action="store_true")
    args = parser.parse_args()
    if args.what == "series":
        for name, count in sorted(series(args.calls).items()):
            print(f"{count:6d}  {name}")
    elif args.what == "_body":
        print(json.dumps(_body_run(args.kind, args.instrumented)))
    else:
        for kind in ("trickle", "huge"):
            for on in (False, True):
                flags = ["--instrumented"] if on else []
                out = subprocess.run([sys.executable, __file__, "_body", "--kind", kind, *flags],
                                     capture_output=True, text=True, check=True, timeout=900)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                label = "instrumented" if on else "plain"
                print(f"{kind:8s} {label:13s} {result['seconds']:8.3f} s "
                      f"peak {result['peak_mib']:7.1f} MiB")


if __name__ == "__main__":
    main()
