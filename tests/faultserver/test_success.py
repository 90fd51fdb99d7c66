"""Without faults the server answers like the API, and every SDK major parses it."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest

from tests.fault_server import FaultServerProcess

pytestmark = pytest.mark.integration

MESSAGES: list[Any] = [{"role": "user", "content": "a prompt the server must not echo"}]


def test_chat_completion(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    answer = raw.parse()
    assert answer.model == "gpt-4o"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content
    assert "prompt" not in answer.choices[0].message.content
    assert answer.usage is not None
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert raw.headers["x-request-id"].startswith("req_")
    assert answer._request_id == raw.headers["x-request-id"]


def test_chat_stream_with_usage(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True,
        stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(chunks) - 3  # role, words, stop, usage


async def test_async_chat_stream(aclient: openai.AsyncOpenAI) -> None:
    stream = await aclient.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                                   stream=True)
    chunks = [chunk async for chunk in stream]
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_responses_plain_and_retrievable(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4o-mini", input="hi")
    assert response.status == "completed"
    assert response.output_text
    assert response.usage is not None
    again = client.responses.retrieve(response.id)
    assert again.id == response.id
    assert again.output_text == response.output_text


def test_responses_stream(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model="gpt-4o-mini", input="hi", stream=True))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == deltas  # type: ignore[union-attr]
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_responses_stream_helper_gets_the_final_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o-mini", input="hi") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.status == "completed"


def test_embeddings_default_base64_and_floats(client: openai.OpenAI) -> None:
    default = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    floats = client.embeddings.create(model="text-embedding-3-small", input="a",
                                      encoding_format="float", dimensions=4)
    assert len(default.data) == 2
    assert len(default.data[0].embedding) == 16
    assert all(isinstance(x, float) for x in default.data[1].embedding)
    assert len(floats.data[0].embedding) == 4
    # base64 carries float32, JSON float64: the same vector to float32 precision
    assert floats.data[0].embedding == pytest.approx(default.data[0].embedding[:4], rel=1e-6)


def test_models(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids


def test_unknown_route_is_an_openai_shaped_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.post("/no/such/thing", cast_to=object, body={})
    assert caught.value.type == "invalid_request_error"


def test_stats_tally_and_reset(fault_server: FaultServerProcess, client: openai.OpenAI) -> None:
    fault_server.reset()
    client.models.list()
    with pytest.raises(openai.InternalServerError):
        client.models.list(extra_headers={"x-fault": "server_error"})
    stats = fault_server.stats()
    assert stats["requests"] == 2
    assert stats["by_fault"] == {"none": 1, "server_error": 1}
    assert stats["by_status"] == {"200": 1, "500": 1}
    assert stats["by_source"] == {"none": 1, "header": 1}
    assert stats["by_endpoint_fault_status"] == {"models.list none 200": 1,
                                                 "models.list server_error 500": 1}
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_never_made")
    assert fault_server.stats()["by_endpoint_fault_status"]["responses.retrieve none 404"] == 1
    fault_server.reset()
    assert fault_server.stats()["requests"] == 0


async def test_a_hundred_concurrent_streams(fault_server: FaultServerProcess) -> None:
    async def one(client: openai.AsyncOpenAI) -> int:
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                                      stream=True)
        return len([chunk async for chunk in stream])

    before = fault_server.stats()["by_endpoint_fault_status"].get("chat.completions none 200", 0)
    async with openai.AsyncOpenAI(base_url=fault_server.base_url, api_key="sk-test",
                                  max_retries=0) as client:
        counts = await asyncio.gather(*(one(client) for _ in range(100)))
    assert counts == [counts[0]] * 100
    after = fault_server.stats()["by_endpoint_fault_status"]["chat.completions none 200"]
    assert after - before == 100


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_a_400(
        fault_server: FaultServerProcess, body: bytes) -> None:
    request = urllib.request.Request(f"{fault_server.base_url}/chat/completions", data=body,
                                     method="POST",
                                     headers={"content-type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    assert caught.value.code == 400
    error = json.loads(caught.value.read())["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"]
