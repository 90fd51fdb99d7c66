"""Operation names from the SDK method that was called, never from the URL.

A request is named by the public method of the SDK's resource classes that made it
(``Files.retrieve``, ``AsyncBatches.list``, ``Completions.create``...): its place in the
SDK's own layout (``openai.resources.<path>``) and its name, ``files.retrieve``,
``batches.list``, ``chat.completions.create``. The set of names is closed: it is the
SDK's list of methods, whatever ids or paths a call carries. ``names.py`` maps the few
the GenAI conventions name (``chat``, ``fetch_response``...).

The method is found on the stack when ``request()`` starts: the innermost frame of an
``openai.resources`` method, looking up only through the SDK's own frames (a request
that another client's code makes inside a call is not that call's). Nothing is wrapped
around the SDK's methods, so the app's stack (``warnings`` stack levels, tracebacks) and
cost are untouched, and no resource module is imported that the app does not use. A
request made outside every resource method (``client.get(...)``) is named by its verb.

Paginated lists make their later requests outside the method that was called: an async
``list()`` returns a paginator that requests when awaited, and every next page is asked
by the page. The name travels with the request options those requests reuse
(``PageNames``, weak and bounded) and, for a next page, in ``CALLED``.
"""

from __future__ import annotations

import inspect
import sys
import weakref
from contextvars import ContextVar
from types import CodeType, FrameType
from typing import Any, NamedTuple, Optional

from ..forksafe import new_lock
from .names import operation_name

# A next page's request, asked by the page: the listing's SDK client and name.
CALLED: ContextVar[Optional[tuple[Any, str]]] = ContextVar(
    "openai_error_telemetry_called", default=None)
_PREFIX = "openai.resources."
_SDK = "openai."  # frames between request() and the resource method are all the SDK's
# or our hooks' and wrapt's (its pure-Python fallback has frames)
_PASSED = ("openai_error_telemetry.instrumentation.", "wrapt.")
_SKIPPED_MODULES = frozenset({"openai.resources.webhooks"})  # local methods, no request
MAX_DEPTH = 24  # frames looked at above request(): the SDK's own chain is under 10
MAX_CODES = 4096  # code objects remembered (the SDK has about 2,000 methods)
_lock = new_lock(sys.modules[__name__])
_by_code: dict[CodeType, str] = {}


def resource_path(module: str) -> str:
    """``openai.resources.beta.threads.runs.runs`` -> ``beta.threads.runs``."""
    parts: list[str] = []
    for part in module[len(_PREFIX):].split("."):
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return ".".join(parts)


# What a frame's code says, cached by code object (a code object belongs to one module):
# a resource method's name, or one of these two (no name has a NUL in it).
_PASS = "\0pass"  # the SDK's or our hooks' own code: look further up
_STOP = "\0stop"  # the app's or another library's code: this call has no method


def _judge(code: CodeType, module: object) -> str:
    if not isinstance(module, str):
        return _STOP
    if module.startswith(_SDK):
        if (module.startswith(_PREFIX) and module not in _SKIPPED_MODULES
                and not code.co_name.startswith(("_", "<"))):
            return operation_name(f"{resource_path(module)}.{code.co_name}")
        return _PASS
    return _PASS if module.startswith(_PASSED) else _STOP


def _verdict(frame: FrameType) -> str:
    code = frame.f_code
    verdict = _judge(code, frame.f_globals.get("__name__"))
    if len(_by_code) < MAX_CODES:
        _by_code[code] = verdict
    return verdict


def called_method(frame: Optional[FrameType]) -> Optional[str]:
    """The name of the innermost resource method on the stack from ``frame`` up, looking
    only through the SDK's and our hooks' frames; None when there is none. Each frame
    costs a dict lookup once its code has been seen."""
    by_code = _by_code
    for _ in range(MAX_DEPTH):
        if frame is None:
            return None
        verdict = by_code.get(frame.f_code) or _verdict(frame)
        if verdict is _PASS:
            frame = frame.f_back
            continue
        return None if verdict is _STOP else verdict
    return None


def caller_frame(depth: int) -> Optional[FrameType]:
    """The frame ``depth`` levels above the caller (``sys._getframe``, where it exists)."""
    getframe = getattr(sys, "_getframe", None)
    if getframe is None:
        return None
    try:
        frame: FrameType = getframe(depth + 1)
    except ValueError:
        return None
    return frame


class PageNames:
    """The name of the listing a paginator or page belongs to, by its request options.

    Weak (an entry goes with its options object) and bounded (the oldest go first)."""

    __slots__ = ("_by_id", "_kinds", "_max")

    def __init__(self, kinds: tuple[type, ...], max_entries: int = 1024) -> None:
        self._kinds = kinds  # the SDK's AsyncPaginator and BasePage
        self._max = max_entries
        self._by_id: dict[int, tuple[weakref.ref[Any], str]] = {}

    def remember(self, result: Any, name: str) -> None:
        if not self._kinds or not isinstance(result, self._kinds):
            return
        options = getattr(result, "_options", None)
        if options is None:
            return
        key = id(options)
        by_id = self._by_id

        def forget(_ref: weakref.ref[Any]) -> None:
            by_id.pop(key, None)

        try:
            ref = weakref.ref(options, forget)
        except TypeError:  # not weakly referable: not remembered
            return
        with _lock:
            if len(by_id) >= self._max:
                by_id.pop(next(iter(by_id)), None)
            by_id[key] = (ref, name)

    def name_of(self, options: Any) -> Optional[str]:
        entry = self._by_id.get(id(options))
        if entry is None or entry[0]() is not options:
            return None
        return entry[1]

    def __len__(self) -> int:
        return len(self._by_id)


class ResourceClass(NamedTuple):
    path: str  # its place in the SDK's layout: ``beta.threads.runs``
    cls: type
    is_async: bool


def resource_classes() -> list[ResourceClass]:
    """Every resource class of the installed SDK (imports every resource module: for the
    docs, the CLI and the tests, never at call time)."""
    import importlib
    import pkgutil

    resources = importlib.import_module("openai.resources")
    base = importlib.import_module("openai._resource")
    found: list[ResourceClass] = []
    for info in pkgutil.walk_packages(resources.__path__, _PREFIX):
        if info.name in _SKIPPED_MODULES:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != info.name:
                continue
            if issubclass(value, base.SyncAPIResource):
                found.append(ResourceClass(resource_path(info.name), value, False))
            elif issubclass(value, base.AsyncAPIResource):
                found.append(ResourceClass(resource_path(info.name), value, True))
    return found


def public_methods(cls: type) -> list[str]:
    return [attr for attr, member in vars(cls).items()
            if not attr.startswith("_") and inspect.isfunction(member)]


def known_names() -> frozenset[str]:
    """Every operation name the installed SDK's resource methods can give."""
    return frozenset(operation_name(f"{resource.path}.{attr}")
                     for resource in resource_classes()
                     for attr in public_methods(resource.cls))
