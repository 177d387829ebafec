"""Answer-checking latency per family, on varied answers, as absolute times.

Each non-code family is timed through the public ``lessonkit.checks.check`` (dispatch
included) on a cycle of different answers (right, wrong, near misses, malformed), never one
answer repeated; expression answers are all different (3000 of them), so no cache of parsed or
built expressions can flatter the check. The figure that matters is absolute: a check must fit
well inside a 16 ms frame (expression and pandas checks inside 20 ms), so no ratio is reported
for these. Expression checks are also compared, on the same right answers as learners type
them, with the method they replaced (SymPy's ``parse_expr`` and ``evalf``, on trusted text).

Code checks run the learner's code in a separate process in the bubblewrap sandbox; they are
timed in turns with what any process-based check pays at least (starting a bare
``python -I -c pass``) and with the same check in a child process with resource limits only
(``LESSONKIT_ISOLATION=none``).
"""

from __future__ import annotations

import functools
import itertools
import os
import statistics
import subprocess
import sys
from typing import Any

from timing import compared, interleaved, row, samples

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


def _frames() -> list[Any]:
    import pandas as pd

    return [
        pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 2, 3]}),
        pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 2, 4]}),
        pd.DataFrame({"name": ["c", "b", "a"], "n": [3, 2, 1]}),
        pd.DataFrame({"n": [1, 2, 3]}),
        pd.DataFrame({"name": ["a", "b"], "n": [1.0, 2.0]}),
    ]


def _expressions() -> list[str]:
    """3000 different answers to "2x + 2" in several notations, some right, most wrong (SymPy
    caches what it has built: a few answers over and over would measure its cache)."""
    forms = ("{a}*(x+{c})", "{a}x+{c}", "x*{a} + {c}", "({a}*x**2 + {c}*x)/x", "{a}*(x+1)+{c}")
    return [forms[i % len(forms)].format(a=1 + i % 50, c=i // 50) for i in range(3000)]


def _misspellings() -> list[str]:
    """Every one-letter change of "photosynthesis" (and the word itself)."""
    word = "photosynthesis"
    out = [word]
    for i in range(len(word)):
        out += [word[:i] + c + word[i + 1 :] for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i]]
    return out


def _cases() -> list[tuple[str, Any, list[Any], float]]:
    """``(family, spec, answers to cycle through, target seconds)`` for non-code families."""
    letters = "abcdefgh"
    orders = [list(p) for p in itertools.islice(itertools.permutations(letters), 0, 5000, 250)]
    return [
        ("choice (single)", Choice(options=("a", "b", "c"), answer="b"),
         ["a", "b", "c", "B", " b ", "d", ""], 1e-3),
        ("choice (multiple)", Choice(options=("a", "b", "c"), answer=("a", "b")),
         [["a", "b"], ["a"], ["b", "a"], ["a", "c"], [], ["a", "b", "c"]], 1e-3),
        ("numeric (units)", Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2"),
         ["9.8 m/s^2", "9.81", "9.7 m/s^2", "981 cm/s^2", "ten", "9,8 m/s^2", "1e1 m/s^2",
          "-9.81 m/s^2", "9.81 m/s"], 1e-3),
        ("text (fuzzy)", Text(answer=("photosynthesis",), fuzzy=0.85), _misspellings(), 1e-3),
        ("ordering", Ordering(items=tuple(letters)), orders, 1e-3),
        ("free response", FreeResponse(min_words=3),
         ["loops repeat work", "no", "a loop runs its body again and again", "", "x y z w"],
         1e-3),
        ("expression (own grammar)", Expression(answer="2*x + 2", variables=("x",)),
         _expressions(), 20e-3),
        ("frame (pandas)", Frame(answer={"name": ["a", "b", "c"], "n": [1, 2, 3]}), _frames(),
         20e-3),
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
    """The grammar-based expression check against the former parse_expr method, same inputs,
    in turns (seconds per answer)."""
    specs = [(Expression(answer=a, variables=v), r) for a, v, r in HONEST_EXPRESSIONS]
    assert all(check(s, r).correct for s, r in specs)
    assert all(_sympy_parse_expr_check(*case) for case in HONEST_EXPRESSIONS)
    n = len(specs)
    old, new = interleaved(
        [
            lambda: [_sympy_parse_expr_check(*case) for case in HONEST_EXPRESSIONS],
            lambda: [check(s, r) for s, r in specs],
        ],
        repeat=repeat,
        warmup=5,
    )
    old, new = [t / n for t in old], [t / n for t in new]
    base = "SymPy parse_expr + evalf (former)"
    result = compared("check expression (own grammar), same inputs", new, old, base)
    result.update(target="< 1x the former method", ok=result["ratio"] < 1.0)
    return [row(f"{base} [baseline]", old), result]


def run(quick: bool) -> list[dict[str, Any]]:
    repeat = 300 if quick else 3000
    rows: list[dict[str, Any]] = []
    for family, spec, answers, target in _cases():
        cycle = itertools.cycle(answers)
        times = samples(lambda s=spec, c=cycle: check(s, next(c)), repeat=repeat, warmup=20)
        rows.append(
            row(
                f"check {family}, {len(answers)} answers in turn",
                times,
                target=f"< {target * 1e3:g} ms median",
                ok=statistics.median(times) < target,
            )
        )
    rows.extend(_expression_rows(20 if quick else 200))
    spec = Code(
        name="total",
        tests=(CodeTest(args=([1, 2, 3],), expect=6), CodeTest(args=([],), expect=0)),
    )
    sources = [
        TOTAL_SOURCE,
        "def total(values):\n    n = 0\n    for v in values:\n        n += v\n    return n\n",
        "def total(values):\n    return len(values)\n",
        "def total(values) return 0\n",
    ]
    code_repeat = 5 if quick else 40
    bare_command = [sys.executable, "-I", "-c", "pass"]
    programs = itertools.cycle(sources)

    def limited() -> None:
        os.environ["LESSONKIT_ISOLATION"] = "none"  # the rlimit-only child process
        try:
            check(spec, next(programs))
        finally:
            del os.environ["LESSONKIT_ISOLATION"]

    status = isolation_status()
    runs = [lambda: subprocess.run(bare_command, check=True), limited]
    if status.isolated:
        runs.append(lambda: check(spec, next(programs)))
    times = interleaved(runs, repeat=code_repeat, warmup=1)
    bare, rlimited = times[0], times[1]
    rows.append(row("python -I -c pass [baseline]", bare))
    rows.append(
        compared("check code (rlimit-only process, 2 tests), 4 programs in turn", rlimited,
                 bare, "python -I -c pass")
    )  # fmt: skip
    if not status.isolated:  # nothing to time: checks answer "cannot be checked" at once
        name = "check code (bubblewrap sandbox): not available"
        rows.append({"name": name, "target": status.reason, "ok": False})
        return rows
    result = compared(
        "check code (bubblewrap sandbox, 2 tests), 4 programs in turn",
        times[2],
        rlimited,
        "rlimit-only process",
    )
    result.update(target="< 250 ms median", ok=result["median_s"] < 0.25)
    rows.append(result)
    return rows
