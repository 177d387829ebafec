"""Reading learner records from a store, and writing goals and assignments to it.

Only a store's ``read`` and ``append`` are used, so every store works: JSON-lines files, SQLite,
PostgreSQL, memory, or one registered by another package. The course's own statements are read
under the lesson key ``course:<id>``; a lesson's under its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ..evidence.events import LearnerRef
from .model import Course
from .record import LearnerRecord, build_record
from .statements import TARGETS, CourseEvent, new_goal_id, to_statement

__all__ = [
    "MAX_NOTE",
    "assign",
    "assignment_events",
    "course_statements",
    "extension_event",
    "judgement_event",
    "note_event",
    "read_record",
    "read_records",
    "remove_goal",
    "set_goal",
    "unassign",
]

Learner = LearnerRef | str


def course_statements(course: Course, store: Any, learner: Learner | None) -> Iterator[Any]:
    """The statements a course's records are built from: every lesson's and the course's own,
    of one learner (``None``: of everyone)."""
    for key in (*(e.id for e in course.lessons), course.key):
        yield from store.read(learner=learner, lesson=key)


def _actor(statement: Mapping[str, Any]) -> LearnerRef | None:
    try:
        account = statement["actor"]["account"]
        return LearnerRef(id=str(account["name"]), home_page=str(account["homePage"]))
    except (KeyError, TypeError):
        return None


def read_record(
    course: Course, store: Any, learner: Learner, *, as_of: datetime | None = None
) -> LearnerRecord:
    """One learner's record from ``store``. A learner given by id alone matches that account
    name on any home page (the one found in the evidence is used)."""
    statements = list(course_statements(course, store, learner))
    ref = learner if isinstance(learner, LearnerRef) else None
    if ref is None:
        found = next((a for s in statements if (a := _actor(s)) is not None), None)
        ref = found or LearnerRef(id=str(learner))
    return build_record(course, statements, ref, as_of=as_of)


def read_records(
    course: Course, store: Any, *, as_of: datetime | None = None
) -> dict[LearnerRef, LearnerRecord]:
    """Every learner's record (learners with any statement in the course), by learner."""
    by_learner: dict[LearnerRef, list[Any]] = {}
    for statement in course_statements(course, store, None):
        actor = _actor(statement)
        if actor is not None:
            by_learner.setdefault(actor, []).append(statement)
    moment = as_of or datetime.now(UTC)
    ordered = sorted(by_learner.items(), key=lambda kv: (kv[0].id, kv[0].home_page))
    return {ref: build_record(course, found, ref, as_of=moment) for ref, found in ordered}


def check_target(course: Course, target: str, target_id: str, *, lesson_ok: bool) -> None:
    """Raise ``ValueError`` unless ``target`` / ``target_id`` is a milestone or competency of
    ``course`` (or, when ``lesson_ok``, one of its lessons: teachers assign lessons)."""
    allowed = TARGETS if lesson_ok else TARGETS[:2]
    if target not in allowed:
        raise ValueError(f"a goal points at one of {', '.join(allowed)}, not {target!r}")
    exists = {
        "milestone": lambda: any(m.id == target_id for m in course.milestones),
        "competency": lambda: course.has_competency(target_id),
        "lesson": lambda: course.has_lesson(target_id),
    }[target]()
    if not exists:
        raise ValueError(f"course {course.id!r} has no {target} {target_id!r}")


def _now(clock: Any) -> datetime:
    moment: datetime = clock() if clock is not None else datetime.now(UTC)
    return moment


def set_goal(
    store: Any,
    course: Course,
    learner: LearnerRef,
    target: str,
    target_id: str,
    *,
    due: date | None = None,
    clock: Any = None,
) -> CourseEvent:
    """Record a goal the learner sets (a milestone or a competency, with an optional date).

    Raises
    ------
    ValueError
        If the target is not a milestone or competency of the course.
    """
    check_target(course, target, target_id, lesson_ok=False)
    moment = _now(clock)
    event = CourseEvent(
        kind="goal-set",
        course=course.id,
        learner=learner,
        timestamp=moment,
        goal=new_goal_id(course.id, learner, f"{target}/{target_id}", moment),
        target=target,
        target_id=target_id,
        due=due,
    )
    store.append([to_statement(event)])
    return event


def remove_goal(
    store: Any, course: Course, learner: LearnerRef, goal_id: str, *, clock: Any = None
) -> CourseEvent:
    """Record that the learner dropped one of their goals."""
    event = CourseEvent(
        kind="goal-removed", course=course.id, learner=learner, timestamp=_now(clock), goal=goal_id
    )
    store.append([to_statement(event)])
    return event


