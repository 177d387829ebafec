"""What a learner works towards — teacher assignments, their own goals, the course's
milestones — and how far along they are, with flags for those falling behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..i18n import Translator, translator
from .model import Course
from .record import Goal, LearnerRecord

__all__ = [
    "AT_RISK_DAYS",
    "MilestoneProgress",
    "Target",
    "day",
    "milestone_progress",
    "target_status",
    "targets",
]

AT_RISK_DAYS = 7
"""A target due within this many days with competencies still to master is *at risk*."""
_ENGLISH = translator()


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A set of competencies to master, from an assignment, a goal or a milestone."""

    kind: str
    """``assignment``, ``goal`` or ``milestone``."""
    id: str
    """The goal's or milestone's id."""
    label: str
    """In words: ``the milestone 'Lists and loops' (due 2027-02-12)``."""
    competencies: tuple[str, ...]
    """The competencies to master."""
    closure: tuple[str, ...]
    """The same with every prerequisite, in teaching order."""
    due: date | None = None
    """Target date, if any."""

    def reached(self, mastered: frozenset[str]) -> bool:
        """Whether every competency is mastered."""
        return all(c in mastered for c in self.competencies)


def day(value: date, t: Translator | None = None) -> str:
    """A date as ``t``'s language writes it; ISO 8601 without a translator (reports, CLI)."""
    return t.date(value) if t is not None else value.isoformat()


def _what(course: Course, target: str, target_id: str, t: Translator) -> str:
    if target == "milestone":
        return t.gettext("the milestone '{title}'").format(title=course.milestone(target_id).label)
    if target == "lesson":
        return t.gettext("the lesson '{title}'").format(title=course.lesson(target_id).label)
    return course.competency(target_id).label


def _target(course: Course, kind: str, goal: Goal, t: Translator | None) -> Target:
    tr = t or _ENGLISH
    comps = goal.competencies(course)
    what = _what(course, goal.target, goal.target_id, tr)
    if kind == "goal":
        label = tr.gettext("your goal: {what}").format(what=what)
    else:
        label = tr.gettext("an assignment: {what}").format(what=what)
    return Target(
        kind=kind,
        id=goal.id,
        label=label + _due(goal.due, t),
        competencies=comps,
        closure=_closure(course, comps),
        due=goal.due,
    )


def _due(due: date | None, t: Translator | None) -> str:
    if due is None:
        return ""
    return " " + (t or _ENGLISH).gettext("(due {date})").format(date=day(due, t))


def _closure(course: Course, comps: tuple[str, ...]) -> tuple[str, ...]:
    needed = set(comps)
    for cid in comps:
        needed.update(course.prerequisites(cid))
    return tuple(c for c in course.order if c in needed)


def _by_date(goal: Goal) -> tuple[int, date, object]:
    return (goal.due is None, goal.due or date.max, goal.set_at)


def targets(
    course: Course, record: LearnerRecord, *, t: Translator | None = None
) -> tuple[Target, ...]:
    """What the learner works towards, in the order the plan serves them: assignments, then
    their own goals (each by date, undated last), then the course's milestones by date.
    Labels are in ``t``'s language (English and ISO dates by default)."""
    assignments = sorted(record.assignments, key=_by_date)
    found = [_target(course, "assignment", g, t) for g in assignments]
    found += [_target(course, "goal", g, t) for g in sorted(record.goals, key=_by_date)]
    milestones = sorted(course.milestones, key=lambda m: (m.due is None, m.due or date.max))
    for m in milestones:
        found.append(
            Target(
                kind="milestone",
                id=m.id,
                label=_what(course, "milestone", m.id, t or _ENGLISH) + _due(m.due, t),
                competencies=m.competencies,
                closure=_closure(course, m.competencies),
                due=m.due,
            )
        )
    return tuple(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneProgress:
    """How far a learner is towards one milestone."""

    id: str
    """The milestone id."""
    title: str
    """Its title."""
    competencies: tuple[str, ...]
    """Its competencies."""
    mastered: tuple[str, ...]
    """Those mastered now."""
    due: date | None
    """Its date, if any."""
    status: str
    """``reached``; ``overdue`` (its date passed); ``at-risk`` (due within
    :data:`AT_RISK_DAYS`); ``on-track`` (a later date); ``open`` (no date)."""
    days_left: int | None = None
    """Days until its date (negative once passed)."""

    @property
    def behind(self) -> bool:
        """Overdue or at risk: a flag for the teacher."""
        return self.status in ("overdue", "at-risk")


def _status(reached: bool, days: int | None) -> str:
    if reached:
        return "reached"
    if days is None:
        return "open"
    if days < 0:
        return "overdue"
    return "at-risk" if days <= AT_RISK_DAYS else "on-track"


def target_status(target: Target, mastered: frozenset[str], today: date) -> str:
    """``reached``, ``overdue``, ``at-risk``, ``on-track`` or ``open`` (no date)."""
    days = (target.due - today).days if target.due else None
    return _status(target.reached(mastered), days)


def milestone_progress(
    course: Course, record: LearnerRecord, today: date
) -> tuple[MilestoneProgress, ...]:
    """Progress towards each milestone of the course, as of ``today``."""
    out = []
    mastered = record.mastered_set
    for m in course.milestones:
        done = tuple(c for c in m.competencies if c in mastered)
        days = (m.due - today).days if m.due else None
        status = _status(len(done) == len(m.competencies), days)
        out.append(
            MilestoneProgress(
                id=m.id,
                title=m.label,
                competencies=m.competencies,
                mastered=done,
                due=m.due,
                status=status,
                days_left=days,
            )
        )
    return tuple(out)
