"""``url.full`` for an attempt span, with nothing secret in it.

The HTTP conventions require ``url.full`` on client spans and ask that credentials in it
be redacted. The SDK sends its key in a header, but a ``base_url`` may carry a user and
password, and OpenAI-compatible servers may take a key, a token or a signature in the
query under any name. So the user info and the whole query string are left out: what
remains is the scheme, host, port and path, which ``url.path`` already names.
"""

from __future__ import annotations

from typing import Any


def full_url(url: Any) -> str:
    """``scheme://host[:port]/path`` of an httpx/httpx2 URL."""
    host = str(url.host)
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = url.port
    return f"{url.scheme}://{host}" + (f":{port}" if port is not None else "") + str(url.path)