def assign(
    store: Any,
    course: Course,
    learners: Iterable[LearnerRef],
    target: str,
    target_id: str,
    *,
    teacher: LearnerRef,
    due: date | None = None,
    note: str = "",
    clock: Any = None,
) -> list[CourseEvent]:
    """Record a teacher's assignment (a milestone, competency or lesson) to each learner of a
    group; returns the events written (one per learner, each with its own goal id).

    Raises
    ------
    ValueError
        If the target does not exist in the course.
    """
    events = assignment_events(
        course, learners, target, target_id, teacher=teacher, due=due, note=note, clock=clock
    )
    store.append_many([to_statement(e) for e in events])
    return events


def assignment_events(
    course: Course,
    learners: Iterable[LearnerRef],
    target: str,
    target_id: str,
    *,
    teacher: LearnerRef,
    due: date | None = None,
    note: str = "",
    clock: Any = None,
) -> list[CourseEvent]:
    """The events of a teacher's assignment to each learner, not yet written (see
    :func:`assign`; ``ValueError`` for a target the course does not have)."""
    check_target(course, target, target_id, lesson_ok=True)
    moment = _now(clock)
    return [
        CourseEvent(
            kind="assigned",
            course=course.id,
            learner=learner,
            timestamp=moment,
            goal=new_goal_id(course.id, learner, f"{target}/{target_id}", moment),
            target=target,
            target_id=target_id,
            due=due,
            by=teacher,
            note=note,
        )
        for learner in learners
    ]


def unassign(
    store: Any,
    course: Course,
    learner: LearnerRef,
    goal_id: str,
    *,
    teacher: LearnerRef,
    clock: Any = None,
) -> CourseEvent:
    """Record that a teacher withdrew an assignment."""
    event = CourseEvent(
        kind="unassigned",
        course=course.id,
        learner=learner,
        timestamp=_now(clock),
        goal=goal_id,
        by=teacher,
    )
    store.append([to_statement(event)])
    return event


MAX_NOTE = 2000
"""Characters a teacher's note or reason may take."""


def _text(text: Any, what: str) -> str:
    cleaned = str(text).replace("\r\n", "\n").strip() if isinstance(text, str) else ""
    if not cleaned:
        raise ValueError(f"write {what} first")
    if len(cleaned) > MAX_NOTE:
        raise ValueError(f"{what} is at most {MAX_NOTE:,} characters")
    return cleaned


def judgement_event(
    course: Course,
    learner: LearnerRef,
    competency: str,
    *,
    mastered: bool,
    reason: str,
    teacher: LearnerRef,
    clock: Any = None,
) -> CourseEvent:
    """A teacher's judgement that ``learner`` has (or has not) mastered ``competency``, with
    the reason the learner will read (see :func:`lessonkit.course.fold.fold_judgement`).

    Raises
    ------
    ValueError
        An unknown competency, or a reason empty or over :data:`MAX_NOTE` characters.
    """
    check_target(course, "competency", competency, lesson_ok=False)
    moment = _now(clock)
    return CourseEvent(
        kind="judged",
        course=course.id,
        learner=learner,
        timestamp=moment,
        goal=new_goal_id(course.id, learner, f"judged/{competency}", moment),
        target="competency",
        target_id=competency,
        by=teacher,
        note=_text(reason, "a reason"),
        mastered=bool(mastered),
    )


def note_event(
    course: Course, learner: LearnerRef, note: str, *, teacher: LearnerRef, clock: Any = None
) -> CourseEvent:
    """A teacher's note to ``learner``, shown in their plan (``ValueError``: empty or long)."""
    moment = _now(clock)
    return CourseEvent(
        kind="noted",
        course=course.id,
        learner=learner,
        timestamp=moment,
        goal=new_goal_id(course.id, learner, "note", moment),
        by=teacher,
        note=_text(note, "a note"),
    )


def extension_event(
    course: Course,
    learner: LearnerRef,
    goal_id: str,
    due: date,
    *,
    teacher: LearnerRef,
    note: str = "",
    clock: Any = None,
) -> CourseEvent:
    """A teacher's extension of one of ``learner``'s assignments (``goal_id``) to ``due``
    (check that the assignment is theirs: the record ignores any other)."""
    if len(note) > MAX_NOTE:
        raise ValueError(f"a note is at most {MAX_NOTE:,} characters")
    return CourseEvent(
        kind="extended",
        course=course.id,
        learner=learner,
        timestamp=_now(clock),
        goal=goal_id,
        due=due,
        by=teacher,
        note=note.strip(),
    )
