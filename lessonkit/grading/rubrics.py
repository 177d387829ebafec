"""Grading by hand with a rubric: the answers waiting for a teacher, and the grades given.

:func:`answers_to_grade` reads a lesson's statements (one learner's or a class's) and lists,
per learner, the latest answer to a question with a rubric, with its current grade and every
grade given before (a teacher sees earlier comments). :func:`make_grade` turns a teacher's
picks into a :class:`~lessonkit.evidence.grades.RubricGrade`, checked against the rubric; the
course service and ``lessonkit nbgrader import-grades`` store it with
:func:`~lessonkit.evidence.grades.grade_statement` (and, for a regrade,
:func:`~lessonkit.evidence.grades.void_statement`).

Whose grades count is the reader's choice: a learner's evidence file is theirs to edit, so
re-grading (:func:`lessonkit.grading.regrade`) takes grades only from a source the caller
trusts (the course service's database, the course's own grade store), never from the
evidence being graded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..engine.history import CountedAnswer, lesson_events
from ..evidence.events import Event, LearnerRef
from ..evidence.grades import GradeIndex, RubricGrade
from ..evidence.replies import Reply, replies_of
from ..evidence.statements import statement_id
from ..lesson.model import Lesson, Question

if TYPE_CHECKING:
    from .learners import Account
    from .report import QuestionGrade

__all__ = [
    "AnswerToGrade",
    "RubricGradeError",
    "answer_id",
    "answers_to_grade",
    "counted_grades",
    "make_grade",
    "with_rubric",
]


class RubricGradeError(ValueError):
    """A grade that does not fit the question's rubric (the message says why)."""


@dataclass(slots=True, kw_only=True)
class AnswerToGrade:
    """A learner's latest answer to a question with a rubric, and its grades."""

    learner: LearnerRef
    """Whose answer it is."""
    answer: Event
    """The ``answered`` event (its ``data`` holds the response as given)."""
    grade: RubricGrade | None = None
    """The current grade of this answer (``None``: not graded yet)."""
    earlier: list[RubricGrade] = field(default_factory=list)
    """Every grade of the learner's answers to this question before the current one, oldest
    first (regraded versions, grades of answers since changed)."""
    replies: dict[str, Reply] = field(default_factory=dict)
    """Grade statement id -> the learner's reply to that grade's comment."""

    @property
    def answer_id(self) -> str:
        """The statement id of the answer."""
        return statement_id(self.answer.registration, self.answer.seq)

    @property
    def response(self) -> str:
        """The answer as the learner gave it (text: free responses and code)."""
        data = self.answer.data
        raw = data.get("raw")
        return raw if isinstance(raw, str) else str(data.get("response") or "")

    @property
    def changed_since_graded(self) -> bool:
        """An earlier answer was graded and the learner answered again since."""
        return self.grade is None and any(g.answer != self.answer_id for g in self.earlier)


def answers_to_grade(
    lesson: Lesson, question_id: str, statements: Iterable[Mapping[str, Any]]
) -> list[AnswerToGrade]:
    """Per learner, the latest answer to ``question_id`` and its grades (learners in the
    order their first answer came). Grades are taken from the same statements: give
    statements whose grades you trust (see the module docstring)."""
    items = list(statements)
    grades = GradeIndex.of(items)
    replies = replies_of(items)
    latest: dict[tuple[str, str], Event] = {}
    for event in lesson_events(lesson.id, items):
        if event.kind == "answered" and event.step_id == question_id:
            latest[(event.learner.home_page, event.learner.id)] = event
    out = []
    for event in latest.values():
        answer = statement_id(event.registration, event.seq)
        current = grades.grade_of(answer)
        history = grades.of_question(event.learner.id, question_id)
        out.append(
            AnswerToGrade(
                learner=event.learner,
                answer=event,
                grade=current,
                earlier=[g for g in history if current is None or g.id != current.id],
                replies={
                    g.id: replies[g.id]
                    for g in history
                    if g.id in replies and replies[g.id].learner.id == event.learner.id
                },
            )
        )
    return out


def make_grade(
    lesson: Lesson,
    question_id: str,
    *,
    learner: LearnerRef,
    grader: LearnerRef,
    registration: str,
    answer_seq: int,
    levels: Mapping[str, Any],
    comment: str,
    version: int,
    timestamp: datetime,
) -> RubricGrade:
    """A teacher's grade of one answer: a level per criterion of the question's rubric.

    Raises
    ------
    RubricGradeError
        The question has no rubric, or ``levels`` does not pick one known level for every
        criterion (each reason named).
    """
    question = lesson.step(question_id) if lesson.has_step(question_id) else None
    if not isinstance(question, Question) or question.rubric is None:
        raise RubricGradeError(f"question {question_id!r} of {lesson.id!r} has no rubric")
    rubric = question.rubric
    problems = rubric.problems(levels)
    if problems:
        raise RubricGradeError("; ".join(problems))
    picked = {str(k): str(v) for k, v in levels.items()}
    points = {}
    for criterion in rubric.criteria:
        level = criterion.level(picked[criterion.id])
        assert level is not None  # checked above
        points[criterion.id] = float(level.points)
    return RubricGrade(
        learner=learner,
        grader=grader,
        lesson_id=lesson.id,
        question_id=question_id,
        registration=registration,
        answer_seq=answer_seq,
        version=version,
        timestamp=timestamp,
        levels=picked,
        criterion_points=points,
        points=rubric.points(picked),
        max_points=rubric.max_points,
        credit=rubric.credit(picked),
        comment=comment,
        lesson_version=lesson.version,
    )


def answer_id(answer: CountedAnswer) -> str:
    """The statement id of a counted answer."""
    return statement_id(answer.event.registration, answer.event.seq)


def counted_grades(
    key: Lesson,
    chosen: set[Account],
    answers: Sequence[CountedAnswer],
    grades: Iterable[Mapping[str, Any]] | None,
) -> dict[str, RubricGrade]:
    """Question id -> the trusted grade that counts: that of the latest graded answer."""
    if grades is None:
        return {}
    index = GradeIndex.of(grades)
    found: dict[str, RubricGrade] = {}
    for answer in answers:  # in session order: a later graded answer wins
        grade = index.grade_of(answer_id(answer))
        if grade is None or (grade.learner.home_page, grade.learner.id) not in chosen:
            continue
        if grade.lesson_id == key.id and grade.question_id == answer.event.step_id:
            found[grade.question_id] = grade
    return found


def with_rubric(question: Question, grade: QuestionGrade) -> None:
    """A rubric question's score: the check's share by the check, the rest by the grade."""
    if grade.impossible or grade.max_points <= 0:
        grade.score = 0.0
        return
    checked = question.checked_points * grade.score
    given = grade.rubric.points if grade.rubric is not None else 0.0
    grade.score = min(1.0, max(0.0, (checked + given) / grade.max_points))
