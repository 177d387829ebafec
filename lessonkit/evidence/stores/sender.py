"""Delivering spooled or queued statement lines to the course service, so none gets stuck.

:meth:`Sender.deliver` posts lines in order, in batches bounded by count **and** bytes (a
handful of large code answers must not make a body the service refuses). What the service
answers decides what happens to a batch:

- ``200`` with the service's receipt: taken. Statements it lists as ``rejected`` (retrying
  cannot help) are kept aside in the spool's ``refused/`` file with the reason, and reported.
- ``413`` (too large), or ``400`` with the service's JSON error (e.g. nested too deeply): the
  batch is split in halves and each half sent; a single statement refused this way is kept
  aside and reported. One statement never holds back the ones behind it.
- ``429``: wait as long as ``Retry-After`` says (the lines stay spooled; the learner is not
  kept waiting, as sending runs in the background).
- anything else — no answer, a proxy's ``503`` page, a ``500`` — is an outage: back off
  (0.5 s doubling to 30 s) and send the same lines again later.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from .spool import Spool
from .wire import Reply, call

__all__ = ["Sender", "batches"]


def batches(lines: list[str], count: int, size: int) -> Iterator[list[str]]:
    """``lines`` in order, in runs of at most ``count`` lines and ``size`` bytes of body (a
    single line larger than ``size`` goes alone)."""
    batch: list[str] = []
    used = 2  # the brackets of the JSON array
    for line in lines:
        cost = len(line) + 1  # lines are ASCII (JSON with escapes); one comma each
        if batch and (len(batch) >= count or used + cost > size):
            yield batch
            batch, used = [], 2
        batch.append(line)
        used += cost
    if batch:
        yield batch


def _ids(lines: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for line in lines:
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            value = None
        out.append(str(value.get("id")) if isinstance(value, dict) else None)
    return out


def _is_receipt(body: Any) -> bool:
    """Whether ``body`` is the service's answer to a post (anything else at its address —
    a login page, another server — has taken nothing)."""
    return (
        isinstance(body, dict)
        and type(body.get("accepted")) is int
        and type(body.get("duplicates")) is int
        and isinstance(body.get("rejected"), list)
    )


class Sender:
    """Posts statement lines to ``<base>api/statements`` (see the module docstring)."""

    def __init__(
        self,
        base: str,
        token: str,
        spool: Spool,
        *,
        batch_size: int,
        batch_bytes: int,
        timeout: float,
    ) -> None:
        self.url = base + "api/statements"
        self.token = token
        self.spool = spool
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.timeout = timeout
        self.sent = 0
        self.rejected: list[dict[str, str]] = []
        self.unreported: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.retry_at = 0.0  # after a failure (back-off; a flush may cut it short)
        self.not_before = 0.0  # what the service asked for (Retry-After; always honoured)
        self._backoff = 0.5

    def ready(self) -> bool:
        """Whether a send may be tried now."""
        return time.monotonic() >= max(self.retry_at, self.not_before)

    def deliver(self, lines: list[str]) -> int:
        """Send ``lines`` in order; how many leading ones are done with (taken by the service
        or kept aside). Stops at the first batch that has to wait (see the module docstring)."""
        done = 0
        for batch in batches(lines, self.batch_size, self.batch_bytes):
            taken = self._send(batch)
            done += taken
            if taken < len(batch):
                break
        return done

    def _send(self, lines: list[str]) -> int:
        body = ("[" + ",".join(lines) + "]").encode("utf-8")
        try:
            reply = call("POST", self.url, self.token, body, timeout=self.timeout)
        except OSError:
            self._failed()
            return 0
        if reply.status == 200 and _is_receipt(reply.body):
            self._taken(lines, reply.body)
            return len(lines)
        if reply.status == 429:
            if reply.retry_after is None:
                self._failed()
            else:
                self.not_before = time.monotonic() + reply.retry_after
            return 0
        reason = self._refusal(reply)
        if reason is None:
            self._failed()
            return 0
        if len(lines) == 1:
            self._keep_aside(
                [(lines[0], reason)], [{"id": _ids(lines)[0] or "?", "reason": reason}]
            )
            return 1
        half = len(lines) // 2
        first = self._send(lines[:half])
        return first if first < half else half + self._send(lines[half:])

    @staticmethod
    def _refusal(reply: Reply) -> str | None:
        """Why the service refused the whole request for good, if it did: 413 from anyone
        (a proxy's limit holds as firmly), 400 only in the service's own JSON."""
        error = reply.body.get("error") if isinstance(reply.body, dict) else None
        if reply.status == 413:
            return f"HTTP 413: {error or 'the request is larger than the service accepts'}"
        if reply.status == 400 and error:
            return f"HTTP 400: {error}"
        return None

    def _taken(self, lines: list[str], answer: dict[str, Any]) -> None:
        refused = [
            {"id": str(r.get("id")), "reason": str(r.get("reason"))}
            for r in answer["rejected"]
            if isinstance(r, dict)
        ]
        if refused:
            reasons = {r["id"]: r["reason"] for r in refused}
            ids = _ids(lines)
            self._keep_aside(
                [(ln, reasons[i]) for ln, i in zip(lines, ids, strict=True) if i in reasons],
                refused,
            )
        self.sent += len(lines) - len(refused)
        self._backoff = 0.5

    def _keep_aside(self, lines: list[tuple[str, str]], report: list[dict[str, str]]) -> None:
        self.spool.set_aside(lines)
        with self.lock:
            self.rejected.extend(report)
            self.unreported.extend(report)

    def _failed(self) -> None:
        self.retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, 30.0)
