"""Math answers are read by a grammar, never run: attacks by class, through every way in.

Attack classes:

* code execution — payloads that create a canary file when evaluated as Python or parsed by
  SymPy (each proven live first, in a child process), typed as an answer, written as the
  instructor's answer, scripted for ``lessonkit play``, submitted to a session, and forged
  into the evidence that ``points()`` re-checks for nbgrader;
* refused shapes — attribute access, subscripts, keywords, Unicode look-alikes;
* resource exhaustion — huge powers, deep nesting, long digits, huge integers via the API,
  also off the main thread where no alarm can stop the work;
* fuzzing — random text and random Python-shaped token soup (Hypothesis).

Each check must come back as a :class:`CheckResult` within :data:`BOUND` seconds, a generous
bound for what takes milliseconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit.checks import (
    CheckerWarning,
    CheckResult,
    Choice,
    Expression,
    Numeric,
    Text,
    check,
    grade,
)
from lessonkit.cli import main as cli
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.stores import JsonlStore
from lessonkit.integrations.nbgrader import points

from ._payloads import INERT, payloads

BOUND = 2.0
SPEC = Expression(answer="2*x + 2", variables=("x",))
NAMES = [name for name, _, _ in payloads(Path("/tmp/c"))]
LESSON = """\
lessonkit: 1
id: sec-math
title: Math answers under attack
competencies:
  - id: algebra
steps:
  - id: expand
    kind: question
    prompt: Expand 2(x + 1).
    check: {type: expression, answer: "2*x + 2", variables: [x]}
    competencies: [algebra]
    feedback:
      wrong: [{answer: "2*x + 1", message: "Check the constant."}]
    next: done
  - id: done
    kind: end
