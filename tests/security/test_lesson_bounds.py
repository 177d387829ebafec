"""A lesson file cannot hang or take over the kernels of the learners who open it.

Attack classes:

* computation bombs in ``derived`` — ``round(a, -10**9)``, huge exponents and literals,
  string repetition of a drawn word: reported by ``validate`` at ``file:line:col`` and refused
  at run time in microseconds, in any thread (no alarm can stop C-level big-integer work);
* bombs that depend on the draw — caught by the sampled draws of ``validate``;
* code execution in ``derived`` — attribute chains, imports, lambdas, keywords: refused, and a
  canary proves nothing ran;
* fuzzing — random derived expressions never hang and never raise anything but
  :class:`LessonDefinitionError`;
* the condition language — its worst case within its length limits stays cheap.

The matching invalid lesson files with their expected messages are in ``tests/data/invalid``
(``derived_*`` and ``expression_answer_unreadable``).
"""

from __future__ import annotations

import ast
import threading
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit.checks import CheckerWarning, Numeric, grade
from lessonkit.errors import LessonDefinitionError
from lessonkit.lesson.conditions import StaticContext
from lessonkit.lesson.conditions import evaluate as condition
from lessonkit.lesson.variant_lint import SAMPLES, variant_problems
from lessonkit.lesson.variants import evaluate

BOUND = 2.0
VALUES = {"a": 7, "b": -3, "word": "pear", "big": 10**300}

BOMBS = [
    "round(a, -10**9)",
    "round(a, b * 10**8)",
    "round(big, -400)",
    "a ** 1000",
    "9 ** 9 ** 9",
    "(10 ** 100) ** 100 ** 100",
    "big * big",
    "big ** 2",
    "1" + "0" * 400,
    "a + 1e400",
    "word * 100000000",
    "word + word",
    "min(word, a)",
    "10 ** 100 * 10 ** 100 * 10 ** 100 * 10 ** 100",
    "-" * 499 + "a",
    "-(" * 100 + "a" + ")" * 100,
    "abs(" * 60 + "a" + ")" * 60,
]


