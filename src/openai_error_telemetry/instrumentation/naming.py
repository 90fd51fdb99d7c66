"""Low-cardinality operation names from an HTTP method and an API path.

Every endpoint goes through the same client method, so the operation is named from
its path: ids are dropped, GenAI names are used where the conventions have one
(``chat``, ``text_completion``, ``embeddings``, ``generate_content``, and
``fetch_response`` for reading a response again), and the other Responses follow-ups
are ``cancel``, ``delete``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

from ..classify.jobs import SURFACES
from ..telemetry import semconv

_GENAI_NAMES = {
    ("POST", "chat/completions"): "chat",
    ("POST", "completions"): "text_completion",
    ("POST", "embeddings"): "embeddings",
    ("POST", "responses"): "generate_content",
}
_VERB_ON_ID = {"GET": "retrieve", "DELETE": "delete", "POST": "update"}
_VERB_ON_COLLECTION = {"GET": "list", "DELETE": "delete"}
RESPONSES = "responses"


class Described(NamedTuple):
    """An operation's name, whether it is a Responses call, and the job its path names.

    ``job_surface``/``job_id``: the job (``classify/jobs.py``) the path is about, e.g.
    ``thread.run`` and ``run_1`` for ``GET threads/thread_1/runs/run_1``; ``fetch`` when
    the call reads one job (``GET`` on its id), the way a poll does.
    """

    name: str
    is_responses: bool
    job_surface: Optional[str]
    job_id: Optional[str]
    fetch: bool
    path: str

    @property
    def response_id(self) -> Optional[str]:
        return self.job_id if self.job_surface == "response" else None


# Each surface's collection path as segments, None where a parent id stands.
_JOB_PATHS = tuple(
    (row.name, tuple(None if part == "{parent}" else part for part in row.api_path.split("/")))
    for row in SURFACES
)


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


def _job_of(method: str, segments: list[str]) -> tuple[Optional[str], Optional[str], bool]:
    """(surface, job id, fetch) when ``segments`` address a job or its collection."""
    for surface, pattern in _JOB_PATHS:
        size = len(pattern)
        if len(segments) < size or any(
                want is not None and want != got for want, got in zip(pattern, segments)):
            continue
        rest = segments[size:]
        if not rest:
            return surface, None, False
        return surface, rest[0], method == "GET" and len(rest) == 1
    return None, None, False


@lru_cache(maxsize=512)
def describe(method: str, url: str) -> Described:
    """Name the operation behind ``method url`` (cached; bounded)."""
    method = method.upper()
    path = _path_of(url)
    segments = _strip_prefix([s for s in path.split("/") if s])
    key = "/".join(segments)
    genai = _GENAI_NAMES.get((method, key))
    is_responses = segments[:1] == [RESPONSES]
    surface, job_id, fetch = _job_of(method, segments)
    if genai is not None:
        return Described(genai, is_responses, surface, job_id, fetch, path)
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
    if is_responses and len(words) > 1:
        words = words[1:]
    name = ".".join(words) or method.lower()
    if is_responses and name == "retrieve":
        name = semconv.OPERATION_FETCH_RESPONSE
    return Described(name, is_responses, surface, job_id, fetch, path)
