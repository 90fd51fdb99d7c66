"""Successful answers shaped like the OpenAI API's, for the SDK to parse.

The text is canned and never echoes the prompt: the server must not become a way for
prompt text to reach logs or telemetry. Token counts are rough (4 characters a token).
"""

from __future__ import annotations

import base64
import struct
import time
import uuid
from collections.abc import Iterator
from typing import Any, Optional

from .faults import coded_error
from .jobs import Job

CANNED_WORDS = (
    "The", " fault", " server", " answered", " this", " request", " without", " a",
    " fault", " on", " purpose", ".",
)
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o4-mini", "text-embedding-3-small")


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def canned_words(count: int) -> list[str]:
    return [CANNED_WORDS[i % len(CANNED_WORDS)] for i in range(max(count, 1))]


def count_tokens(value: Any) -> int:
    """A rough token count of every string in a request field (never stored)."""
    chars = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return max(chars // 4, 1)


def chat_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def chat_completion(model: str, words: list[str], prompt_tokens: int) -> dict[str, Any]:
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_faultserver",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "".join(words), "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": chat_usage(prompt_tokens, len(words)),
    }


def chat_chunks(model: str, words: list[str], prompt_tokens: int,
                include_usage: bool) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` events of a streamed answer, in order."""
    base = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_faultserver",
    }
    extra = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: Optional[str]) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **extra}

    yield chunk({"role": "assistant", "content": "", "refusal": None}, None)
    for word in words:
        yield chunk({"content": word}, None)
    yield chunk({}, "stop")
    if include_usage:
        yield {**base, "choices": [], "usage": chat_usage(prompt_tokens, len(words))}


def _message(job: Job, text: str, status: str) -> dict[str, Any]:
    """The output message of a response; its id follows the response's, stable across polls."""
    return {
        "type": "message",
        "id": "msg_" + job.id.partition("_")[2],
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}] if text else [],
    }


def response_object(job: Job, status: str, words: list[str]) -> dict[str, Any]:
    """A Responses API ``response`` object as it stands in ``status``."""
    finished = status in ("completed", "incomplete")
    output = [_message(job, "".join(words), "completed" if status == "completed" else
                       "incomplete")] if finished else []
    out_tokens = len(words) if finished else 0
    error = coded_error(job.outcome.error_code or "server_error") if status == "failed" else None
    incomplete = ({"reason": job.outcome.reason or "max_output_tokens"}
                  if status == "incomplete" else None)
    return {
        "id": job.id,
        "object": "response",
        "created_at": job.created_at,
        "status": status,
        "background": job.background,
        "error": None if error is None else {"code": error["code"], "message": error["message"]},
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": None,
        "model": job.model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None if not finished else {
            "input_tokens": job.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": job.input_tokens + out_tokens,
        },
        "metadata": {},
    }


def response_events(job: Job, words: list[str], final: str) -> Iterator[dict[str, Any]]:
    """The SSE events of a streamed Responses answer ending in ``final`` status."""
    seq = iter(range(1_000_000))
    item_id = _message(job, "", "in_progress")["id"]
    yield {"type": "response.created", "sequence_number": next(seq),
           "response": response_object(job, "in_progress", words)}
    yield {"type": "response.in_progress", "sequence_number": next(seq),
           "response": response_object(job, "in_progress", words)}
    part = {"type": "output_text", "text": "", "annotations": []}
    yield {"type": "response.output_item.added", "sequence_number": next(seq), "output_index": 0,
           "item": _message(job, "", "in_progress")}
    yield {"type": "response.content_part.added", "sequence_number": next(seq),
           "item_id": item_id, "output_index": 0, "content_index": 0, "part": part}
    for word in words:
        yield {"type": "response.output_text.delta", "sequence_number": next(seq),
               "item_id": item_id, "output_index": 0, "content_index": 0, "delta": word,
               "logprobs": []}
    if final == "failed":
        yield {"type": "response.failed", "sequence_number": next(seq),
               "response": response_object(job, "failed", words)}
        return
    text = "".join(words)
    yield {"type": "response.output_text.done", "sequence_number": next(seq),
           "item_id": item_id, "output_index": 0, "content_index": 0, "text": text,
           "logprobs": []}
    yield {"type": "response.content_part.done", "sequence_number": next(seq),
           "item_id": item_id, "output_index": 0, "content_index": 0,
           "part": {**part, "text": text}}
    yield {"type": "response.output_item.done", "sequence_number": next(seq), "output_index": 0,
           "item": _message(job, text, "completed")}
    yield {"type": f"response.{final}", "sequence_number": next(seq),
           "response": response_object(job, final, words)}


def embeddings(model: str, inputs: list[Any], dimensions: int, base64_out: bool,
               prompt_tokens: int) -> dict[str, Any]:
    data = []
    for index in range(len(inputs)):
        vector = [((index + 1) * (d + 1) % 97) / 97.0 for d in range(dimensions)]
        value: Any = (base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
                      if base64_out else vector)
        data.append({"object": "embedding", "index": index, "embedding": value})
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}


def model_list() -> dict[str, Any]:
    return {"object": "list", "data": [
        {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
        for m in MODELS
    ]}
