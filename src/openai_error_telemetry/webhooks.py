"""From a webhook event to the job's own classification: the one call that does I/O.

A webhook event says that a job ended (``batch.failed``) and names it (``data.id``);
it never carries the error. ``classify_webhook_event`` (pure) therefore answers
``unknown`` for a failure. ``fetch_and_classify`` retrieves the job through the
client the application already has, using the row of ``classify/jobs.py`` for where
the SDK keeps that surface, and classifies what comes back.
"""

from __future__ import annotations

import inspect
from typing import Any, Optional

from .classification import Classification
from .classify import classify_job, classify_webhook_event
from .classify.jobfacts import webhook_facts
from .classify.jobs import Surface

__all__ = ["fetch_and_classify", "fetch_job"]


def _resource(client: Any, surface: Surface) -> Any:
    """``client.responses`` for the row whose resource is ``client.responses``."""
    target = client
    for name in surface.resource.split(".")[1:]:
        target = getattr(target, name)
    return target


def fetch_job(client: Any, event: object) -> Optional[Any]:
    """The job a webhook event is about, retrieved with ``client`` (sync or async: an
    ``AsyncOpenAI`` gives an awaitable). None when the event names no job, or the job
    is a child (an evals run) whose parent id the payload does not carry."""
    facts = webhook_facts(event)
    if facts is None or facts.job_id is None or "{parent}" in facts.surface.api_path:
        return None
    return _resource(client, facts.surface).retrieve(facts.job_id)


def fetch_and_classify(client: Any, event: object) -> Any:
    """The classification of the job a webhook event announces as ended.

    Retrieves the job (one HTTP call, through the instrumented client if we are on, so
    it is counted once like any retrieve) and classifies it; falls back to what the
    event alone says when the job cannot be fetched. With ``AsyncOpenAI``, await it.
    Returns None for an event about a success or about no job.
    """
    alone = classify_webhook_event(event)
    if alone is None:
        return None
    job = fetch_job(client, event)
    if inspect.isawaitable(job):
        return _after(job, alone)
    return _best(job, alone)


async def _after(pending: Any, alone: Classification) -> Classification:
    return _best(await pending, alone)


def _best(job: object, alone: Classification) -> Classification:
    found = classify_job(job) if job is not None else None
    return found if found is not None else alone
