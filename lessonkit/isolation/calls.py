"""Calling the learner's function on test inputs, under a time limit, reporting plain data.

:func:`call_each` is used in the sandbox child (on source text) and in the learner's own
kernel (on a function object) alike. It never sees expected values: it reports what the
function returned (as :mod:`plain` data), raised or how it ran out of time or memory, and the
caller compares.

Standard library only; the sandbox child imports this file by path, without lessonkit.
"""

from __future__ import annotations

import copy
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:
    from . import plain
else:  # loaded by path in the sandbox child, where lessonkit is not importable
    import plain

__all__ = ["TestTimeout", "call_each", "describe_error", "safe_repr", "time_limit"]

_REPR_LIMIT = 300

Call = tuple[Sequence[Any], Mapping[str, Any]]
"""Positional and keyword arguments of one call."""


class TestTimeout(BaseException):
    """Raised inside learner code when its time is up (a BaseException: harder to swallow)."""


def safe_repr(value: Any, limit: int = _REPR_LIMIT) -> str:
    """``repr`` cut to ``limit`` characters; never raises."""
    try:
        text = repr(value)
        if type(text) is not str:  # pragma: no cover - repr() enforces str
            raise TypeError
    except BaseException:  # a learner's __repr__ may raise anything, even SystemExit
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_error(exc: BaseException) -> str:
    """``Name: message`` of an exception, short; never raises."""
    try:
        message = str(exc)
    except BaseException:
        message = ""
    message = message if len(message) <= 200 else message[:199] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TestTimeout` in the main thread after ``seconds`` of wall time.

    Off the main thread (or without ``setitimer``) there is no limit: the caller must then
    rely on a process boundary.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TestTimeout

    outer, _ = signal.getitimer(signal.ITIMER_REAL)  # someone else's alarm (pytest-timeout...)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # re-arm it with what was left, so it still fires
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))


def _one(target: Any, call: Call) -> dict[str, Any]:
    if callable(target):
        args, kwargs = copy.deepcopy((list(call[0]), dict(call[1])))
        got = target(*args, **kwargs)
    else:  # a variable: its value is the answer to every test
        got = target
    record: dict[str, Any] = {"shown": safe_repr(got)}
    try:
        record.update(status="returned", value=plain.encode(got))
    except plain.UncomparableError as exc:
        record.update(status="uncomparable", error=str(exc))
    return record


def call_each(
    target: Any,
    calls: Sequence[Call],
    *,
    budget: float,
    limit: Callable[[float], Any] = time_limit,
    interruptible: bool = True,
) -> Iterator[dict[str, Any]]:
    """Call ``target`` with each call's arguments (copies); yield one record per call.

    A record has ``index`` and ``status``: ``returned`` (with ``value``, the plain-data
    encoding of the result, and ``shown``, its repr), ``uncomparable`` (the result is not plain
    data; ``error`` says what it was), ``error``, ``timeout``, ``memory`` or ``not run``. A
    non-callable ``target`` is the value for every call. ``budget`` seconds are shared by all
    calls; after a timeout or running out of memory the remaining calls are not run.
    ``KeyboardInterrupt`` propagates when ``interruptible`` (someone pressed stop in a kernel);
    otherwise it is an error of that call, like ``SystemExit``.
    """
    errors = (Exception, SystemExit) if interruptible else (BaseException,)
    deadline = time.monotonic() + budget
    for index, call in enumerate(calls):
        record: dict[str, Any] = {"index": index}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            record["status"] = "not run"
            yield record
            continue
        try:
            with limit(remaining):
                record.update(_one(target, call))
        except TestTimeout:
            record["status"] = "timeout"
            deadline = 0.0  # one endless call means the others would be endless too
        except MemoryError:
            record["status"] = "memory"
            deadline = 0.0
        except RecursionError:
            record.update(status="error", error="RecursionError: too many nested calls")
        except errors as exc:
            record.update(status="error", error=describe_error(exc))
        yield record
