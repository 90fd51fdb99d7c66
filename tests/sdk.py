"""The installed openai SDK and the HTTP library it sends through, resolved once.

openai 3.x sends through ``httpx2``; 1.x and 2.x through ``httpx``. Tests that let the
real SDK build its exceptions use whichever it uses, with an in-memory transport.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import openai

OPENAI_MAJOR = int(openai.__version__.split(".")[0])
http = importlib.import_module("httpx2" if OPENAI_MAJOR >= 3 else "httpx")

Handler = Callable[[Any], Any]


def client(handler: Handler, **options: Any) -> openai.OpenAI:
    options.setdefault("max_retries", 0)
    return openai.OpenAI(
        api_key="sk-test-not-a-key",
        base_url="http://testserver/v1",
        http_client=http.Client(transport=http.MockTransport(handler)),
        **options,
    )


def async_client(handler: Handler, **options: Any) -> openai.AsyncOpenAI:
    options.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(
        api_key="sk-test-not-a-key",
        base_url="http://testserver/v1",
        http_client=http.AsyncClient(transport=http.MockTransport(handler)),
        **options,
    )


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    """A handler that answers every request the same way."""

    def handle(request: Any) -> Any:
        if isinstance(body, (dict, list)):
            return http.Response(status, json=body, headers=headers or {})
        return http.Response(status, content=(body or "").encode(), headers=headers or {})

    return handle


def sse(*events: Any, then: BaseException | None = None) -> Handler:
    """A handler streaming server-sent events, optionally breaking off with ``then``."""

    class Body(http.SyncByteStream):  # type: ignore[misc,name-defined]
        def __iter__(self) -> Iterator[bytes]:
            for event in events:
                if isinstance(event, tuple):
                    name, data = event
                    yield f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
                else:
                    yield f"data: {json.dumps(event)}\n\n".encode()
            if then is not None:
                raise then
            yield b"data: [DONE]\n\n"

    def handle(request: Any) -> Any:
        return http.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())

    return handle


CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def chat_chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


def completion(content: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
