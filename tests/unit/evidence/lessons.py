"""Small lessons for the evidence tests, built with the Python API."""

from __future__ import annotations

import lessonkit as lk
from lessonkit.checks import Numeric

BIG = (10**6, 10**9)
"""Range of the variant parameters: wide, so two draws agree by chance about once in 10^9."""


def variant_lesson(questions: int = 4) -> lk.Lesson:
    """``q0..q{n-1}``: each asks for ``a + b`` with ``a``, ``b`` drawn per learner, then an end."""
    steps: list[lk.Step] = [
        lk.Question(
            id=f"q{i}",
            prompt="{{a}} + {{b}} = ?",
            params={"a": lk.Param(randint=BIG), "b": lk.Param(randint=BIG)},
            derived={"s": "a + b"},
            check=Numeric(answer="{{s}}"),
            competencies=("add",),
            hints=("Add the units first.",),
            next=f"q{i + 1}" if i + 1 < questions else "done",
        )
        for i in range(questions)
    ]
    steps.append(lk.End(id="done"))
    return lk.Lesson(
        id="keyed-sums",
        title="Sums",
        competencies=(lk.Competency(id="add", title="Adds"),),
        steps=tuple(steps),
    )


def right_answer(session: lk.LessonSession) -> float:
    """The right answer of the current question as this learner sees it."""
    question = session.current.question
    assert question is not None and isinstance(question.check, Numeric)
    return float(question.check.answer)  # type: ignore[arg-type]
