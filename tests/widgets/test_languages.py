"""The player in the learner's language: the lesson's translation on screen, and numbers typed
as the learner's language writes them (the page sends the text; the kernel reads it)."""

from __future__ import annotations

from pathlib import Path

import lessonkit as lk
from lessonkit import checks
from lessonkit.widgets import LessonPlayer

from .conftest import answer, choose, feedback, options, send, step_id, text

TINY = Path(__file__).resolve().parents[1] / "data" / "translations" / "ok.lesson.yaml"


def _numbers() -> lk.Lesson:
    return lk.Lesson(
        id="numbers",
        title="Numbers",
        steps=(
            lk.Question(
                id="q", prompt="7 / 2?", check=checks.Numeric(answer=3.5), next="e", max_attempts=9
            ),
            lk.Question(
                id="e",
                prompt="x + x/4 + x/4 = ?",
                check=checks.Expression(answer="1.5*x", variables=("x",)),
                next="done",
            ),
            lk.End(id="done"),
        ),
    )


def _player(lesson: lk.Lesson, language: str | None) -> LessonPlayer:
    session = lk.LessonSession(lesson, learner="ada", seed=3, language=language)
    return LessonPlayer(session, code_mode="editor")


def test_a_german_learner_types_3_comma_5_and_is_understood() -> None:
    p = _player(_numbers(), "de")
    said = answer(p, "abc")
    assert "Please enter a number, like 42, -3,5 or 1.234,5." in said  # the format they use
    said = answer(p, "3,5")
    assert said.startswith("Correct!") and "You answered: 3,5" in said
    send(p, "next")
    assert step_id(p) == "e"
    assert answer(p, "1,5x").startswith("Correct!")
    statements = [e for e in p.session.events if e.kind == "answered"]
    assert [e.data["response"] for e in statements] == ["3,5", "1,5x"]
    assert {e.language for e in p.session.events} == {"en"}  # no German text: English shown


def test_an_english_learner_keeps_the_english_rules() -> None:
    p = _player(_numbers(), None)
    assert not answer(p, "1.234,5").startswith("Correct!")
    assert "like 42, -3.5 or 1.2e3" in feedback(p)
    assert answer(p, "3.5").startswith("Correct!")


def test_a_spanish_learner_sees_the_translation() -> None:
    p = _player(lk.load_lesson(TINY), "es")
    assert "Una lección diminuta" in text(p.view["header"])
    assert "Vamos a contar." in text(p.view["body"])
    send(p, "next")
    assert "¿Cómo te sientes?" in text(p.view["body"])
    assert options(p) == ["Bien", "Mal"]
    choose(p, "Bien")
    assert "Eso es un pájaro." in answer(p, "2")
    send(p, "hint")
    assert "Cuéntalas." in p.view["hints"]
