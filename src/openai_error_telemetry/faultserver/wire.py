"""Putting bytes on the wire: JSON answers, SSE frames, resets, half-sent bodies.

The low-level moves the faults need (a TCP reset, a stream that stops mid-way) live here
so the routes read as what they answer, not how the socket is handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from aiohttp import web

_LINGER_RESET = struct.pack("ii", 1, 0)


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def json_answer(data: Any, status: int, headers: Mapping[str, str]) -> web.Response:
    return web.Response(text=dumps(data), status=status, headers=headers,
                        content_type="application/json")


def html_answer(page: str, status: int, headers: Mapping[str, str]) -> web.Response:
    return web.Response(text=page, status=status, headers=headers, content_type="text/html")


def sse_data(data: Any) -> bytes:
    """A chat-completions frame: ``data: {...}``."""
    return f"data: {dumps(data)}\n\n".encode()


def sse_event(event: Mapping[str, Any]) -> bytes:
    """A Responses frame: ``event: <type>`` then ``data: {...}``."""
    return f"event: {event['type']}\ndata: {dumps(event)}\n\n".encode()


SSE_DONE = b"data: [DONE]\n\n"


def reset_connection(request: web.BaseRequest) -> None:
    """Close with a TCP RST (SO_LINGER 0), so the client sees a reset, not a clean close."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    transport.abort()


async def stream_frames(request: web.BaseRequest, headers: Mapping[str, str],
                        frames: Sequence[bytes], *, cut_after: Optional[int] = None,
                        delay: float = 0.0, stall: Optional[tuple[int, float]] = None,
                        ) -> web.StreamResponse:
    """Send SSE frames, ``delay`` apart; with ``cut_after`` reset after that many frames;
    with ``stall=(n, seconds)`` go quiet for that long after n frames (a read timeout)."""
    response = web.StreamResponse(status=200, headers=headers)
    response.content_type = "text/event-stream"
    response.headers["cache-control"] = "no-cache"
    await response.prepare(request)
    sent = frames if cut_after is None else frames[:cut_after]
    for part, pause in _parts(sent, delay, stall):
        if pause:
            await asyncio.sleep(pause)
        await response.write(part)
    if cut_after is not None:
        reset_connection(request)
        return response
    await response.write_eof()
    return response


def _parts(frames: Sequence[bytes], delay: float,
           stall: Optional[tuple[int, float]]) -> list[tuple[bytes, float]]:
    """(bytes to write, pause before) pairs: one write per frame when paced, else as few
    writes as the stall allows (one chunk, one send, for an unpaced stream)."""
    if delay:
        return [(frame, (delay if index else 0.0) + _stall_before(index, stall))
                for index, frame in enumerate(frames)]
    if stall is None or stall[0] >= len(frames):
        return [(b"".join(frames), 0.0)] if frames else []
    head, tail = frames[:stall[0]], frames[stall[0]:]
    parts = [(b"".join(head), 0.0)] if head else []
    return [*parts, (b"".join(tail), stall[1])]


def _stall_before(index: int, stall: Optional[tuple[int, float]]) -> float:
    return stall[1] if stall is not None and index == stall[0] else 0.0


async def truncated_body(request: web.BaseRequest, data: Any,
                         headers: Mapping[str, str]) -> web.StreamResponse:
    """Promise the whole JSON body by Content-Length, send half, then reset."""
    body = dumps(data).encode()
    response = web.StreamResponse(status=200, headers=headers)
    response.content_type = "application/json"
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    reset_connection(request)
    return response
