"""The teacher's side of a course: the class by competency, who is falling behind, and who
has not started.

All read learner records (:func:`~lessonkit.course.storage.read_records`) and nothing else;
assignments are written with :func:`~lessonkit.course.storage.assign`. The evidence knows only
learners who have done something: :func:`with_roster` adds the rest of a class list (an LMS
roster, a file of names) as learners with no evidence yet, so they are counted and listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ..evidence.events import LearnerRef
from .model import Course
from .recommend import recommend
from .record import LearnerRecord, build_record
from .targets import target_status

__all__ = [
    "CompetencyRow",
    "Flag",
    "class_by_competency",
    "flags",
    "not_started",
    "with_roster",
]


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


def with_roster(
    course: Course,
    records: Mapping[LearnerRef, LearnerRecord],
    roster: Iterable[LearnerRef | str],
    *,
    as_of: datetime | None = None,
) -> dict[LearnerRef, LearnerRecord]:
    """``records``, plus a record with no evidence for each learner of ``roster`` (ids or
    references) who has none: the whole class, ordered by learner id."""
    out = dict(records)
    known = {ref.id for ref in records}
    for entry in roster:
        ref = entry if isinstance(entry, LearnerRef) else LearnerRef(id=str(entry))
        if ref.id and ref.id not in known:
            known.add(ref.id)
            out[ref] = build_record(course, [], ref, as_of=as_of)
    return dict(sorted(out.items(), key=lambda kv: (kv[0].id, kv[0].home_page)))


def not_started(records: Mapping[LearnerRef, LearnerRecord]) -> list[LearnerRef]:
    """Learners who have started no lesson of the course, by id."""
    return sorted((ref for ref, r in records.items() if not r.lessons), key=lambda r: r.id)
