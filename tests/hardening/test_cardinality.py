"""Every metric attribute bounded, whatever the caller and the server send.

Thousands of calls, each with a new request model, a new host, a new id in the path, a
server that answers with a new response model and any status code: the distinct values
per metric attribute stay within the documented bounds (docs/telemetry.md,
"Cardinality"), and no metric reaches the OpenTelemetry SDK's 2,000-series cap.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from openai_error_telemetry.instrumentation import providers
from openai_error_telemetry.instrumentation.names import VERBS
from openai_error_telemetry.instrumentation.resources import known_names
from openai_error_telemetry.instrumentation.runtime import get_runtime
from openai_error_telemetry.telemetry import bounds, recorder
from tests.instrumentation.harness import (
    Telemetry,
    chat_body,
    http,
    instrumented,
    json_response,
    response_body,
)

CALLS = 3_000
OTEL_SERIES_CAP = 2_000
BOUND = {
    "gen_ai.request.model": bounds.MODEL_LIMIT + 1,  # + _OTHER
    "gen_ai.response.model": bounds.MODEL_LIMIT + 1,
    "server.address": bounds.SERVER_LIMIT + 1,
    "server.port": bounds.SERVER_LIMIT,
    "http.response.status_code": bounds.STATUS_LIMIT,
}


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield from instrumented(Telemetry())


def hostile(request: Any) -> Any:
    rng = random.Random(request.url.path)
    if request.url.path.startswith("/v1/responses/"):
        return json_response(200, response_body(id=f"resp_{uuid.uuid4().hex}", background=True,
                                                status="failed", model=uuid.uuid4().hex,
                                                error={"code": "server_error",
                                                       "message": "x"}))
    if rng.random() < 0.5:
        status = rng.choice([*range(400, 600), 999, 1])
        return json_response(status if status >= 100 else 500,
                             {"error": {"message": "x", "type": uuid.uuid4().hex,
                                        "code": uuid.uuid4().hex}})
    return json_response(200, chat_body(model="served-" + uuid.uuid4().hex))


def test_thousands_of_hostile_values_stay_within_the_bounds(telemetry):
    transport = http.Client(transport=http.MockTransport(hostile))
    for i in range(CALLS):
        c = openai.OpenAI(api_key="sk-test", base_url=f"http://h{i}.test:{1000 + i}/v1",
                          max_retries=0, http_client=transport)
        token = uuid.uuid4().hex
        try:
            if i % 3 == 0:
                c.responses.retrieve(f"resp_{token}")
            elif i % 3 == 1:
                c.files.retrieve(f"file-{token}")
            else:
                c.chat.completions.create(model=f"model-{token}" * (1 + i % 7),
                                          messages=[{"role": "user", "content": token}])
        except Exception:
            pass
    names = known_names() | VERBS
    data = telemetry.reader.get_metrics_data()
    assert data is not None
    checked = 0
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points = metric.data.data_points
                assert len(points) < OTEL_SERIES_CAP, metric.name
                values: dict[str, set[Any]] = defaultdict(set)
                for point in points:
                    for key, value in dict(point.attributes).items():
                        values[key].add(value)
                for key, bound in BOUND.items():
                    assert len(values.get(key, ())) <= bound, (metric.name, key)
                assert values.get("gen_ai.operation.name", set()) <= names
                for value in values.get("http.response.status_code", ()):
                    assert 100 <= value <= 599
                checked += 1
    assert checked >= 3  # duration, attempts, jobs at least
    # the per-call caches stayed within their own bounds too
    runtime = get_runtime()
    assert runtime is not None
    assert 0 < len(runtime.recorder._sets) <= recorder.MAX_SETS
    assert 0 < len(providers._destinations) <= providers._MAX_CACHED
