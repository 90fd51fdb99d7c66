"""The part of an unread error body that has already arrived, without reading any of it.

On a streamed request the SDK closes a 4xx/5xx answer it will retry without reading its
body. Reading it ourselves would wait for bytes the SDK never waits for (a body that
trickles, or never ends) and take bytes it never takes (a huge one). But a small JSON
error usually arrives in the same packets as its headers, and the HTTP/1.1 parser (h11,
under ``httpcore``/``httpcore2``) already holds it in memory: this module copies at most
``MAX_PREFIX`` bytes of that buffer, consuming nothing, so the SDK's own read or close
sees exactly what it would have seen. Only a complete body counts (all its announced
length, or every chunk up to the last one, decompressed if gzip or deflate); anything
else is no body, and the attempt is classified by its status and headers.
"""

from __future__ import annotations

import zlib
from typing import Any, Optional

MAX_PREFIX = 64 * 1024  # a larger error body is not looked at
_MAX_DEPTH = 6  # response.stream -> ... -> the HTTP/1.1 connection
_LINKS = ("_stream", "_httpcore_stream", "_connection")


def _h11_connection(stream: Any) -> Any:
    """The ``h11.Connection`` under an httpx/httpx2 response stream, or None."""
    current = stream
    for _ in range(_MAX_DEPTH):
        state = getattr(current, "_h11_state", None)
        if state is not None:
            return state
        current = next((getattr(current, link) for link in _LINKS
                        if getattr(current, link, None) is not None), None)
        if current is None:
            return None
    return None


def _unchunk(raw: bytes) -> Optional[bytes]:
    """The body of a complete chunked encoding, or None if it is not all here."""
    body = bytearray()
    position = 0
    while True:
        end = raw.find(b"\r\n", position)
        if end < 0:
            return None
        size_text = raw[position:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        if size == 0:
            return bytes(body)
        start = end + 2
        if start + size + 2 > len(raw):
            return None
        body += raw[start:start + size]
        position = start + size + 2


def _decoded(body: bytes, encoding: str) -> Optional[bytes]:
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        return None  # br, zstd: not worth a decoder for a classification
    try:
        decoder = zlib.decompressobj(47)  # gzip or zlib, by its header
        text = decoder.decompress(body, MAX_PREFIX)
    except zlib.error:
        return None
    return text if decoder.eof else None


def available_body(response: Any) -> Optional[bytes]:
    """The whole error body if it has already arrived and is small, else None."""
    state = _h11_connection(getattr(response, "stream", None))
    if state is None:
        return None
    buffer = getattr(state, "_receive_buffer", None)
    if buffer is None or len(buffer) > MAX_PREFIX + 4096:
        return None
    raw = bytes(buffer)
    headers = response.headers
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit() or int(length) > MAX_PREFIX or len(raw) < int(length):
            return None
        body: Optional[bytes] = raw[:int(length)]
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _unchunk(raw)
    else:
        return None  # read until close: never known to be complete
    if body is None:
        return None
    return _decoded(body, headers.get("content-encoding", "").strip().lower())
