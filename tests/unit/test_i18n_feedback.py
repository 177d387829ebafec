"""Feedback lessonkit writes itself is in the learner's language, decided per call (never a
global locale), and the learner's chosen language is a profile field kept in the evidence."""

from __future__ import annotations

import threading

import pytest

import lessonkit as lk
from lessonkit import Question
from lessonkit.checks import (
    Choice,
    Code,
    CodeTest,
    Expression,
    Numeric,
    Option,
    Ordering,
    check,
    grade,
)
from lessonkit.course.record import build_record
from lessonkit.errors import SessionStateError
from lessonkit.evidence.statements import event_to_statement, statement_to_event
from lessonkit.evidence.stores import open_store

Q = Question(id="q", prompt="2 + 3?", check=Numeric(answer=5), max_attempts=3)
LOOPS = "lessons/loops/loops.lesson.yaml"


def test_the_defaults_in_each_language() -> None:
    said = {
        lang: (
            grade(Q, "5", attempt=1, hints_used=0, seed=None, language=lang).feedback,
            grade(Q, "4", attempt=1, hints_used=0, seed=None, language=lang).feedback,
        )
        for lang in ("en", "es", "de", "ar")
    }
    assert said == {
        "en": ("Correct!", "Not quite."),
        "es": ("¡Correcto!", "No del todo."),
        "de": ("Richtig!", "Nicht ganz."),
        "ar": ("صحيح!", "ليس تمامًا."),
    }
    assert grade(Q, "4", attempt=1, hints_used=0, seed=None).feedback == "Not quite."


def test_checker_messages_are_written_in_the_language_asked_for() -> None:
    unread = check(Numeric(answer=5), "five", language="de")
    assert not unread.understood
    assert unread.feedback == "Bitte gib eine Zahl ein, etwa 42, -3,5 oder 1.234,5."
    wrong_sign = check(Numeric(answer=5), "-5", language="es").feedback
    assert wrong_sign == "Revisa el signo de tu respuesta."
    name = check(Expression(answer="x + y", variables=("x", "y")), "2y + z", language="es")
    assert name.feedback == "Nombre desconocido 'z' (puedes usar x, y)."
    order = check(Ordering(items=("a", "b", "c")), ["c", "b", "a"], language="de").feedback
    assert order.startswith("1 von 3 Einträgen stehen schon")


@pytest.mark.parametrize(
    ("picked", "arabic"),
    [
        (["a"], "اختيار واحد من اختياراتك صحيح. ينقص خياران صحيحان."),
        (["a", "b", "x"], "{n} of your picks should not be there."),
    ],
)
def test_plural_forms_in_feedback(picked: list[str], arabic: str) -> None:
    spec = Choice(
        options=tuple(Option(value=v) for v in ("a", "b", "c", "x")),
        answer=("a", "b", "c") if arabic.startswith("اختيار") else ("a", "b"),
    )
    said = check(spec, picked, language="ar").feedback
    if arabic.startswith("{"):
        assert said == "اختيار واحد من اختياراتك لا ينبغي أن يكون هنا."
    else:
        assert said == arabic


def test_code_summaries_count_in_the_language() -> None:
    def total(numbers: list[int]) -> int:
        return sum(numbers)

    spec = Code(
        name="total",
        tests=tuple(CodeTest(args=([1, 2],), expect=e) for e in (3, 3, 4)),
    )
    assert check(spec, total, language="es").feedback.startswith("Se han superado 2 de 3 pruebas.")
    assert check(spec, total, language="ar").feedback.startswith("نجح 2 من 3 اختبارات.")
    assert "expected 4, got 3" in check(spec, total).feedback
    assert "se esperaba 4, se obtuvo 3" in check(spec, total, language="es").feedback


def test_concurrent_learners_each_get_their_own_language() -> None:
    """The course service checks for many learners at once: no language leaks across calls."""
    results: dict[str, set[str]] = {"es": set(), "de": set(), "ar": set(), "en": set()}

    def learner(lang: str) -> None:
        for _ in range(200):
            results[lang].add(
                grade(Q, "4", attempt=1, hints_used=0, seed=None, language=lang).feedback
            )

    threads = [threading.Thread(target=learner, args=(lang,)) for lang in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {
        "es": {"No del todo."},
        "de": {"Nicht ganz."},
        "ar": {"ليس تمامًا."},
        "en": {"Not quite."},
    }


def test_a_session_writes_its_feedback_in_its_language() -> None:
    lesson = lk.Lesson(
        id="sums",
        title="Sums",
        steps=(Q.__class__(id="q", prompt="2 + 3?", check=Numeric(answer=5), next="end"),
               lk.End(id="end")),
    )  # fmt: skip
    session = lk.LessonSession(lesson, learner="ada", language="de")
    session.start()
    assert session.submit("fünf").result.feedback.startswith("Bitte gib eine Zahl ein")
    assert session.submit("4").result.feedback == "Nicht ganz."
    session.language = "es"  # the learner picked another language: the next answer follows
    assert session.submit("5").result.feedback == "¡Correcto!"
    answered = [e.data["feedback"] for e in session.events if e.kind == "answered"]
    assert answered == ["Nicht ganz.", "¡Correcto!"]  # the evidence keeps what was shown


def test_the_chosen_language_is_a_profile_field_kept_in_the_evidence() -> None:
    lesson = lk.load_lesson(LOOPS)
    with open_store("memory://") as store:
        session = lk.LessonSession(lesson, learner="ada", store=store)
        session.start()
        session.prefer("language", "ar")
        assert session.profile["language"] == "ar"
        event = session.events[-1]
        assert (event.kind, event.step_id, event.data["field"]) == ("chose", None, "language")
        statement = event_to_statement(event)
        assert statement["object"]["definition"]["type"].endswith("/lesson")  # not a choice step
        assert statement_to_event(statement) == event
        again = lk.LessonSession.resume(lesson, list(session.events), store=store)
        assert again.profile["language"] == "ar" and again.current.step.id == "welcome"
        assert build_record_profile(session.events) == {"language": "ar"}
        with pytest.raises(SessionStateError):
            session.prefer("interest", "games")  # only fields a learner sets outside a choice
        with pytest.raises(SessionStateError):
            session.prefer("language", "<script>")


def build_record_profile(events: list) -> dict[str, str]:
    """The profile the learner's course record rebuilds from these events' statements."""
    from lessonkit.course import load_course

    course = load_course("lessons/python-basics/python-basics.course.yaml")
    statements = [event_to_statement(e) for e in events]
    return dict(build_record(course, statements, events[0].learner).profile)
