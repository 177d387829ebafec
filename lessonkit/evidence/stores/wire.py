"""JSON over HTTP between a learner's kernel and the course service, and its bounds.

Both ends parse JSON that the other side (or anyone holding a token) chose, so both parse it
with :func:`loads_bounded`: text that is not JSON, or JSON nested deeper than
:data:`MAX_DEPTH` (``[[[[…`` a hundred thousand deep makes the standard parser raise
``RecursionError``, and a few hundred deep makes later code recurse out of stack), is refused
with a ``ValueError`` like any other bad input.

:func:`call` is the one request function of the learner's side (standard library only:
kernels import it); it reports the status, the parsed body and how long the service asked the
client to wait (``Retry-After``).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import math
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["MAX_DEPTH", "Reply", "call", "loads_bounded", "retry_after", "too_deep"]

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (a lessonkit statement needs about 12)."""
MAX_RETRY_AFTER = 600.0
"""Longest wait honoured from a ``Retry-After`` header, in seconds (a broken or hostile
server cannot park a client for longer)."""


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether parsed JSON ``value`` nests arrays and objects more than ``limit`` levels.

    Level by level, without recursion (about 6 µs per statement: it runs on every request)."""
    level = [value] if type(value) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                if type(child) is dict or type(child) is list:
                    below.append(child)
        level = below
    return False


def loads_bounded(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON from outside; ``ValueError`` if it is not JSON or nested too deeply."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError(f"nested more than {max_depth} levels deep") from None
    if too_deep(value, max_depth):
        raise ValueError(f"nested more than {max_depth} levels deep")
    return value


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), capped
    at :data:`MAX_RETRY_AFTER`; ``None`` if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class Reply(NamedTuple):
    """A service's answer."""

    status: int
    """HTTP status."""
    body: Any
    """The parsed JSON body, or the text when it is not (bounded) JSON, or ``None`` if empty."""
    retry_after: float | None
    """Seconds the service asked the client to wait (``Retry-After``), if it did."""


def call(method: str, url: str, token: str, body: Any = None, *, timeout: float = 10.0) -> Reply:
    """One JSON request with a hub token. Network errors raise ``OSError``."""
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.netloc, timeout=timeout)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        wait = retry_after(response.getheader("Retry-After"))
    except (http.client.HTTPException, ValueError) as exc:
        raise OSError(f"{method} {url}: {exc}") from exc
    finally:
        conn.close()
    text = raw.decode("utf-8", "replace")
    try:
        parsed = loads_bounded(text) if text else None
    except ValueError:
        parsed = text
    return Reply(response.status, parsed, wait)