"""


def timed_check(spec: Any, response: Any) -> CheckResult:
    started = time.perf_counter()
    result = check(spec, response)
    assert time.perf_counter() - started < BOUND
    assert isinstance(result, CheckResult)
    return result


def one_payload(canary: Path, name: str) -> str:
    return next(text for n, _, text in payloads(canary) if n == name)


# ------------------------------------------------------------------ the payloads are live


def test_every_payload_creates_its_canary_when_evaluated(tmp_path: Path) -> None:
    """Without this, a payload that never worked would make the tests below pass vacuously."""
    jobs = [payloads(tmp_path / f"c{i}")[i][1:] for i in range(len(NAMES))]
    runner = (
        "import json, sys\n"
        "for mode, text in json.loads(sys.stdin.read()):\n"
        "    try:\n"
        "        if mode == 'sympify':\n"
        "            import sympy; sympy.sympify(text)\n"
        "        else:\n"
        "            (eval if mode == 'eval' else exec)(text)\n"
        "    except Exception:\n"
        "        pass\n"
    )
    subprocess.run(
        [sys.executable, "-I", "-c", runner],
        input=json.dumps(jobs),
        text=True,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    dead = [NAMES[i] for i in range(len(NAMES)) if not (tmp_path / f"c{i}").exists()]
    assert dead == []


# ------------------------------------------------------------------ code execution


@pytest.mark.parametrize("name", NAMES)
def test_payload_as_an_answer_runs_nothing(tmp_path: Path, name: str) -> None:
    canary = tmp_path / "canary"
    result = timed_check(SPEC, one_payload(canary, name))
    assert not result.understood and not result.correct
    assert result.feedback and "Traceback" not in result.feedback
    assert not canary.exists()


@pytest.mark.parametrize("name", NAMES)
def test_payload_as_the_instructors_answer_runs_nothing(tmp_path: Path, name: str) -> None:
    canary = tmp_path / "canary"
    spec = Expression(answer=one_payload(canary, name), variables=("x",))
    assert spec.problems()  # lessonkit validate reports it
    with pytest.warns(CheckerWarning):  # the question is broken: the instructor is told
        result = check(spec, "2x + 2")
    assert not result.understood
    assert not canary.exists()


def test_payloads_in_a_lesson_file_are_reported_not_run(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    lesson = tmp_path / "evil.lesson.yaml"
    text = one_payload(canary, "import-system").replace("'", "''")
    lesson.write_text(LESSON.replace('answer: "2*x + 2"', f"answer: '{text}'"), encoding="utf-8")
    problems = lk.check_file(lesson)
    assert any("expression answer" in p.message for p in problems)
    assert not canary.exists()


def test_payloads_through_grade_and_a_session(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    lesson = lk.loads_lesson(LESSON, "sec.lesson.yaml")
    question = lesson.steps[0]
    assert isinstance(question, lk.Question)
    session = lk.LessonSession(lesson, learner="mallory")
    session.start()
    for _, _, text in payloads(canary):
        graded = grade(question, text, attempt=1, hints_used=0, seed=None)
        assert not graded.understood
        outcome = session.submit(text)
        assert not outcome.result.understood
    assert session.current.can_submit  # refused answers cost no attempt
    assert session.submit("2(x+1)").result.correct
    assert not canary.exists()


def test_payloads_through_lessonkit_play(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = tmp_path / "canary"
    lesson = tmp_path / "sec.lesson.yaml"
    lesson.write_text(LESSON, encoding="utf-8")
    script = tmp_path / "responses.json"
    answers = [text for _, _, text in payloads(canary)] + ["2x+2"]
    script.write_text(json.dumps({"expand": answers}), encoding="utf-8")
    assert cli(["play", str(lesson), "--responses", str(script), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["completed"] and out["score"] == out["max_score"]
    assert not canary.exists()


def test_forged_evidence_rechecked_by_nbgrader_points_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The evidence file is in the learner's hands: every recorded answer is re-checked."""
    canary = tmp_path / "canary"
    lesson = lk.loads_lesson(LESSON, "sec.lesson.yaml")
    folder = tmp_path / "lessonkit-evidence"
    session = lk.LessonSession(lesson, learner="mallory")
    session.start()
    session.submit("2x + 1")
    answered = next(event_to_statement(e) for e in session.events if e.kind == "answered")
    with JsonlStore(folder) as store:
        store.append([event_to_statement(e) for e in session.events])
    forged = []
    big = [("", "", "__big4000__"), ("", "", "__big5000__")]
    for i, (_, _, text) in enumerate([*payloads(canary), *big]):
        line = json.loads(json.dumps(answered))
        line["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"forged-{i}"))
        data = line["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]["data"]
        data["raw"] = data["response"] = line["result"]["response"] = text
        data["correct"], line["result"]["success"] = True, True  # a forged claim, too
        forged.append(line)
    journal = next(folder.rglob("*.jsonl"))
    with journal.open("a", encoding="utf-8") as fh:
        for line in forged:  # huge integers written by hand: json.dumps refuses to
            text = json.dumps(line).replace('"__big4000__"', "9" * 4000)
            fh.write(text.replace('"__big5000__"', "9" * 5000) + "\n")
    earned = points(lesson, lesson, max_points=4, evidence=folder, student="mallory")
    captured = capsys.readouterr()
    assert earned == 0.0
    assert captured.err == ""
    assert not canary.exists()


# ------------------------------------------------------------------ refused shapes


@pytest.mark.parametrize("text", INERT)
def test_python_shapes_and_look_alikes_are_refused(text: str) -> None:
    result = timed_check(SPEC, text)
    assert not result.understood


# ------------------------------------------------------------------ resource exhaustion

HUGE = [
    "9^9^9",
    "9**9**9",
    "x^1000^1000",
    "x^1001",
    "(10^300)*10",
    "10^999",
    "exp(10^3)",
    "exp(exp(exp(exp(10))))",
    "cosh(10^4)",
    "1e309",
    "2" * 41,
    "0." + "1" * 40 + "1",
    "2^(2^(2^(2^(2^2))))",
    "factorial(100000)",
    "gamma(1000)",
    "sin(" * 40 + "x" + ")" * 40,
    "(" * 150 + "x" + ")" * 150,
    "(" * 100 + "x" + ")" * 100,
    "-" * 299 + "x",
    "x^" * 150 + "x",
    "x" * 301,
    "x+" * 200 + "x",
    " " * 10_000_000 + "x",
    "x" * 10_000_000,
]


@pytest.mark.parametrize("text", HUGE, ids=[t[:30] for t in HUGE])
def test_huge_or_deep_input_is_refused_fast(text: str) -> None:
    result = timed_check(SPEC, text)
    assert not result.understood


WORST_ACCEPTED = [
    "x^x^x^x^x^x^x^x^x^x",
    "exp(exp(exp(exp(exp(x)))))",
    "sin(" * 30 + "x" + ")" * 30,
    "+".join(["x^1000"] * 40),
    "x" * 300,
    "(x+1)" * 60,
    "xxxxxxxxxx" * 29 + "(x)",
]


@pytest.mark.parametrize("text", WORST_ACCEPTED, ids=[t[:30] for t in WORST_ACCEPTED])
def test_worst_accepted_input_is_checked_fast(text: str) -> None:
    result = timed_check(SPEC, text)
    assert result.understood and not result.correct


def test_bounds_hold_off_the_main_thread() -> None:
    """No alarm can interrupt a worker thread (Voila, tornado): the bounds alone must hold."""
    results: list[CheckResult] = []
    started = time.perf_counter()
    worker = threading.Thread(
        target=lambda: results.extend(check(SPEC, t) for t in [*HUGE, *WORST_ACCEPTED]),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert len(results) == len(HUGE) + len(WORST_ACCEPTED)
    assert time.perf_counter() - started < BOUND * 5
    assert [r.understood for r in results] == [False] * len(HUGE) + [True] * len(WORST_ACCEPTED)


@pytest.mark.parametrize(
    "spec",
    [
        Choice(options=("a", "b"), answer="b"),
        Choice(options=("a", "b"), answer=("a", "b")),
        Text(answer="denominator"),
        SPEC,
        Numeric(answer=4),
    ],
    ids=["choice", "multiple", "text", "expression", "numeric"],
)
@pytest.mark.parametrize(
    "response",
    [10**5000, -(10**5000), [10**5000], (1, 10**5000)],
    ids=["int", "negative", "list", "tuple"],
)
def test_a_huge_integer_is_the_learners_input_not_the_questions_fault(
    spec: Any, response: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckerWarning)
        result = timed_check(spec, response)
    assert not result.correct
    assert "problem with the question" not in result.feedback


def test_a_huge_integer_against_a_hashed_student_copy_key() -> None:
    from lessonkit.grading.keys import student_copy

    lesson = lk.loads_lesson(
        LESSON.replace(
            'check: {type: expression, answer: "2*x + 2", variables: [x]}',
            "check: {type: choice, options: [a, b], answer: [a]}",
        ).replace('answer: "2*x + 1"', "answer: [b]"),
        "sec.lesson.yaml",
    )
    copy, how = student_copy(lesson)
    assert how == {"expand": "hashed"}
    question = copy.steps[0]
    assert isinstance(question, lk.Question)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckerWarning)
        result = grade(question, [10**5000], attempt=1, hints_used=0, seed=None)
    assert not result.understood


# ------------------------------------------------------------------ fuzzing

_VOCAB = [
    *"xyz0123456789+-*/^().,[]{}:;=<>!|&~@#$%?`'\"\\_ \t\n",
    *["**", "//", ":=", "==", "'''", '"""', "lambda", "if", "else", "for", "in", "not"],
    *["__import__", "__class__", "__bases__", "__subclasses__", "__globals__", "__builtins__"],
    *["os", "system", "eval", "exec", "open", "compile", "getattr", "bytes", "fromhex"],
    *["sympify", "S", "Symbol", "subs", "Function", "Lambda", "parse_expr", "touch"],
    *["sin", "cos", "log", "ln", "sqrt", "exp", "abs", "pi", "e", "E", "1e308", "10**5000"],
    *["ᵉval", "ｅｖａｌ", "𝐞𝐱𝐞𝐜", "ℯ", "ﬁ", "＿", "\u2212", "×", "·", "²", "π", "\u200d", "\x00"],
]


def _assert_safe(text: str, canary: Path) -> None:
    started = time.perf_counter()
    result = check(SPEC, text)
    assert time.perf_counter() - started < BOUND
    assert isinstance(result, CheckResult)
    assert 0.0 <= result.score <= 1.0
    assert not canary.exists()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=400))
def test_random_text_is_safe(tmp_path: Path, text: str) -> None:
    _assert_safe(text, tmp_path / "canary")


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.sampled_from(_VOCAB), max_size=80))
def test_python_shaped_token_soup_is_safe(tmp_path: Path, parts: list[str]) -> None:
    canary = tmp_path / "canary"
    text = "".join(parts).replace("touch", f"touch {canary}")
    _assert_safe(text, canary)
