"""What the conventions ask of our spans and metrics, and every name we emit accounted for:
either in the pinned conventions (conventions/pinned.txt) or in our own names' table in
docs/telemetry.md."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import openai
import pytest
from opentelemetry.trace import StatusCode

from openai_error_telemetry.codes import CODE_INFO, ErrorCode
from openai_error_telemetry.telemetry import semconv
from openai_error_telemetry.telemetry.urls import full_url
from tests.instrumentation.harness import (
    FAST_RETRY,
    QUOTA,
    RATE,
    Telemetry,
    chat_body,
    client,
    http,
    instrumented,
    json_response,
    response_body,
    sequence,
    sse_response,
)
from tests.instrumentation.test_cardinality_and_endpoints import exercise, router

ROOT = Path(__file__).resolve().parents[2]
PINNED = Path(__file__).with_name("conventions") / "pinned.txt"
CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
         "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}

RESUMED = {"type": "response.completed", "sequence_number": 4, "response": response_body()}


def pinned_names() -> set[str]:
    names = set()
    for line in PINNED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            names.add(line.split("|")[0].strip())
    return names


def own_names_table() -> list[tuple[str, str, str]]:
    """(opt-in name or "", default spelling, kind) of each row of the "Our own names"
    table in docs/telemetry.md."""
    text = (ROOT / "docs" / "telemetry.md").read_text()
    section = text.split("### Our own names", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (`[^`]+`|\(not written\)) \| `([^`]+)` \| (\w+) \|", section,
                      flags=re.MULTILINE)
    return [(latest.strip("`") if latest.startswith("`") else "", older, kind)
            for latest, older, kind in rows]


def documented_own_names(latest: bool | None = None) -> set[str]:
    """Our own names as the table spells them in one mode (both when ``latest`` is None)."""
    names: set[str] = set()
    for opt_in, older, _ in own_names_table():
        if latest is not False and opt_in:
            names.add(opt_in)
        if latest is not True:
            names.add(older)
    return names


def emitted(telemetry: Telemetry) -> set[str]:
    names: set[str] = set()
    for span in telemetry.spans():
        names.update(span.attributes)
        for event in span.events:
            names.add(event.name)
            names.update(event.attributes)
    data = telemetry.reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                names.add(metric.name)
                for point in metric.data.data_points:
                    names.update(point.attributes)
    return names


def everything(latest: bool) -> set[str]:
    seen: set[str] = set()
    for telemetry in instrumented(Telemetry(), latest_genai_names=latest, record_exceptions=True):
        exercise(client(router))
        handler, _ = sequence(sse_response([CHUNK, CHUNK]))
        list(client(handler).chat.completions.create(model="m", messages=[], stream=True))
        handler, _ = sequence(sse_response([RESUMED], done=False))
        list(client(handler).responses.retrieve("resp_1", stream=True, starting_after=3))
        seen = emitted(telemetry)
    return seen


@pytest.mark.parametrize("latest", [False, True], ids=["default", "latest"])
def test_every_name_we_emit_is_the_conventions_or_documented_as_ours(latest):
    names = everything(latest)
    assert len(names) > 30  # the exercise reached spans, events and metrics
    unaccounted = names - pinned_names() - documented_own_names(latest)
    assert unaccounted == set()
    # one mode, one spelling: nothing of the other mode's names leaks in
    assert names & (documented_own_names(not latest) - documented_own_names(latest)) == set()


def test_the_own_names_table_is_the_one_in_code():
    """docs/telemetry.md lists exactly the names semconv.OwnNames gives each mode."""
    def spelt(names: semconv.OwnNames) -> set[str]:
        values: set[str] = set()
        for value in vars(names).values():
            if isinstance(value, str):
                values.add(value)
            elif isinstance(value, tuple):
                values.update(older for _, older in value)
        return values

    assert documented_own_names(latest=True) == spelt(semconv.LATEST_NAMES)
    assert documented_own_names(latest=False) == spelt(semconv.OLDER_NAMES)
    assert all(name.startswith(semconv.OWN_NAMESPACE + ".")
               for name in documented_own_names(latest=True))


def test_every_documented_own_name_is_outside_the_conventions_names():
    assert documented_own_names() & pinned_names() == set()


def test_the_tracer_and_meter_declare_the_schema_they_follow(telemetry):
    handler, _ = sequence(json_response(200, chat_body()))
    client(handler).chat.completions.create(model="m", messages=[])
    (span,) = telemetry.spans()
    assert span.instrumentation_scope.schema_url == semconv.SCHEMA_URL
    data = telemetry.reader.get_metrics_data()
    scopes = {scope.scope.name: scope.scope.schema_url
              for resource in data.resource_metrics for scope in resource.scope_metrics}
    assert scopes[semconv.METER_NAME] == semconv.SCHEMA_URL


def test_a_failed_span_describes_the_code_without_repeating_it(telemetry):
    handler, _ = sequence(json_response(429, QUOTA))
    with pytest.raises(Exception, match="quota"):
        client(handler, max_retries=0).chat.completions.create(model="m", messages=[])
    for span in telemetry.spans():
        assert span.status.status_code == StatusCode.ERROR
        assert span.status.description == CODE_INFO[ErrorCode.QUOTA_EXHAUSTED].meaning
        assert span.status.description != span.attributes["error.type"]


def test_a_streamed_request_says_so_and_others_do_not(telemetry):
    handler, _ = sequence(sse_response([CHUNK]), json_response(200, chat_body()))
    list(client(handler).chat.completions.create(model="m", messages=[], stream=True))
    client(handler).chat.completions.create(model="m", messages=[])
    streamed, plain = telemetry.spans("operation")
    assert streamed.attributes["gen_ai.request.stream"] is True
    assert "gen_ai.request.stream" not in plain.attributes
    point = telemetry.points("gen_ai.client.operation.duration")[0]
    assert "gen_ai.request.stream" not in point.attributes  # metric sets unchanged


def test_attempt_spans_carry_url_full_without_user_info_or_query():
    handler, _ = sequence(json_response(429, RATE, FAST_RETRY), json_response(200, chat_body()))
    for telemetry in instrumented(Telemetry()):
        c = openai.OpenAI(api_key="sk-test", max_retries=2,
                          base_url="http://someone:secret@127.0.0.1:8080/v1",
                          http_client=http.Client(transport=http.MockTransport(handler)))
        c.chat.completions.create(model="m", messages=[])
        attempts = telemetry.spans("attempt")
        assert len(attempts) == 2
        for span in attempts:
            assert span.attributes["url.full"] == "http://127.0.0.1:8080/v1/chat/completions"


@pytest.mark.parametrize(("url", "full"), [
    ("https://api.openai.com/v1/responses", "https://api.openai.com/v1/responses"),
    ("https://u:p@[::1]:8443/v1/x?api-key=k", "https://[::1]:8443/v1/x"),
    ("http://localhost/openai/deployments/d/chat/completions?api-version=2024-10-21",
     "http://localhost/openai/deployments/d/chat/completions"),
])
def test_full_url_keeps_scheme_host_port_and_path_only(url, full):
    assert full_url(httpx.URL(url)) == full


def test_reading_a_response_again_is_fetch_response_without_tokens(telemetry):
    body = {"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4o",
            "output": [], "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7,
                                    "input_tokens_details": {"cached_tokens": 0},
                                    "output_tokens_details": {"reasoning_tokens": 0}}}
    handler, _ = sequence(json_response(200, body), json_response(200, body))
    c = client(handler)
    c.responses.retrieve("resp_1")
    c.responses.retrieve("resp_1")
    spans = telemetry.spans("operation")
    assert [s.attributes["gen_ai.operation.name"] for s in spans] == ["fetch_response"] * 2
    assert all("gen_ai.usage.input_tokens" not in s.attributes for s in spans)
    assert telemetry.points("gen_ai.client.token.usage") == []
