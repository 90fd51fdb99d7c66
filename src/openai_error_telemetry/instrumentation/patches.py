"""Installing and removing the wrappers, exactly.

Each patch remembers the attribute it replaced and puts that very object back. A
wrapper of ours is never wrapped again (instrument twice, or two instrumentors of this
package, patch once), and a wrapper someone else stacked on top of ours is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import wrapt

from . import hooks
from .config import Settings
from .sdk import ATTEMPT_SEND_REQUEST, SdkLayout

MARKER = "_self_openai_error_telemetry"


@dataclass
class Patch:
    owner: type
    name: str
    original: Any
    wrapper: Any


def is_ours(value: Any) -> bool:
    return bool(getattr(value, MARKER, False))


def _targets(layout: SdkLayout, settings: Settings) -> list[tuple[type, str, Callable[..., Any]]]:
    targets: list[tuple[type, str, Callable[..., Any]]] = [
        (layout.sync_client, "request", hooks.request),
        (layout.async_client, "request", hooks.request_async),
        (layout.base_client, "_calculate_retry_timeout", hooks.calculate_retry_timeout),
    ]
    if layout.attempt_hook == ATTEMPT_SEND_REQUEST:
        targets.append((layout.sync_client, "_send_request", hooks.send_request))
        targets.append((layout.async_client, "_send_request", hooks.send_request_async))
    else:
        if layout.http_sync_client is not None:
            targets.append((layout.http_sync_client, "send", hooks.transport_send))
        if layout.http_async_client is not None:
            targets.append((layout.http_async_client, "send", hooks.transport_send_async))
    if layout.page_types:  # AsyncPaginator first
        targets.append((layout.page_types[0], "__init__", hooks.paginator_init))
    if len(layout.next_page_types) == 2:
        targets.append((layout.next_page_types[0], "get_next_page", hooks.next_page))
        targets.append((layout.next_page_types[1], "get_next_page", hooks.next_page_async))
    for webhooks in layout.webhook_types:
        targets.append((webhooks, "unwrap", hooks.webhook_unwrap))
    if settings.retry_guard:
        targets.append((layout.base_client, "_should_retry", hooks.should_retry))
    return targets


def apply(layout: SdkLayout, settings: Settings) -> list[Patch]:
    """Wrap every hook point; skip any that is already one of ours."""
    applied: list[Patch] = []
    for owner, name, hook in _targets(layout, settings):
        original = owner.__dict__.get(name)
        if original is None or is_ours(original):
            continue
        wrapper = wrapt.FunctionWrapper(original, hook)
        setattr(wrapper, MARKER, True)
        setattr(owner, name, wrapper)
        applied.append(Patch(owner, name, original, wrapper))
    return applied


def remove(applied: list[Patch]) -> None:
    """Put each original back, unless someone else has since wrapped over ours."""
    for patch in reversed(applied):
        if patch.owner.__dict__.get(patch.name) is patch.wrapper:
            setattr(patch.owner, patch.name, patch.original)
