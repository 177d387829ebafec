"""The learning plan: what a learner should do next in a course, and why (a pure function).

:func:`recommend` reads a course and a learner's record and ranks the lessons:

1. **Placement first.** A learner with no evidence yet starts with the course's placement check,
   so nothing they already master is taught again — unless the course makes the check
   ``optional``: then it is offered, and a newcomer starts with the first lesson.
2. **Only what is ready.** A lesson is *ready* when every competency it requires — its own
   ``requires`` and the prerequisites of what it develops — is mastered now (forgetting
   included). Lessons whose prerequisites are not met are listed as *locked*, with what they
   need and where to learn it; they are never hidden.
3. **Close gaps, in goal order.** Among ready lessons with something left to master, those
   assigned by a teacher come first, then those serving the learner's own goals (earliest
   date first), then the course's milestones (earliest first), then the rest of the course;
   within one goal, prerequisites before what builds on them (the graph's teaching order).
4. **Teach, then practise, then review.** For a competency never taught, the teaching lesson
   comes before a practice lesson; once a teaching lesson was completed and the competency is
   still not mastered, a practice lesson comes before going through the lesson again; a
   competency mastered once and fallen below the threshold since is a *review*, again with a
   practice lesson first.
5. **Challenge those ahead.** When every goal and milestone is reached, what remains of the
   course is offered as the next challenge; when nothing remains, the plan says so.

Each item carries its reason in words, e.g. "You have mastered lists and for loops, which
accumulating in a loop requires." — in the learner's language when given a translator
(``t``; dates then as the learner's locale writes them), else in English with ISO dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..i18n import Translator, translator
from .model import Course, CourseLesson
from .record import Goal, LearnerRecord
from .targets import MilestoneProgress, Target, day, milestone_progress, targets

_ENGLISH = translator()

__all__ = ["Plan", "PlanItem", "recommend", "words"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanItem:
    """One lesson of the course as the plan sees it."""

    lesson: str
    """The lesson id."""
    title: str
    """Its title."""
    kind: str
    """``placement``, ``lesson`` (teaching), ``practice`` (practice, or a taught lesson again)
    or ``review`` (a competency mastered once, below the threshold now)."""
    status: str
    """``next`` (the recommendation), ``ready``, ``locked`` (prerequisites not met) or ``done``."""
    reason: str
    """Why, in words."""
    competencies: tuple[str, ...] = ()
    """What it would work on: its competencies not yet mastered."""
    missing: tuple[str, ...] = ()
    """Prerequisites not yet mastered (locked lessons)."""
    goal: str = ""
    """The goal or milestone it serves, if any."""
    assigned_by: str = ""
    """The teacher who assigned it, if any."""
    notebook: str = ""
    """Its launcher notebook (relative to the course file), if any."""


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A learner's plan: every lesson with its status, best first, and milestone progress."""

    course: str
    """The course id."""
    items: tuple[PlanItem, ...]
    """The recommendation, the other ready lessons (best first), locked ones, done ones."""
    milestones: tuple[MilestoneProgress, ...]
    """Progress towards each milestone."""
    goals: tuple[Target, ...]
    """The targets the plan works towards, in order (assignments, own goals, milestones)."""

    @property
    def next(self) -> PlanItem | None:
        """The recommended next lesson, if any."""
        return next((i for i in self.items if i.status == "next"), None)

    def item(self, lesson_id: str) -> PlanItem:
        """The plan item of a lesson; ``KeyError`` if there is none."""
        for item in self.items:
            if item.lesson == lesson_id:
                return item
        raise KeyError(lesson_id)


def words(course: Course, ids: tuple[str, ...] | list[str], t: Translator | None = None) -> str:
    """Competency titles joined as a phrase: ``lists, for loops and while loops``."""
    labels = [course.competency(c).label if course.has_competency(c) else c for c in ids]
    return (t or _ENGLISH).join(labels)


