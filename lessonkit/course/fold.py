"""Folding a learner's evidence into BKT estimates across a course's lessons.

:func:`fold_answer` takes in one answer, :func:`fold_grade` a teacher's rubric grade right
after the answer it grades (the same rule as a lesson session's, :mod:`lessonkit.engine.graded`:
the grade that counts for a question is that of its latest graded answer, and its credit is
evidence of each competency tied to the rubric). Between sessions the estimate decays with
time (the competency's half-life).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..evidence.events import Event, LearnerRef
from ..evidence.grades import GradeIndex, RubricGrade
from ..evidence.statements import statement_id
from ..lesson.model import Settings
from ..policies.mastery import bkt_credit_posterior, bkt_posterior, bkt_update, decayed
from .model import Course
from .statements import CourseEvent

__all__ = [
    "DAY",
    "EvidenceItem",
    "Tracking",
    "counted_answers",
    "fold_answer",
    "fold_grade",
    "fold_judgement",
]

DAY = 86_400.0
"""Seconds in a day (half-lives are in days)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """One answer (or a teacher's grade of one) that counted as evidence for a competency."""

    lesson: str
    """The lesson it was given in."""
    step: str
    """The question (or practice item)."""
    correct: bool
    """As counted: a first attempt after a hint counts as wrong where the lesson says so; a
    rubric grade counts as correct when it gives at least half the credit."""
    timestamp: datetime
    """When it was given."""
    before: float
    """P(known) before (after forgetting since the last evidence)."""
    after: float
    """P(known) after."""


class Tracking:
    """The running state of one competency while the evidence is folded."""

    __slots__ = ("evidence", "last", "mastered_at", "p", "registration")

    def __init__(self, prior: float) -> None:
        self.p = prior
        self.last: datetime | None = None
        self.registration = ""
        self.mastered_at: datetime | None = None
        self.evidence: list[EvidenceItem] = []


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def counted_answers(
    events: Iterable[Event], grades: GradeIndex, learner: LearnerRef
) -> dict[tuple[str, int], RubricGrade]:
    """``(registration, seq)`` of each answer whose grade counts -> that grade: per lesson and
    question, the latest graded answer in session order (``events`` are in that order)."""
    latest: dict[tuple[str, str], tuple[tuple[str, int], RubricGrade]] = {}
    for event in events:
        if event.kind != "answered" or event.step_id is None:
            continue
        grade = grades.grade_of(statement_id(event.registration, event.seq))
        if grade is None or grade.learner.id != learner.id:
            continue
        if grade.learner.home_page != learner.home_page or grade.question_id != event.step_id:
            continue
        latest[(event.lesson_id, event.step_id)] = ((event.registration, event.seq), grade)
    return dict(latest.values())


def fold_answer(
    course: Course, tracking: dict[str, Tracking], event: Event, session_began: datetime
) -> None:
    """Take in one answer (its lesson's settings say whether it counts)."""
    data = event.data
    if data.get("recorded") is True:
        return  # recorded for grading: no verdict (a teacher's grade may come, fold_grade)
    entry = course.lesson(event.lesson_id)
    settings = entry.lesson.settings if entry.lesson is not None else Settings()
    attempt = _int(data.get("attempt"), 1)
    if settings.first_attempt_only and attempt > 1:
        return
    correct = data.get("correct") is True
    if settings.hint_counts_as_wrong and _int(data.get("hints_used"), 0) > 0:
        correct = False
    competencies = data.get("competencies")
    for cid in competencies if isinstance(competencies, list) else ():
        state = tracking.get(cid) if isinstance(cid, str) else None
        if state is None:
            continue
        if state.last is not None and state.registration != event.registration:
            days = (session_began - state.last).total_seconds() / DAY
            state.p = decayed(state.p, days, course.half_life(cid))
        params = course.params(cid)
        before = state.p
        if settings.assessment:  # a test: evidence only, no learning transition
            state.p = bkt_posterior(before, correct, params)
        else:
            state.p = bkt_update(before, correct, params)
        state.last, state.registration = event.timestamp, event.registration
        if state.p >= params.threshold:
            state.mastered_at = event.timestamp
        state.evidence.append(
            EvidenceItem(
                lesson=event.lesson_id,
                step=event.step_id or "",
                correct=correct,
                timestamp=event.timestamp,
                before=before,
                after=state.p,
            )
        )


def fold_grade(
    course: Course,
    tracking: dict[str, Tracking],
    grade: RubricGrade,
    event: Event,
    session_began: datetime,
) -> None:
    """Take in a teacher's rubric grade of the answer ``event`` (always evidence)."""
    entry = course.lesson(event.lesson_id)
    settings = entry.lesson.settings if entry.lesson is not None else Settings()
    for cid, credit in grade.credit.items():
        state = tracking.get(cid)
        if state is None:
            continue
        if state.last is not None and state.registration != event.registration:
            days = (session_began - state.last).total_seconds() / DAY
            state.p = decayed(state.p, days, course.half_life(cid))
        params = course.params(cid)
        before = state.p
        post = bkt_credit_posterior(before, credit, params)
        if not settings.assessment:
            post = post * (1.0 - params.forget) + (1.0 - post) * params.learn
        state.p = post
        state.last, state.registration = event.timestamp, event.registration
        if state.p >= params.threshold:
            state.mastered_at = event.timestamp
        state.evidence.append(
            EvidenceItem(
                lesson=event.lesson_id,
                step=event.step_id or "",
                correct=credit >= 0.5,
                timestamp=event.timestamp,
                before=before,
                after=state.p,
            )
        )


def fold_judgement(course: Course, tracking: dict[str, Tracking], event: CourseEvent) -> None:
    """Take in a teacher's judgement of a competency at its moment: *mastered* raises P(known)
    to halfway between the threshold and 1 at least, *not mastered* lowers it below the
    threshold (to the prior at most). Later answers go on from there, and time decays it as
    any estimate (a judgement of mastery lapses as answers would)."""
    state = tracking.get(event.target_id)
    if state is None or event.mastered is None:
        return
    params = course.params(event.target_id)
    before = state.p
    if state.last is not None:
        days = (event.timestamp - state.last).total_seconds() / DAY
        before = decayed(before, max(0.0, days), course.half_life(event.target_id))
    if event.mastered:
        after = max(before, (1.0 + params.threshold) / 2)  # a margin: forgetting is gradual
        state.mastered_at = event.timestamp
    else:
        after = min(before, params.prior, math.nextafter(params.threshold, 0.0))
    state.p = after
    state.last, state.registration = event.timestamp, f"judged:{event.goal}"
    by = event.by.name or event.by.id if event.by is not None else "a teacher"
    state.evidence.append(
        EvidenceItem(
            lesson=f"course:{event.course}",
            step=f"judged by {by}",
            correct=event.mastered,
            timestamp=event.timestamp,
            before=before,
            after=after,
        )
    )
