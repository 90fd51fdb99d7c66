"""Low-cardinality operation names from an HTTP method and an API path.

Every endpoint goes through the same client method, so the operation is named from
its path: ids are dropped, GenAI names are used where the conventions have one
(``chat``, ``text_completion``, ``embeddings``, ``generate_content``), and the
Responses follow-ups are ``retrieve``, ``cancel``, ``delete``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

_GENAI_NAMES = {
    ("POST", "chat/completions"): "chat",
    ("POST", "completions"): "text_completion",
    ("POST", "embeddings"): "embeddings",
    ("POST", "responses"): "generate_content",
}
_VERB_ON_ID = {"GET": "retrieve", "DELETE": "delete", "POST": "update"}
_VERB_ON_COLLECTION = {"GET": "list", "DELETE": "delete"}
RESPONSES = "responses"
INFERENCE_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})


class Described(NamedTuple):
    """An operation's name, whether it is a Responses call, and the response id in its path."""

    name: str
    is_responses: bool
    response_id: Optional[str]
    path: str


def _is_id(segment: str) -> bool:
    """Ids carry digits or are long; resource words are short and alphabetic."""
    return len(segment) > 40 or any(ch.isdigit() for ch in segment) or ":" in segment


def _path_of(url: str) -> str:
    if "://" in url:
        return urlsplit(url).path
    return url.split("?", 1)[0]


def _strip_prefix(segments: list[str]) -> list[str]:
    """Drop ``v1`` and Azure's ``openai/deployments/{name}`` ahead of the resource."""
    if segments[:1] == ["openai"]:
        segments = segments[1:]
    if segments[:1] == ["deployments"] and len(segments) > 2:
        segments = segments[2:]
    if segments[:1] == ["v1"]:
        segments = segments[1:]
    return segments


@lru_cache(maxsize=512)
def describe(method: str, url: str) -> Described:
    """Name the operation behind ``method url`` (cached; bounded)."""
    method = method.upper()
    path = _path_of(url)
    segments = _strip_prefix([s for s in path.split("/") if s])
    key = "/".join(segments)
    genai = _GENAI_NAMES.get((method, key))
    is_responses = segments[:1] == [RESPONSES]
    if genai is not None:
        return Described(genai, is_responses, None, path)
    words = [s for s in segments if not _is_id(s)]
    ids = [s for s in segments if _is_id(s)]
    if segments and _is_id(segments[-1]):
        verb: Optional[str] = _VERB_ON_ID.get(method, method.lower())
    elif ids:
        verb = None
    else:
        verb = _VERB_ON_COLLECTION.get(method)
    if verb is not None:
        words.append(verb)
    response_id = segments[1] if is_responses and len(segments) > 1 and ids else None
    if is_responses and len(words) > 1:
        words = words[1:]
    name = ".".join(words) or method.lower()
    return Described(name, is_responses, response_id, path)
