"""What a request says and what an answer carries, read without reading anything new.

The request's model and span-only facts come from the options the SDK built; the
answer's usage, finish reasons and a poll helper's raw JSON from what the SDK already
parsed or buffered. Every read is bounded.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ..telemetry import semconv
from ..telemetry.attributes import Attributes

MAX_RAW_BODY = 256 * 1024  # a raw job answer larger than this is not parsed
MAX_CHOICES = 16  # finish reasons read from at most this many choices (n > 16 is rare)
MAX_TIER = 32  # a service tier is a short word ("auto", "flex", "priority")
MAX_CURSOR = 20  # a stream cursor is an event's sequence number
MAX_TOKENS = 2**63 - 1  # OTLP's int64


def server_of(client: Any) -> tuple[str, int]:
    """The host and port of the client's ``base_url`` (the scheme's port if none)."""
    url = client.base_url
    host = url.host or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    return host, port


def request_facts(options: Any) -> tuple[Optional[str], Optional[Attributes]]:
    """The requested model and the span-only request attributes (``gen_ai.request.stream``,
    ``openai.request.service_tier``), from one read of the JSON body; a body-less GET
    (``fetch_response``) says them in its query instead."""
    data = getattr(options, "json_data", None)
    if not isinstance(data, dict):
        return None, query_facts(getattr(options, "params", None))
    model = data.get("model")
    span_only: Optional[Attributes] = None
    if data.get("stream") is True:
        span_only = {semconv.GEN_AI_REQUEST_STREAM: True}
    tier = data.get("service_tier")
    if isinstance(tier, str) and len(tier) <= MAX_TIER:
        span_only = {**(span_only or {}), semconv.OPENAI_REQUEST_SERVICE_TIER: tier}
    return (model if isinstance(model, str) else None), span_only


def query_facts(params: Any) -> Optional[Attributes]:
    """``retrieve(stream=True, starting_after=N)``: a streamed fetch, and the cursor it
    resumes from (``gen_ai.request.stream_cursor``, a string as the conventions type it)."""
    if not isinstance(params, dict) or params.get("stream") is not True:
        return None
    facts: Attributes = {semconv.GEN_AI_REQUEST_STREAM: True}
    cursor = params.get("starting_after")
    if isinstance(cursor, (int, str)) and not isinstance(cursor, bool):
        text = str(cursor)
        if 0 < len(text) <= MAX_CURSOR:
            facts[semconv.GEN_AI_REQUEST_STREAM_CURSOR] = text
    return facts


def finish_reasons(choices: Any) -> Optional[tuple[str, ...]]:
    """``choices[].finish_reason`` of a chat completion, completion or stream chunk."""
    if not isinstance(choices, list) or not choices:
        return None
    reasons = []
    for choice in choices[:MAX_CHOICES]:
        reason = values_of(choice).get("finish_reason")
        if isinstance(reason, str):
            reasons.append(reason)
    return tuple(reasons) if reasons else None


def usage_numbers(usage: Any) -> tuple[Optional[int], Optional[int]]:
    """(input, output) tokens from chat/completions/embeddings or Responses usage."""
    if usage is None:
        return None, None
    source = usage if isinstance(usage, dict) else getattr(usage, "__dict__", {})
    return (
        _token_count(source.get("input_tokens", source.get("prompt_tokens"))),
        _token_count(source.get("output_tokens", source.get("completion_tokens"))),
    )


def _token_count(value: Any) -> Optional[int]:
    """A count OTLP can carry: an int in [0, 2**63 - 1], clipped above; a negative or
    non-integer count from a server is no count at all."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    return value if value <= MAX_TOKENS else MAX_TOKENS


def values_of(obj: Any) -> dict[str, Any]:
    values = obj if isinstance(obj, dict) else getattr(obj, "__dict__", None)
    return values if isinstance(values, dict) else {}


def raw_json(result: Any) -> Any:
    """The JSON a raw response (``with_raw_response``, the SDK's poll helpers) already
    read, or None: nothing unread is ever read here."""
    http_response = getattr(result, "http_response", None)
    content = getattr(http_response, "_content", None)
    if not isinstance(content, bytes) or not content or len(content) > MAX_RAW_BODY:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None
