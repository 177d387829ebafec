"""Run code-check test cases against a learner's function or value, and compare results.

Standard library only and free of relative imports: the sandbox child process imports this
file directly (without importing lessonkit) and the in-kernel path imports it as part of the
package, so both judge results with the same rules.
"""

from __future__ import annotations

import copy
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["TestTimeout", "describe_error", "run_tests", "safe_repr", "time_limit", "values_equal"]

_REPR_LIMIT = 300


class TestTimeout(BaseException):
    """Raised inside learner code when its time is up (a BaseException: harder to swallow)."""


def safe_repr(value: Any, limit: int = _REPR_LIMIT) -> str:
    """``repr`` cut to ``limit`` characters; never raises."""
    try:
        text = repr(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_error(exc: BaseException) -> str:
    """``Name: message`` of an exception, short; never raises."""
    try:
        message = str(exc)
    except Exception:
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


def _plain(value: Any) -> Any:
    """numpy/pandas values as builtins (``tolist``), so ``[1, 2]`` equals ``array([1, 2])``."""
    if type(value).__module__.split(".")[0] in ("numpy", "pandas") and hasattr(value, "tolist"):
        try:
            return value.tolist()
        except Exception:
            return value
    return value


def values_equal(got: Any, expect: Any, tolerance: float = 0.0, _depth: int = 0) -> bool:
    """Whether ``got`` matches ``expect``: floats within ``tolerance`` (and 1e-9 relative),
    lists and tuples alike, dicts by key, NaN equal to NaN. Never raises."""
    if _depth > 50:
        return False
    got = _plain(got)
    try:
        if isinstance(expect, bool) or isinstance(got, bool):
            return type(got) is type(expect) and got == expect
        if isinstance(expect, (int, float)) and isinstance(got, (int, float)):
            if isinstance(expect, float) or isinstance(got, float):
                if math.isnan(got) and math.isnan(expect):
                    return True
                return math.isclose(got, expect, rel_tol=1e-9, abs_tol=tolerance)
            return bool(got == expect)
        if isinstance(expect, (list, tuple)) and isinstance(got, (list, tuple)):
            return len(got) == len(expect) and all(
                values_equal(g, e, tolerance, _depth + 1) for g, e in zip(got, expect, strict=True)
            )
        if isinstance(expect, Mapping) and isinstance(got, Mapping):
            return set(got) == set(expect) and all(
                values_equal(got[k], expect[k], tolerance, _depth + 1) for k in expect
            )
        return bool(got == expect) is True
    except Exception:  # a learner's __eq__ may raise or return something odd
        return False


def run_tests(
    target: Any,
    tests: Sequence[Mapping[str, Any]],
    *,
    tolerance: float,
    budget: float,
    limit: Callable[[float], Any] = time_limit,
) -> list[dict[str, Any]]:
    """Run each test (``args``, ``kwargs``, ``expect``) against ``target``.

    A callable ``target`` is called with copies of the arguments; any other value is compared
    with ``expect`` directly. ``budget`` seconds are shared by all tests; after a timeout the
    remaining tests are not run.
    """
    results: list[dict[str, Any]] = []
    deadline = time.monotonic() + budget
    for index, test in enumerate(tests):
        record: dict[str, Any] = {"index": index, "passed": False}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            record["status"] = "not run"
            results.append(record)
            continue
        try:
            with limit(remaining):
                if callable(target):
                    args = copy.deepcopy(list(test.get("args", ())))
                    kwargs = copy.deepcopy(dict(test.get("kwargs", {})))
                    got = target(*args, **kwargs)
                else:
                    got = target
                record["passed"] = values_equal(got, test.get("expect"), tolerance)
            record["status"] = "passed" if record["passed"] else "failed"
            record["got"] = safe_repr(got)
        except TestTimeout:
            record["status"] = "timeout"
            deadline = 0.0  # one endless test means the others would be endless too
        except MemoryError:
            record["status"] = "memory"
            deadline = 0.0
        except RecursionError:
            record.update(status="error", error="RecursionError: too many nested calls")
        except Exception as exc:
            record.update(status="error", error=describe_error(exc))
        results.append(record)
    return results
