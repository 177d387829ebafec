"""Answer-checking latency per family, on varied answers, as absolute times.

Each non-code family is timed through the public ``lessonkit.checks.check`` (dispatch
included) on a cycle of different answers (right, wrong, near misses, malformed), never one
answer repeated; SymPy answers are all different (3000 of them), since SymPy caches what it has
built and a handful of answers over and over would time its cache. The
figure that matters is absolute: a check must fit well inside a 16 ms frame (SymPy and pandas
checks inside 20 ms), so no ratio is reported for these.

Code checks run the learner's code in a separate, resource-limited process; their baseline is
what any process-based check pays at least, starting a bare ``python -I -c pass`` the same way.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
from typing import Any

from timing import compared, row, samples

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
        ("expression (SymPy)", Expression(answer="2*x + 2", variables=("x",)),
         _expressions(), 20e-3),
        ("frame (pandas)", Frame(answer={"name": ["a", "b", "c"], "n": [1, 2, 3]}), _frames(),
         20e-3),
    ]  # fmt: skip


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
    cycle = itertools.cycle(sources)
    bare: list[float] = []
    sandboxed: list[float] = []
    for _ in range(code_repeat + 1):  # interleaved; the first pair warms up
        bare += samples(lambda: subprocess.run(bare_command, check=True), repeat=1, warmup=0)
        sandboxed += samples(lambda: check(spec, next(cycle)), repeat=1, warmup=0)
    rows.append(row("python -I -c pass [baseline]", bare[1:]))
    result = compared(
        "check code (sandboxed process, 2 tests), 4 programs in turn",
        sandboxed[1:],
        bare[1:],
        "python -I -c pass",
    )
    result.update(target="< 250 ms median", ok=result["median_s"] < 0.25)
    rows.append(result)
    return rows
