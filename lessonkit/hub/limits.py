"""Per-learner limits of the course service: request bodies, statements, answer checks.

The service config's ``limits:`` section (every key optional; the defaults are what a class
working at human pace never reaches)::

    limits:
      body_bytes: 8388608               # largest request body (8 MiB); larger: 413
      statements: {rate: 20, burst: 2000}  # statements per second per learner, and the bucket
      checks: {rate: 1, burst: 30}      # answer checks per second per learner, and the bucket
      concurrent_checks: 2              # checks of one learner running at the same time

Rates are token buckets, one per learner and kind: a bucket holds ``burst`` tokens, refills at
``rate`` per second, and a request takes one token per statement (``statements``) or one per
check. A request the bucket cannot pay for is refused with ``429`` and ``Retry-After`` (the
seconds until it could be paid); nothing is taken for it. The statements bucket holds at least
:data:`MAX_BATCH` tokens, so that any request the service accepts can pass on a full bucket.
``rate: 0`` turns a limit off.

Buckets live in the memory of one service process: with several replicas behind one address
each keeps its own, so a learner whose requests are spread over ``n`` replicas may reach ``n``
times the rate. After a restart every bucket starts full.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DRAIN_BYTES",
    "MAX_BATCH",
    "LimitExceededError",
    "Limiter",
    "Limits",
    "Rate",
    "parse_limits",
]

MAX_BATCH = 1000
"""Statements accepted in one request."""

DRAIN_BYTES = 64 * 1024 * 1024
"""A body up to this much over :attr:`Limits.body_bytes` is read to its end (and dropped) so
the client, which may not read the answer until it has sent everything, gets the 413; a
declared length beyond that is answered at once and the connection closed."""
_MIN_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """A token bucket: ``burst`` tokens, refilled at ``rate`` per second."""

    rate: float
    """Tokens per second (0: no limit)."""
    burst: float
    """Bucket size: the most a learner can spend at once after a pause."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ValueError(f"rate must be a number >= 0 (0 turns the limit off), not {self.rate}")
        if not (math.isfinite(self.burst) and self.burst >= 1):
            raise ValueError(f"burst must be a number >= 1, not {self.burst}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The service's limits (see the module docstring)."""

    body_bytes: int = 8 * 1024 * 1024
    """Largest request body in bytes."""
    statements: Rate = field(default_factory=lambda: Rate(rate=20, burst=2000))
    """Statements a learner may post."""
    checks: Rate = field(default_factory=lambda: Rate(rate=1, burst=30))
    """Answer checks a learner may ask for."""
    concurrent_checks: int = 2
    """Checks of one learner that may run at once (0: no limit)."""

    def __post_init__(self) -> None:
        if self.body_bytes < _MIN_BODY:
            raise ValueError(f"body_bytes must be at least {_MIN_BODY} (1 MiB)")
        if self.concurrent_checks < 0:
            raise ValueError("concurrent_checks must be >= 0 (0 turns the limit off)")
        if self.statements.burst < MAX_BATCH:
            raise ValueError(
                f"statements.burst must be at least {MAX_BATCH} (the most statements one "
                "request may carry)"
            )


def _number(data: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}.{key}: expected a number, not {value!r}")
    return float(value)


def parse_limits(data: Any) -> Limits:
    """The ``limits:`` section of the service config; ``ValueError`` says what is wrong."""
    if data is None:
        return Limits()
    if not isinstance(data, Mapping):
        raise ValueError("limits: expected a mapping (body_bytes, statements, checks, ...)")
    unknown = set(data) - {"body_bytes", "statements", "checks", "concurrent_checks"}
    if unknown:
        raise ValueError(f"limits: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    default = Limits()
    rates = {}
    for kind in ("statements", "checks"):
        given = data.get(kind) or {}
        base: Rate = getattr(default, kind)
        if not isinstance(given, Mapping) or set(given) - {"rate", "burst"}:
            raise ValueError(f"limits.{kind}: expected {{rate: N, burst: N}}")
        try:
            rates[kind] = Rate(
                rate=_number(given, "rate", base.rate, f"limits.{kind}"),
                burst=_number(given, "burst", base.burst, f"limits.{kind}"),
            )
        except ValueError as exc:
            raise ValueError(f"limits.{kind}: {exc}") from None
    body = _number(data, "body_bytes", default.body_bytes, "limits")
    concurrent = _number(data, "concurrent_checks", default.concurrent_checks, "limits")
    if body != int(body) or concurrent != int(concurrent):
        raise ValueError("limits: body_bytes and concurrent_checks are whole numbers")
    try:
        return Limits(body_bytes=int(body), concurrent_checks=int(concurrent), **rates)
    except ValueError as exc:
        raise ValueError(f"limits: {exc}") from None


class LimitExceededError(Exception):
    """A request over a limit; ``retry_after`` seconds until it would be accepted."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Limiter:
    """The buckets and running-check counts of one service process.

    Used from the event loop's thread only (no locks): handlers call it before they hand
    work to the worker threads.
    """

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # (tokens, when)
        self._running: dict[str, int] = {}
        self._calls = 0

    def take(self, kind: str, learner: str, cost: float = 1.0) -> None:
        """Charge ``cost`` tokens of ``kind`` (``statements`` or ``checks``) to ``learner``.

        Raises
        ------
        LimitExceededError
            The bucket cannot pay: nothing is taken.
        """
        rate: Rate = getattr(self.limits, kind)
        if rate.rate == 0:
            return
        now = self._clock()
        cost = max(cost, 1.0)  # even an empty request costs something
        tokens, when = self._buckets.get((kind, learner), (rate.burst, now))
        tokens = min(rate.burst, tokens + (now - when) * rate.rate)
        if tokens < cost:
            wait = (cost - tokens) / rate.rate
            noun = "checks" if kind == "checks" else "statements"
            raise LimitExceededError(f"too many {noun}: try again in {math.ceil(wait)} s", wait)
        self._buckets[(kind, learner)] = (tokens - cost, now)
        self._calls += 1
        if self._calls % 1024 == 0:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: a full bucket is the same as none (bounds memory
        to the learners active in the last ``burst / rate`` seconds)."""
        for key, (tokens, when) in list(self._buckets.items()):
            rate: Rate = getattr(self.limits, key[0])
            if tokens + (now - when) * rate.rate >= rate.burst:
                del self._buckets[key]

    def start_check(self, learner: str) -> None:
        """Take one of ``learner``'s concurrent-check slots (give it back with
        :meth:`end_check`).

        Raises
        ------
        LimitExceededError
            All of the learner's slots are taken.
        """
        most = self.limits.concurrent_checks
        running = self._running.get(learner, 0)
        if most and running >= most:
            raise LimitExceededError(
                f"{running} of your checks are still running: try again in 1 s", 1.0
            )
        self._running[learner] = running + 1

    def running(self, learner: str) -> int:
        """How many of ``learner``'s checks are running now."""
        return self._running.get(learner, 0)

    def end_check(self, learner: str) -> None:
        """Give back a slot taken by :meth:`start_check`."""
        left = self._running.get(learner, 1) - 1
        if left > 0:
            self._running[learner] = left
        else:
            self._running.pop(learner, None)