def recommend(
    course: Course,
    record: LearnerRecord,
    *,
    today: date | None = None,
    t: Translator | None = None,
) -> Plan:
    """The learner's plan (see the module docstring for the policy); reasons in ``t``'s
    language (English and ISO dates by default)."""
    today = today or record.as_of.date()
    goals = targets(course, record, t=t)
    mastered = record.mastered_set
    items: list[tuple[tuple[int, ...], PlanItem]] = []
    placement = _placement(course, record, t)
    if placement is not None:
        items.append(((0,) if placement.status == "next" else (9,), placement))
    for position, entry in enumerate(course.lessons):
        if entry.kind == "placement":
            continue
        item, key = _lesson(course, record, entry, goals, mastered, t=t)
        items.append(((*key, position), item))
    ranked = [item for _, item in sorted(items, key=lambda pair: pair[0])]
    ready = [i for i in ranked if i.status == "ready"]
    if ready and not any(i.status == "next" for i in ranked):
        first = ready[0]
        ranked[ranked.index(first)] = _with(first, status="next")
    order = {"next": 0, "ready": 1, "locked": 2, "done": 3}
    ranked.sort(key=lambda i: order[i.status])
    return Plan(
        course=course.id,
        items=tuple(ranked),
        milestones=milestone_progress(course, record, today),
        goals=goals,
    )


def _with(item: PlanItem, *, status: str) -> PlanItem:
    from dataclasses import replace

    return replace(item, status=status)


def _item(entry: CourseLesson, *, kind: str, status: str, reason: str, **more: Any) -> PlanItem:
    return PlanItem(
        lesson=entry.id,
        title=entry.label,
        kind=kind,
        status=status,
        reason=reason,
        notebook=entry.notebook,
        **more,
    )


def _placement(course: Course, record: LearnerRecord, t: Translator | None) -> PlanItem | None:
    entry = course.placement
    if entry is None:
        return None
    _ = (t or _ENGLISH).gettext
    progress = record.lessons.get(entry.id)
    if progress is not None and progress.completed:
        if progress.last_activity:
            when = day(progress.last_activity.date(), t)
            reason = _("You took the placement check on {date}.").format(date=when)
        else:
            reason = _("You took the placement check.")
        return _item(entry, kind="placement", status="done", reason=reason)
    others = [lid for lid in record.lessons if lid != entry.id]
    if others or (record.has_evidence and progress is None) or entry.optional:
        reason = _("Optional: a short check that marks what you already master.")
        return _item(entry, kind="placement", status="ready", reason=reason)
    if progress is not None:
        reason = _(
            "Finish the placement check: what you already master is skipped, and gaps lead to "
            "the lessons that close them."
        )
    else:
        reason = _(
            "Start with the placement check: what you already master is skipped, and gaps "
            "lead to the lessons that close them."
        )
    return _item(entry, kind="placement", status="next", reason=reason)


def _taught(course: Course, record: LearnerRecord, cid: str) -> bool:
    return any(record.completed(e.id) for e in course.developed_by(cid) if e.kind == "lesson")


def _lesson(
    course: Course,
    record: LearnerRecord,
    entry: CourseLesson,
    goals: tuple[Target, ...],
    mastered: frozenset[str],
    *,
    t: Translator | None,
) -> tuple[PlanItem, tuple[int, ...]]:
    _ = (t or _ENGLISH).gettext
    gaps = tuple(c for c in entry.develops if c not in mastered)
    missing = tuple(c for c in course.requirements(entry.id) if c not in mastered)
    assignment = _assignment(record.assignments, entry)
    teacher = assignment.by.name or assignment.by.id if assignment and assignment.by else ""
    if not gaps and (assignment is None or record.completed(entry.id)):
        mastered_all = _("You have mastered {skills}.")
        reason = (
            mastered_all.format(skills=words(course, entry.develops, t)) if entry.develops else ""
        )
        return _item(entry, kind=entry.kind, status="done", reason=reason), (8,)
    if missing:
        where = _where(course, missing[0])
        needs = words(course, missing, t)
        if where:
            reason = _("Needs {skills} first (not yet mastered): start with {lesson}.").format(
                skills=needs, lesson=where
            )
        else:
            reason = _("Needs {skills} first (not yet mastered).").format(skills=needs)
        item = _item(
            entry,
            kind=entry.kind,
            status="locked",
            reason=reason,
            competencies=gaps,
            missing=missing,
            assigned_by=teacher,
        )
        return item, (7,)
    work = gaps or entry.develops
    kind, preference = _kind(course, record, entry, work)
    rank = min((i for i, t in enumerate(goals) if set(work) & set(t.closure)), default=len(goals))
    goal = goals[rank] if rank < len(goals) else None
    reason = _reason(course, record, entry, work, kind, t=t)
    if assignment is not None:
        if assignment.note:
            by = _("Assigned by {teacher} ({note}).").format(teacher=teacher, note=assignment.note)
        else:
            by = _("Assigned by {teacher}.").format(teacher=teacher)
        reason = f"{by} {reason}"
    elif goal is not None and not goal.reached(mastered):
        reason += " " + _("It works towards {goal}.").format(goal=goal.label)
    elif goals and all(target.reached(mastered) for target in goals):
        reason += " " + _("You have reached every goal and milestone: this is a next challenge.")
    first = min(course.order.index(c) for c in work)
    key = (1 if assignment is not None else 2, rank, first, preference)
    item = _item(
        entry,
        kind=kind,
        status="ready",
        reason=reason,
        competencies=work,
        goal=goal.label if goal else "",
        assigned_by=teacher,
    )
    return item, key


