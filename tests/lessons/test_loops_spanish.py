"""The loops lesson in Spanish: every text its author wrote, translated, and nothing English left.

A Spanish learner is walked headless through every step of the lesson (two paths between them
visit all of them), hints, wrong answers, worked solution, practice items included; everything
the lesson shows them is collected and compared with the English source text. lessonkit's
own words ("Correct!", button labels) come from its message catalogs, not from the lesson, and
are not part of this check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.lesson.sidecar import describe_key
from lessonkit.lesson.units import localize, units
from lessonkit.lesson.variants import draw, render, variant_seed

ROOT = Path(__file__).resolve().parents[2]
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"

TOTAL = (
    "def total(numeros):\n    resultado = 0\n    for n in numeros:\n"
    "        resultado += n\n    return resultado\n"
)
VOWELS = "def count_vowels(texto):\n    return sum(1 for c in texto.lower() if c in 'aeiou')\n"
ENGLISH = {
    *[
        "the",
        "and",
        "you",
        "your",
        "is",
        "are",
        "of",
        "to",
        "with",
        "what",
        "how",
        "many",
        "this",
        "that",
        "does",
        "when",
        "which",
        "not",
        "it",
    ],
    *[
        "loop",
        "loops",
        "times",
        "write",
        "function",
        "returns",
        "value",
        "values",
        "list",
        "lists",
        "number",
        "numbers",
    ],
}
_CODE = re.compile(r"^(`{3,}).*?^\1|`[^`\n]*`|\$[^$\n]*\$|\{\{\w+\}\}", re.M | re.S)


def _prose(text: str) -> str:
    return _CODE.sub(" ", text)


@pytest.fixture(scope="module")
def loops() -> lk.Lesson:
    return lk.load_lesson(LOOPS)


def test_every_text_is_translated_and_none_is_stale(loops: lk.Lesson) -> None:
    warnings: list[lk.Problem] = []
    assert lk.check_file(LOOPS, warnings=warnings) == []
    assert warnings == []  # nothing missing, nothing stale
    spanish = {u.key: u.text for u in units(localize(loops, "es"))}
    for unit in units(loops):
        if not unit.optional:
            assert spanish[unit.key] != unit.text, describe_key(unit.key)


def _walk(
    loops: lk.Lesson, script: dict[str, Any], shown: list[str], said: list[str]
) -> lk.LessonSession:
    """Play ``script`` as a Spanish learner, collecting every author text shown (and in
    ``said`` the feedback, which also has lessonkit's own words in it); every hint
    is taken after answering, except where ``script["no hints"]`` says (a hint would change
    the path)."""
    session = lk.LessonSession(loops, learner="lucia", seed=5, language="es")
    session.start()
    shown += [session.lesson.title, *(c.title for c in session.lesson.competencies)]
    while not session.finished:
        view = session.current
        step = view.step
        shown += [step.title, getattr(step, "body", ""), getattr(step, "prompt", "")]
        if isinstance(step, lk.Choice):
            shown += [o.label for o in step.options]
            session.choose(script[step.id][0])
            continue
        question = view.question
        if question is not None:
            shown += _question_texts(session, question)
            for answer in script.get(question.id, []):
                if not session.current.can_submit:
                    break
                outcome = session.submit(answer)
                said.append(outcome.result.feedback)
                shown.append(outcome.result.details.get("solution", ""))
            while session.current.hints_left and question.id not in script.get("no hints", []):
                shown.append(session.hint().hint)
            shown.append(session.current.solution)
        session.advance()
    shown.append(session.current.step.body)
    return session


def _question_texts(session: lk.LessonSession, question: lk.Question) -> list[str]:
    rec = session.current.record
    if question.params or question.derived:
        seed = rec.variant_seed
        assert seed is not None
        question = render(question, draw(question, seed))
    texts = [question.prompt, question.solution, getattr(question, "starter", "")]
    check = question.check
    if isinstance(check, lk.checks.Choice):
        texts += [o.text or o.value for o in check.options] + [o.feedback for o in check.options]
    if isinstance(check, lk.checks.Code):
        texts += [t.name for t in check.tests] + [t.feedback for t in check.tests]
    return texts


def _practice_answers(loops: lk.Lesson) -> dict[str, list[Any]]:
    pool = loops.step("practice")
    answers: dict[str, list[Any]] = {}
    for item in pool.items:
        shown = render(item, draw(item, variant_seed("lucia", loops.id, item.id, 0)))
        answers[item.id] = [shown.check.answer]
    return answers


def test_a_spanish_learner_meets_no_english_author_text(loops: lk.Lesson) -> None:
    practice = _practice_answers(loops)
    confident = {
        "confidence": ["confident"],
        "pretest": ["0 1 2"],
        "ex-sum": [TOTAL],
        "challenge": [VOWELS],
        "q-break": ["break"],
        "no hints": ["ex-sum"],  # the challenge is for a first try without hints
        **practice,
    }
    beginner = {
        "confidence": ["new"],
        "q-range": ["5", "8", "4"],
        "ex-sum": ["def total(numeros):\n    return 0\n", "def total(numeros):\n    return 1\n"],
        "q-break": ["continue", "return", "break"],
        **practice,
    }
    shown: list[str] = []
    said: list[str] = []
    paths = [_walk(loops, script, shown, said).path for script in (confident, beginner)]
    assert {s.id for s in loops.steps} == set(paths[0]) | set(paths[1])  # every step visited
    english_lines = {
        line.strip()
        for unit in units(loops)
        for line in _prose(unit.text).splitlines()
        if len(line.split()) >= 3
    }
    author = [t for t in shown if t]
    for text in author:
        words = set(re.findall(r"[^\W\d_]+", _prose(text).lower()))
        assert not words & ENGLISH, (text, words & ENGLISH)
        assert not any(line in text for line in english_lines), text
    for text in said:
        assert not any(line in text for line in english_lines), text
    joined = "\n".join(author + said)
    for spanish in (
        "¡Casi!",
        "Escribe los valores uno a uno",
        "una lista vacía",
        "`continue` salta",
        "# tu bucle",
    ):
        assert spanish in joined, spanish
    assert "an empty list" not in joined and "Start from 0." not in joined


def test_play_in_spanish_from_the_command_line(
    loops: lk.Lesson, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = {
        "confidence": "new",
        "q-range": ["4,0"],  # a decimal comma, read the Spanish way
        "ex-sum": [TOTAL],
        "challenge": [VOWELS],
        "q-break": ["break"],
        "practice": [{"correct": True}],
    }
    responses = tmp_path / "responses.json"
    responses.write_text(json.dumps(script))
    code = main(["play", str(LOOPS), "-r", str(responses), "--lang", "es", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["completed"] is True, out
    assert out["language"] == "es"
    assert out["steps"]["q-range"]["correct"] is True
    assert main(["play", str(LOOPS), "-r", str(responses), "--lang", "no such"]) == 2
