"""The job a request's path addresses, from the jobs table's API paths (cached, bounded).

``GET threads/thread_1/runs/run_1`` reads the ``thread.run`` job ``run_1``: the call links
to the span that created that job, and a read of one job (``fetch``) is a poll whose
answer is that job's state. Nothing here names an operation (``names.py`` does) and no
id read here ever becomes a metric attribute.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

from ..classify.jobs import SURFACES

CACHE_SIZE = 512


class JobPath(NamedTuple):
    """``surface``/``job_id``: the job the path is about; ``fetch`` when the call reads
    that one job (``GET`` on its id), the way a poll does."""

    surface: Optional[str]
    job_id: Optional[str]
    fetch: bool

    @property
    def response_id(self) -> Optional[str]:
        return self.job_id if self.surface == "response" else None


NO_JOB = JobPath(None, None, False)

# Each surface's collection path as segments, None where a parent id stands; the
# longest first, so ``agents/sessions/S/turns/T`` is a turn, not session ``S``.
_JOB_PATHS = tuple(sorted(
    ((row.name, tuple(None if part == "{parent}" else part for part in row.api_path.split("/")))
     for row in SURFACES if row.api_path),
    key=lambda entry: -len(entry[1])))


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


@lru_cache(maxsize=CACHE_SIZE)
def job_path(method: str, url: str) -> JobPath:
    """The job ``method url`` is about, if any."""
    segments = _strip_prefix([s for s in _path_of(url).split("/") if s])
    for surface, pattern in _JOB_PATHS:
        size = len(pattern)
        if len(segments) < size or any(
                want is not None and want != got for want, got in zip(pattern, segments)):
            continue
        rest = segments[size:]
        if not rest:
            return JobPath(surface, None, False)
        return JobPath(surface, rest[0], method.upper() == "GET" and len(rest) == 1)
    return NO_JOB