@pytest.mark.parametrize("text", BOMBS, ids=[b[:30] for b in BOMBS])
def test_computation_bombs_are_refused_at_run_time_fast(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(LessonDefinitionError):
        evaluate(text, VALUES)
    assert time.perf_counter() - started < BOUND


def test_bombs_are_refused_off_the_main_thread() -> None:
    refused: list[bool] = []

    def work() -> None:
        for text in BOMBS:
            try:
                evaluate(text, VALUES)
            except LessonDefinitionError:
                refused.append(True)

    worker = threading.Thread(target=work, daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert len(refused) == len(BOMBS)
    assert time.perf_counter() - started < BOUND


def _question(derived: dict[str, str], **params: lk.Param) -> lk.Question:
    return lk.Question(
        id="q1",
        prompt="{{a}}",
        params={"a": lk.Param(randint=(1, 9)), **params},
        derived=derived,
        check=Numeric(answer="{{a}}"),
        next="done",
    )


@pytest.mark.parametrize("text", [b for b in BOMBS if "word" not in b and "big" not in b])
def test_validate_reports_each_bomb_where_it_is_written(text: str) -> None:
    problems = variant_problems(_question({"x": text}, b=lk.Param(randint=(-3, -3))))
    assert problems, text
    assert all(where == ("derived", "x") for where, _, _ in problems)


def test_validate_samples_the_draws() -> None:
    # Only a=5 (one draw in nine) breaks it: SAMPLES draws find it.
    problems = variant_problems(_question({"inv": "1 / (a - 5)"}))
    assert [(w, "a=5" in m) for w, m, _ in problems] == [(("derived", "inv"), True)]
    rare = _question({"r": "round(a, n)"}, n=lk.Param(randint=(-25, 0)))
    assert variant_problems(rare)  # 5 values in 26 break it: 50 draws miss that 1 time in 40000
    assert SAMPLES >= 50


def test_a_python_built_lesson_without_validation_errors_instead_of_hanging() -> None:
    question = _question({"x": "round(a, -10**9)"})
    lesson = lk.Lesson(id="bomb", title="Bomb", steps=(question, lk.End(id="done")))
    session = lk.LessonSession(lesson, learner="kim")
    started = time.perf_counter()
    with pytest.raises(LessonDefinitionError, match="round"):
        session.start()
    with pytest.warns(CheckerWarning):  # the grader re-checking evidence is told, not hung
        result = grade(question, "7", attempt=1, hints_used=0, seed=1)
    assert not result.understood
    assert time.perf_counter() - started < BOUND


CODE = [
    "a.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('touch {canary}')",
    "open('{canary}', 'w')",
    "(lambda: open('{canary}', 'w'))()",
    "round(a, ndigits=2)",
    "[open('{canary}', 'w') for _ in (1,)]",
    "(w := 2)",
    'f\'{{open("{canary}", "w")}}\'',
    "max(*(a, a))",
    "a if a else a",
    "a < 2",
    "not a",
    "a[0]",
    "'{canary}'",
    "b'x'",
    "True + 1",
    "None",
    "ᵉval('1')",
    "eval('1')",
]


@pytest.mark.parametrize("template", CODE)
def test_code_in_a_derived_expression_never_runs(tmp_path: Path, template: str) -> None:
    canary = tmp_path / "canary"
    text = template.format(canary=canary)
    with pytest.raises(LessonDefinitionError):
        evaluate(text, VALUES)
    assert variant_problems(_question({"x": text}))
    assert not canary.exists()


def test_a_lesson_file_with_bombs_is_refused_with_positions(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    lesson = tmp_path / "bomb.lesson.yaml"
    lesson.write_text(
        "lessonkit: 1\nid: bomb\ntitle: Bomb\nsteps:\n"
        "  - id: q1\n    kind: question\n    prompt: '{{a}}'\n"
        "    params: {a: {randint: [1, 9]}}\n"
        "    derived:\n"
        "      r: 'round(a, -10**9)'\n"
        f"      c: \"open('{canary}', 'w')\"\n"
        "    check: {type: numeric, answer: '{{r}}'}\n    next: done\n"
        "  - id: done\n    kind: end\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    problems = lk.check_file(lesson)
    assert time.perf_counter() - started < BOUND
    assert [(p.line, p.column) for p in problems] == [(10, 20), (11, 11)]
    assert "round() digits" in problems[0].message and "not allowed" in problems[1].message
    with pytest.raises(LessonDefinitionError):
        lk.load_lesson(lesson)
    assert not canary.exists()


# ------------------------------------------------------------------ fuzzing

_PIECES = [
    *["a", "b", "word", "big", "0", "1", "2", "9", "10", "100", "1e308", "0.5", "-1"],
    *[" + ", " - ", " * ", " / ", " // ", " % ", " ** ", "-", "(", ")", ", "],
    *["round(", "abs(", "min(", "max(", "10**9", "-10**9", "999999999999"],
]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.sampled_from(_PIECES), max_size=40))
def test_random_derived_expressions_end_fast(parts: list[str]) -> None:
    text = "".join(parts)
    started = time.perf_counter()
    try:
        value = evaluate(text, VALUES)
    except LessonDefinitionError:
        pass
    else:
        assert isinstance(value, (int, float, str))
        assert isinstance(value, str) or abs(value) <= 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        variant_problems(_question({"x": text}))
    assert time.perf_counter() - started < BOUND


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_random_text_as_a_derived_expression_is_refused_or_computed(text: str) -> None:
    try:
        evaluate(text, VALUES)
    except LessonDefinitionError:
        return
    ast.parse(text.strip(), mode="eval")  # only well-formed arithmetic got this far


# ------------------------------------------------------------------ the condition language


def test_the_worst_condition_within_its_limits_is_cheap() -> None:
    number = "9" * 64  # the longest number literal the language reads
    text = " * ".join([number] * 100) + " > 0 and " + " + ".join(["'x'"] * 400) + " == 'x'"
    assert len(text) < 10_000
    started = time.perf_counter()
    assert condition(text, StaticContext()) is False
    assert time.perf_counter() - started < BOUND
