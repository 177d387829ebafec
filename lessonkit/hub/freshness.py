"""Answers from the hub kept fresh in the background: who a token is, who is in which group.

Every request to the service needs the token's user and the course groups, both answered by
the hub. Asking on every request would put the hub in every request's path; caching for a
fixed time (what ``HubAuth`` does) still makes the request that finds an entry expired wait for
the hub, and with several replicas behind a balancer every replica has its own cache, so a
learner's requests find expired entries over and over (with 4 replicas and a learner acting
every 12 s, nearly every request of that learner on a replica comes more than a minute after
that replica last saw the token). :class:`Refreshing` answers from a reading that is younger
than ``max_age`` as before; from an older one, up to ``max_age + stale``, it answers at once
and reads again in the background; only without a usable reading does a request wait, and
concurrent requests for the same key share one reading.

What this changes for revocation: a revoked token (or a learner removed from a course) is
still honoured until the first request after ``max_age`` has started a new reading and it has
come back, and never longer than ``max_age + stale`` after the last reading.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

__all__ = ["Refreshing"]

log = logging.getLogger("lessonkit.hub")


class Refreshing:
    """A cache of readings, renewed in the background (see the module docstring).

    Used from the event loop's thread only.
    """

    def __init__(
        self, max_age: float, stale: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age, self.stale, self.clock = max_age, stale, clock
        self._readings: dict[Hashable, tuple[float, Any]] = {}
        self._pending: dict[Hashable, asyncio.Task[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._calls = 0

    async def get(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        """The reading of ``key``: from the cache when usable, else ``await read()``."""
        found = self._readings.get(key)
        if found is not None:
            age = self.clock() - found[0]
            if age < self.max_age:
                return found[1]
            if age < self.max_age + self.stale:
                if key not in self._pending:
                    self._start(key, read)
                return found[1]
        pending = self._pending.get(key) or self._start(key, read)
        return await asyncio.shield(pending)

    def forget(self, key: Hashable) -> None:
        """Drop the reading of ``key`` (the next request reads again)."""
        self._readings.pop(key, None)

    def _start(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> asyncio.Future[Any]:
        """Start reading ``key`` (requests arriving meanwhile share it)."""
        task = asyncio.ensure_future(self._read(key, read))
        self._pending[key] = task
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # a stale reading stays in use until it is too old: the hub may be restarting
            log.warning("reading again from the hub failed: %s", task.exception())

    async def _read(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        try:
            value = await read()
            self._readings[key] = (self.clock(), value)
        finally:
            self._pending.pop(key, None)
        self._calls += 1
        if self._calls % 1024 == 0:
            self._forget_old()
        return value

    def _forget_old(self) -> None:
        """Drop readings too old to be used (bounds memory to the active keys)."""
        now = self.clock()
        limit = self.max_age + self.stale
        for key, (when, _) in list(self._readings.items()):
            if now - when >= limit:
                del self._readings[key]
