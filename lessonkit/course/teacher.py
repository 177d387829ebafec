"""The teacher's side of a course: the class by competency, and who is falling behind.

Both read learner records (:func:`~lessonkit.course.storage.read_records`) and nothing else;
assignments are written with :func:`~lessonkit.course.storage.assign`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..evidence.events import LearnerRef
from .model import Course
from .recommend import recommend
from .record import LearnerRecord
from .targets import target_status

__all__ = ["CompetencyRow", "Flag", "class_by_competency", "flags"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetencyRow:
    """The class on one competency."""

    id: str
    """The competency id."""
    title: str
    """Its title."""
    learners: int
    """Learners in the class (with any evidence in the course)."""
    mastered: int
    """Learners who master it now."""
    in_progress: int
    """Learners with evidence on it who do not master it yet."""
    not_started: int
    """Learners with no evidence on it."""
    mean_probability: float
    """Mean P(known) over the class."""
    struggling: tuple[str, ...]
    """Learners with three or more answers on it and P(known) still under one half."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flag:
    """A learner falling behind a milestone (or a dated goal or assignment)."""

    learner: LearnerRef
    """Who."""
    milestone: str
    """The milestone (or goal) id."""
    title: str
    """Its title."""
    status: str
    """``overdue`` or ``at-risk``."""
    due: date | None
    """Its date."""
    missing: tuple[str, ...]
    """Competencies still to master."""
    next_lesson: str
    """What their plan recommends next (to act on)."""


def class_by_competency(
    course: Course, records: Mapping[LearnerRef, LearnerRecord]
) -> list[CompetencyRow]:
    """One row per competency of the course, in teaching order."""
    rows = []
    for cid in course.order:
        states = [(ref, r.competencies[cid]) for ref, r in records.items()]
        mastered = sum(s.mastered for _, s in states)
        started = sum(bool(s.opportunities) for _, s in states)
        rows.append(
            CompetencyRow(
                id=cid,
                title=course.competency(cid).label,
                learners=len(states),
                mastered=mastered,
                in_progress=sum(bool(s.opportunities) and not s.mastered for _, s in states),
                not_started=len(states) - started,
                mean_probability=(
                    sum(s.probability for _, s in states) / len(states) if states else 0.0
                ),
                struggling=tuple(
                    ref.id
                    for ref, s in states
                    if s.opportunities >= 3 and s.probability < 0.5 and not s.mastered
                ),
            )
        )
    return rows


def flags(
    course: Course, records: Mapping[LearnerRef, LearnerRecord], *, today: date | None = None
) -> list[Flag]:
    """Learners behind a milestone or a dated assignment: overdue, or due within
    :data:`~lessonkit.course.targets.AT_RISK_DAYS` days with competencies to go; most urgent
    first."""
    found = []
    for ref, record in records.items():
        plan = recommend(course, record, today=today)
        upcoming = plan.next.lesson if plan.next else ""
        day = today or record.as_of.date()
        for target in plan.goals:
            status = target_status(target, record.mastered_set, day)
            if target.kind == "assignment" and status in ("overdue", "at-risk"):
                found.append(
                    Flag(
                        learner=ref,
                        milestone=target.id,
                        title=target.label,
                        status=status,
                        due=target.due,
                        missing=tuple(c for c in target.competencies if not record.mastered(c)),
                        next_lesson=upcoming,
                    )
                )
        for progress in plan.milestones:
            if progress.behind:
                found.append(
                    Flag(
                        learner=ref,
                        milestone=progress.id,
                        title=progress.title,
                        status=progress.status,
                        due=progress.due,
                        missing=tuple(
                            c for c in progress.competencies if c not in progress.mastered
                        ),
                        next_lesson=upcoming,
                    )
                )
    return sorted(found, key=lambda f: (f.due or date.max, f.status != "overdue", f.learner.id))
