"""Comparing what a learner's function returned with the expected values.

The calls themselves run elsewhere — in the sandbox for source text, in the kernel for a
function object (:mod:`lessonkit.isolation.calls`) — and always report plain builtin data.
The comparison happens here, in the checker's process, with one set of rules for both paths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..isolation import CallOutcome, plain
from ..isolation.calls import TestTimeout, call_each, describe_error, safe_repr, time_limit

__all__ = [
    "TestTimeout",
    "compare",
    "describe_error",
    "run_in_process",
    "safe_repr",
    "time_limit",
    "values_equal",
]


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
    except Exception:  # e.g. comparing values of types that do not order or compare
        return False


def compare(outcome: CallOutcome, expect: Any, tolerance: float) -> dict[str, Any]:
    """A per-test record (``passed``, ``status``, ``got``, ``error``) for one call."""
    record: dict[str, Any] = {"passed": False, "status": outcome.status}
    if outcome.status in ("returned", "uncomparable"):
        record["got"] = outcome.shown
    if outcome.status == "returned":
        record["passed"] = values_equal(outcome.value, expect, tolerance)
        record["status"] = "passed" if record["passed"] else "failed"
    if outcome.error:
        record["error"] = outcome.error
    return record


def run_in_process(
    target: Any, calls: Sequence[tuple[Sequence[Any], Mapping[str, Any]]], budget: float
) -> list[CallOutcome]:
    """Call ``target`` here (in the learner's kernel) and reduce each result to plain data.

    The same reduction as in the sandbox, so a returned object with a rigged ``__eq__`` is
    "cannot be compared" here too. Arguments are deep copies; the time limit works in the
    main thread only.
    """
    outcomes = []
    for record in call_each(target, calls, budget=budget):
        value = plain.decode(record["value"]) if record["status"] == "returned" else None
        outcomes.append(
            CallOutcome(
                status=record["status"],
                value=value,
                shown=record.get("shown", ""),
                error=record.get("error", ""),
            )
        )
    return outcomes