def _assignment(assignments: tuple[Goal, ...], entry: CourseLesson) -> Goal | None:
    return next((a for a in assignments if a.target == "lesson" and a.target_id == entry.id), None)


def _where(course: Course, cid: str) -> str:
    teaching = [e for e in course.developed_by(cid) if e.kind == "lesson"]
    return teaching[0].label if teaching else ""


def _kind(
    course: Course, record: LearnerRecord, entry: CourseLesson, work: tuple[str, ...]
) -> tuple[str, int]:
    """The item's kind and a preference among lessons for the same gap (lower first)."""
    if all(record.competencies[c].lapsed for c in work):
        # A review is practice: a practice lesson before going through a teaching lesson again.
        return "review", 0 if entry.kind == "practice" else 1
    taught = all(_taught(course, record, c) for c in work)
    if entry.kind == "practice":
        return "practice", 0 if taught else 2
    if record.completed(entry.id):
        return "practice", 1  # going through a taught lesson again
    return "lesson", 0


def _reason(
    course: Course,
    record: LearnerRecord,
    entry: CourseLesson,
    work: tuple[str, ...],
    kind: str,
    *,
    t: Translator | None,
) -> str:
    tr = t or _ENGLISH
    _ = tr.gettext
    if kind == "review":
        cid = work[0]
        comp = record.competencies[cid]
        when = day(comp.mastered_at.date(), t) if comp.mastered_at else ""
        return _(
            "You mastered {skill} on {date}, but your estimate is now {percent}: a review keeps it."
        ).format(skill=words(course, [cid], t), date=when, percent=tr.percent(comp.probability))
    if kind == "practice":
        weakest = min(work, key=record.probability)
        comp = record.competencies[weakest]
        if not _taught(course, record, weakest):
            where = _where(course, weakest)
            skills = words(course, work, t)
            if where:
                return _("Practice of {skills}; best after {lesson}.").format(
                    skills=skills, lesson=where
                )
            return _("Practice of {skills}.").format(skills=skills)
        return _upper(
            _("{skill} is at {percent} (mastery at {threshold}): practise until it sticks.").format(
                skill=words(course, [weakest], t),
                percent=tr.percent(comp.probability),
                threshold=tr.percent(comp.threshold),
            )
        )
    direct = [*entry.requires, *(r for c in work for r in _direct(course, c))]
    needed = [c for c in dict.fromkeys(direct) if c not in work]  # mastered: the lesson is ready
    if needed:
        # Name what builds on the prerequisites: all of it if the lesson itself requires them,
        # else the competencies that require one of them directly.
        users = (
            work
            if entry.requires
            else tuple(c for c in work if set(_direct(course, c)) & set(needed))
        )
        return tr.ngettext(
            "You have mastered {needed}, which {skills} requires.",
            "You have mastered {needed}, which {skills} require.",
            len(users),
        ).format(needed=words(course, needed, t), skills=words(course, users, t))
    return _("Nothing is needed before {skills}.").format(skills=words(course, work, t))


def _direct(course: Course, cid: str) -> tuple[str, ...]:
    return course.competency(cid).requires


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]
