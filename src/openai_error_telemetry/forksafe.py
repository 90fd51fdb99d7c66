"""Locks of ours made new in a forked child.

``fork()`` copies a lock in whatever state it is: held by a thread of the parent, it
stays held forever in the child, where that thread does not exist. A pre-fork server
(gunicorn, uWSGI) forks after ``instrument()`` while other threads may be calling, so
every lock of ours is registered here and replaced by a fresh one in each child.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

_owners: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def new_lock(owner: Any, attribute: str = "_lock") -> threading.Lock:
    """A lock for ``owner.<attribute>``, replaced in every forked child while ``owner`` lives."""
    with _registry_lock:
        known = _owners.get(owner, ())
        if attribute not in known:
            _owners[owner] = (*known, attribute)
    return threading.Lock()


def _renew_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for owner, attributes in list(_owners.items()):
        for attribute in attributes:
            setattr(owner, attribute, threading.Lock())


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_renew_in_child)
