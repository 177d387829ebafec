"""What an LMS course can link to, and each learner's grade for it.

A course offers three kinds of item (the ``lessonkit_item`` custom parameter of a link):

``lesson:<id>``
    A lesson. Its maximum score is the lesson's points (:func:`lessonkit.grading.regrade`'s
    ``question_points()``, as ``lessonkit nbgrader grade`` counts them); a lesson without
    points has no grade.
``milestone:<id>``
    A milestone of the course file (``course_file:``). Its lessons are the course's lessons,
    placement checks excepted, that develop one of its competencies; its maximum score is the
    sum of their points, a learner's score the sum of their points in each (each computed as
    for the lesson alone). It is complete when each of its lessons is; the comment names its
    competencies mastered and not yet mastered as the learning plan sees them (mastery
    carried across lessons).
``plan``
    The learning plan: where to go next, not graded.

Every grade is computed from the statements the service stored (answers it checked itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from ..lesson.model import Lesson
from ..lti.scores import Grade
from .config import CourseConfig
from .ledger import Ledger

__all__ = [
    "PLAN",
    "Item",
    "course_items",
    "evidence_time",
    "find_item",
    "grade_of",
    "resource_id",
]

PLAN = "plan"


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """Something an LMS link can open."""

    key: str
    """``lesson:<id>``, ``milestone:<id>`` or ``plan``."""
    title: str
    """Shown in the picker and as the line item's label."""
    points: float | None
    """The maximum score (``None``: not graded)."""
    lessons: tuple[str, ...] = ()
    """The lessons whose evidence makes the grade."""
    competencies: tuple[str, ...] = ()
    """A milestone's competencies."""
    due: datetime | None = None
    """A milestone's date in the course file (the end of that day, UTC)."""

    @property
    def kind(self) -> str:
        """``lesson``, ``milestone`` or ``plan``."""
        return self.key.partition(":")[0]

    @property
    def due_key(self) -> str:
        """Its key in ``lti.courses.<course>.due``: a lesson's id, or ``milestone:<id>``."""
        return self.key.removeprefix("lesson:")


def _points(lesson: Lesson) -> float:
    from ..grading import regrade

    return float(regrade(lesson, []).question_points()[1])


def course_items(course: CourseConfig) -> list[Item]:
    """The course's lessons, then its milestones, then the learning plan."""
    items = []
    for lesson_id, lesson in course.lessons.items():
        points = _points(lesson)
        items.append(
            Item(
                key=f"lesson:{lesson_id}",
                title=lesson.title or lesson_id,
                points=points or None,
                lessons=(lesson_id,),
            )
        )
    plan = course.plan
    for milestone in plan.milestones if plan is not None else ():
        wanted = set(milestone.competencies)
        entries = plan.lessons if plan is not None else ()
        lessons = tuple(
            e.id
            for e in entries
            if e.kind != "placement" and wanted & set(e.develops) and e.id in course.lessons
        )
        total = sum(_points(course.lessons[i]) for i in lessons)
        items.append(
            Item(
                key=f"milestone:{milestone.id}",
                title=milestone.label,
                points=total or None,
                lessons=lessons,
                competencies=milestone.competencies,
                due=datetime.combine(milestone.due, time(23, 59, 59), UTC)
                if milestone.due
                else None,
            )
        )
    return [*items, Item(key=PLAN, title="Learning plan", points=None)]


def resource_id(course: str, key: str) -> str:
    """The line item's ``resourceId`` for an item of a course (how the service finds it)."""
    return f"lessonkit:{course}:{key}"


def find_item(course: CourseConfig, key: str) -> Item | None:
    """The item ``key`` of the course (``None``: it has none)."""
    return next((i for i in course_items(course) if i.key == key), None)


def _titles(course: CourseConfig, lessons: Iterable[str]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for lesson_id in lessons:
        for c in course.lessons[lesson_id].competencies:
            titles.setdefault(c.id, c.title or c.id)
    if course.plan is not None:
        titles.update({c.id: c.label for c in course.plan.competencies})
    return titles


def grade_of(
    ledger: Ledger, course: CourseConfig, item: Item, learner: str, evidence_time: str
) -> Grade:
    """The learner's grade for a graded ``item`` (see the module doc)."""
    from ..grading import regrade

    given = maximum = 0.0
    completed, started = True, False
    mastered: list[str] = []
    missing: list[str] = []
    titles = _titles(course, item.lessons)
    for lesson_id in item.lessons:
        report = regrade(course.lessons[lesson_id], ledger.read(learner=learner, lesson=lesson_id))
        earned, available = report.question_points()
        given, maximum = given + earned, maximum + available
        completed = completed and report.completed
        started = started or report.sessions > 0
        if item.kind == "lesson":
            for c in report.competencies.values():
                (mastered if c.mastered else missing).append(titles.get(c.id, c.id))
    if item.kind == "milestone" and course.plan is not None:
        from ..course.storage import read_record

        record = read_record(course.plan, ledger, learner, as_of=datetime.now(UTC))
        for cid in item.competencies:
            (mastered if record.mastered(cid) else missing).append(titles.get(cid, cid))
    return Grade(
        given=given,
        maximum=maximum,
        completed=completed and bool(item.lessons),
        started=started,
        mastered=mastered,
        missing=missing,
        evidence_time=evidence_time,
        unit=item.kind,
    )


def evidence_time(times: dict[str, dict[str, str]], item: Item, learner: str) -> str:
    """The latest server time of the learner's evidence in the item's lessons (``times``:
    lesson -> learner -> time, from :meth:`Ledger.last_activity`)."""
    found = [times.get(i, {}).get(learner, "") for i in item.lessons]
    return max(found, default="")
