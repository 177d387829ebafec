"""Answer-checking latency per family, against baselines measured in the same run.

Non-code families are timed through the public ``lessonkit.checks.check`` (dispatch
included); the baseline is ``float()`` parsing of the same text plus an ``==`` comparison, the
least any checker must do. Code checks in source-text mode start a resource-limited child
process in the bubblewrap sandbox; their baselines are starting a bare ``python -I -c pass``
and the same check in a child process with resource limits only (``LESSONKIT_ISOLATION=none``).
"""

from __future__ import annotations

import functools
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
        ("expression (grammar)", Expression(answer="2*x + 2", variables=("x",)), "2(x+1)", 20e-3),
        ("frame (pandas)", Frame(answer={"name": ["a", "b", "c"], "n": [1, 2, 3]}), frame, 20e-3),
    ]  # fmt: skip


HONEST_EXPRESSIONS = [
    ("2*x + 2", ("x",), "2(x+1)"),
    ("x**2 + 2*x + 1", ("x",), "(x+1)^2"),
    ("pi*r^2", ("r",), "r^2 pi"),
    ("sqrt(x^2)", ("x",), "abs(x)"),
    ("(a + b + c)/3", ("a", "b", "c"), "a/3 + b/3 + c/3"),
]
"""``(answer, variables, response)``: right answers as learners type them."""


@functools.lru_cache(maxsize=64)
def _sympy_parse(text: str, variables: tuple[str, ...]) -> Any:
    """The former parser, on trusted benchmark text only: SymPy's ``parse_expr`` (it calls
    ``eval``, so it must never see learner input). A speed baseline, nothing more."""
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)
    names = {"abs": sympy.Abs, "pi": sympy.pi, "e": sympy.E, "sqrt": sympy.sqrt}
    names.update({v: sympy.Symbol(v) for v in variables})
    keep = ("Integer", "Float", "Rational", "Symbol", "Function", "Mul", "Add", "Pow")
    space = {"__builtins__": {}, **{k: getattr(sympy, k) for k in keep}}
    return parse_expr(
        text, local_dict=names, global_dict=space, transformations=transformations, evaluate=False
    )


def _sympy_parse_expr_check(answer: str, variables: tuple[str, ...], response: str) -> bool:
    """The former method: parse (answer cached, as it was) and ``evalf`` at six probe points."""
    import sympy

    expected = _sympy_parse(answer, variables)
    given = _sympy_parse.__wrapped__(response, variables)
    probes = (-1.7, 0.6, 2.3, -0.45, 1.35, 3.1)
    for i in range(len(probes)):
        point = {sympy.Symbol(v): probes[(i + k) % len(probes)] for k, v in enumerate(variables)}
        a, b = complex(given.evalf(20, subs=point)), complex(expected.evalf(20, subs=point))
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    return True


def _expression_rows(repeat: int) -> list[dict[str, Any]]:
    """The grammar-based expression check against the former parse_expr method, same inputs."""
    specs = [(Expression(answer=a, variables=v), r) for a, v, r in HONEST_EXPRESSIONS]
    assert all(check(s, r).correct for s, r in specs)
    assert all(_sympy_parse_expr_check(*case) for case in HONEST_EXPRESSIONS)
    old = per_call(
        lambda: [_sympy_parse_expr_check(*case) for case in HONEST_EXPRESSIONS], repeat=repeat
    )
    new = per_call(lambda: [check(s, r) for s, r in specs], repeat=repeat, warmup=5)
    n = len(specs)
    base = "SymPy parse_expr + evalf (former)"
    return [
        {"name": f"{base} [baseline]", "median_s": old["median_s"] / n, "p99_s": old["p99_s"] / n},
        {
            "name": "check expression (own grammar), same inputs",
            "median_s": new["median_s"] / n,
            "p99_s": new["p99_s"] / n,
            "baseline": base,
            "ratio": new["median_s"] / old["median_s"],
            "target": "< 1x the former method",
            "ok": new["median_s"] < old["median_s"],
        },
    ]


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
    rows.extend(_expression_rows(20 if quick else 200))
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
