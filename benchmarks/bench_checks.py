"""Answer-checking latency per family, against baselines measured in the same run.

Non-code families are timed through the public ``lessonkit.checks.check`` (dispatch
included); the baseline is ``float()`` parsing of the same text plus an ``==`` comparison, the
least any checker must do. Code checks in source-text mode start a resource-limited child
process in the bubblewrap sandbox; their baselines are starting a bare ``python -I -c pass``
and the same check in a child process with resource limits only (``LESSONKIT_ISOLATION=none``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from timing import per_call

from lessonkit.checks import (
    Choice,
    Code,
    CodeTest,
    Expression,
    Frame,
    FreeResponse,
    Numeric,
    Ordering,
    Text,
    check,
)
from lessonkit.isolation import isolation_status

TOTAL_SOURCE = "def total(values):\n    return sum(values)\n"


def _cases() -> list[tuple[str, Any, Any, float]]:
    """``(family, spec, response, target_seconds)`` for each non-code family."""
    import pandas as pd

    frame = pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 2, 3]})
    return [
        ("choice (single)", Choice(options=("a", "b", "c"), answer="b"), "b", 1e-3),
        ("choice (multiple)", Choice(options=("a", "b", "c"), answer=("a", "b")), ["a", "c"], 1e-3),
        ("numeric (units)", Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2"),
         "9.8 m/s^2", 1e-3),
        ("text (fuzzy)", Text(answer=("photosynthesis",), fuzzy=0.85), "photosynthsis", 1e-3),
        ("ordering", Ordering(items=tuple("abcdefgh")), list("abdcefhg"), 1e-3),
        ("free response", FreeResponse(min_words=3), "loops repeat work", 1e-3),
        ("expression (SymPy)", Expression(answer="2*x + 2", variables=("x",)), "2(x+1)", 20e-3),
        ("frame (pandas)", Frame(answer={"name": ["a", "b", "c"], "n": [1, 2, 3]}), frame, 20e-3),
    ]  # fmt: skip


def run(quick: bool) -> list[dict[str, Any]]:
    repeat = 200 if quick else 2000
    base = per_call(lambda: float("9.8") == 9.8, repeat=repeat)
    rows: list[dict[str, Any]] = [{"name": "float() + == [baseline]", **base}]
    for family, spec, response, target in _cases():
        timing = per_call(lambda s=spec, r=response: check(s, r), repeat=repeat, warmup=20)
        rows.append(
            {
                "name": f"check {family}",
                **timing,
                "baseline": "float() + ==",
                "ratio": timing["median_s"] / base["median_s"],
                "target": f"< {target * 1e3:g} ms median",
                "ok": timing["median_s"] < target,
            }
        )
    spec = Code(
        name="total",
        tests=(CodeTest(args=([1, 2, 3],), expect=6), CodeTest(args=([],), expect=0)),
    )
    code_repeat = 5 if quick else 30
    start = [sys.executable, "-I", "-c", "pass"]
    bare = per_call(lambda: subprocess.run(start, check=True), repeat=code_repeat, warmup=1)
    rows.append({"name": "python -I -c pass [baseline]", **bare})
    os.environ["LESSONKIT_ISOLATION"] = "none"  # the rlimit-only child process, for comparison
    try:
        limited = per_call(lambda: check(spec, TOTAL_SOURCE), repeat=code_repeat, warmup=1)
    finally:
        del os.environ["LESSONKIT_ISOLATION"]
    rows.append(
        {
            "name": "check code (rlimit-only process, 2 tests)",
            **limited,
            "baseline": "python -I -c pass",
            "ratio": limited["median_s"] / bare["median_s"],
        }
    )
    status = isolation_status()
    if not status.isolated:  # nothing to time: checks answer "cannot be checked" at once
        name = "check code (bubblewrap sandbox): not available"
        rows.append({"name": name, "value": float("nan"), "target": status.reason, "ok": False})
        return rows
    sandboxed = per_call(lambda: check(spec, TOTAL_SOURCE), repeat=code_repeat, warmup=1)
    rows.append(
        {
            "name": "check code (bubblewrap sandbox, 2 tests)",
            **sandboxed,
            "baseline": "rlimit-only process",
            "ratio": sandboxed["median_s"] / limited["median_s"],
            "target": "< 250 ms median",
            "ok": sandboxed["median_s"] < 0.25,
        }
    )
    return rows
