"""Goals and teacher assignments as xAPI statements, kept in the same store as lesson evidence.

A learner's record is rebuilt from evidence alone, so the goals a learner sets and the goals or
lessons a teacher assigns are statements too. Each is about the learner (the ``actor``), so a
store or an LRS filtered by the learner finds it; an assignment names the teacher in
``context.instructor``. They are stored under the lesson key ``course:<course id>`` (from the
``…/ext/event`` extension), apart from any lesson's statements, and each has its own
registration, so a teacher's process and a learner's never write to the same file.

=================  ============================================  ===========================
kind               verb                                          object
=================  ============================================  ===========================
``goal-set``       ``https://lessonkit.org/xapi/verbs/set-goal``  the milestone or competency
``goal-removed``   ``…/verbs/removed-goal``                       the same
``assigned``       ``…/verbs/was-assigned`` (+ ``instructor``)    milestone, competency, lesson
``unassigned``     ``…/verbs/was-unassigned`` (+ ``instructor``)  the same
``judged``         ``…/verbs/was-judged`` (+ ``instructor``)      the competency
``noted``          ``…/verbs/was-sent-note`` (+ ``instructor``)   the course
``extended``       ``…/verbs/was-granted-extension`` (+ ``i.``)   the assignment (its goal)
=================  ============================================  ===========================

A ``judged`` statement is a teacher's judgement that the learner has (``result.success``) or
has not mastered a competency, with the reason (``data.note``): the learner's record takes it
in at its moment (see :mod:`.fold`). A ``noted`` statement is a teacher's note to the learner,
shown in their plan. An ``extended`` statement moves the due date of one of the learner's
assignments (``data.goal``) to ``data.due``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..evidence.events import LearnerRef
from ..evidence.statements import (
    ACTIVITY_TYPES,
    DEFAULT_BASE_IRI,
    EXT,
    XAPI_VERSION,
    format_timestamp,
    parse_timestamp,
    statement_id,
)

__all__ = [
    "COURSE_KINDS",
    "COURSE_VERBS",
    "TARGETS",
    "CourseEvent",
    "course_event",
    "new_goal_id",
    "to_statement",
]

_VERBS = "https://lessonkit.org/xapi/verbs/"
COURSE_VERBS = {
    "goal-set": _VERBS + "set-goal",
    "goal-removed": _VERBS + "removed-goal",
    "assigned": _VERBS + "was-assigned",
    "unassigned": _VERBS + "was-unassigned",
    "judged": _VERBS + "was-judged",
    "noted": _VERBS + "was-sent-note",
    "extended": _VERBS + "was-granted-extension",
}
"""Verb IRI per course event kind (lessonkit's own: no ADL verb says "set a goal")."""
COURSE_KINDS = frozenset(COURSE_VERBS)
"""Every course event kind."""
TARGETS = ("milestone", "competency", "lesson")
"""What a goal or an assignment can point at (learners set goals on the first two)."""

_NS = uuid.UUID("0e7cf3e4-7a57-4a0e-8d3c-1f0b7f2a9c55")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseEvent:
    """A goal set or removed by the learner, or an assignment made or withdrawn by a teacher."""

    kind: str
    """One of :data:`COURSE_KINDS`."""
    course: str
    """The course id."""
    learner: LearnerRef
    """Whose goal or assignment it is."""
    timestamp: datetime
    """When it was made (timezone-aware)."""
    goal: str
    """Id of the goal or assignment (removing one names it)."""
    target: str = ""
    """``milestone``, ``competency`` or ``lesson``; empty on removals."""
    target_id: str = ""
    """The milestone, competency or lesson id."""
    due: date | None = None
    """Target date, if any."""
    by: LearnerRef | None = None
    """The teacher (assignments); ``None`` when the learner acted."""
    note: str = ""
    """The teacher's note to the learner, if any (a judgement's reason)."""
    mastered: bool | None = None
    """A judgement: mastered (``True``) or not (``False``); ``None`` for other kinds."""


def new_goal_id(course: str, learner: LearnerRef, target: str, moment: datetime) -> str:
    """A short id for a new goal or assignment (unique per learner, target and moment)."""
    key = f"{course}|{learner.home_page}|{learner.id}|{target}|{format_timestamp(moment)}"
    return uuid.uuid5(_NS, key).hex[:12]


def _agent(ref: LearnerRef) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": ref.home_page, "name": ref.id},
    }
    if ref.name:
        agent["name"] = ref.name
    return agent


def _object(event: CourseEvent, base: str) -> dict[str, Any]:
    course_iri = f"{base}/courses/{event.course}"
    if event.target == "lesson":
        iri, kind = f"{base}/lessons/{event.target_id}", ACTIVITY_TYPES["lesson"]
    elif event.kind == "noted":
        iri, kind = course_iri, "http://adlnet.gov/expapi/activities/course"
    elif event.target in ("milestone", "competency"):
        plural = "milestones" if event.target == "milestone" else "competencies"
        iri, kind = f"{course_iri}/{plural}/{event.target_id}", ACTIVITY_TYPES["objective"]
    else:  # a removal names the goal itself
        iri, kind = f"{course_iri}/goals/{event.goal}", ACTIVITY_TYPES["objective"]
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind}}


def to_statement(event: CourseEvent, *, base_iri: str = DEFAULT_BASE_IRI) -> dict[str, Any]:
    """The xAPI statement recording ``event`` (deterministic id: a retry is the same one)."""
    base = base_iri.rstrip("/")
    stamp = format_timestamp(event.timestamp)
    registration = str(
        uuid.uuid5(_NS, f"{event.course}|{event.learner.id}|{event.kind}|{event.goal}|{stamp}")
    )
    data: dict[str, Any] = {"goal": event.goal}
    if event.target:
        data.update(target=event.target, target_id=event.target_id)
    if event.due is not None:
        data["due"] = event.due.isoformat()
    if event.note:
        data["note"] = event.note
    if event.mastered is not None:
        data["mastered"] = event.mastered
    ext: dict[str, Any] = {
        EXT + "seq": 0,
        EXT + "event": {
            "kind": event.kind,
            "lesson": f"course:{event.course}",
            "step": None,
            "data": data,
        },
        EXT + "course": event.course,
        EXT + "goal": event.goal,
    }
    if event.due is not None:
        ext[EXT + "due"] = event.due.isoformat()
    context: dict[str, Any] = {
        "registration": registration,
        "platform": "lessonkit",
        "contextActivities": {
            "parent": [{"objectType": "Activity", "id": f"{base}/courses/{event.course}"}]
        },
        "extensions": ext,
    }
    if event.by is not None:
        context["instructor"] = _agent(event.by)
    verb = COURSE_VERBS[event.kind]
    result = {"result": {"success": event.mastered}} if event.mastered is not None else {}
    return {
        **result,
        "id": statement_id(registration, 0),
        "actor": _agent(event.learner),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1].replace("-", " ")}},
        "object": _object(event, base),
        "context": context,
        "timestamp": stamp,
        "version": XAPI_VERSION,
    }


def _ref(agent: Any) -> LearnerRef | None:
    if not isinstance(agent, Mapping) or not isinstance(agent.get("account"), Mapping):
        return None
    account = agent["account"]
    name, home = account.get("name"), account.get("homePage")
    if not isinstance(name, str) or not isinstance(home, str) or not name:
        return None
    display = agent.get("name")
    return LearnerRef(id=name, home_page=home, name=display if isinstance(display, str) else "")


def course_event(statement: Mapping[str, Any]) -> CourseEvent | None:
    """The course event a statement records, or ``None`` if it is not one (or is malformed:
    evidence is data a learner could have edited, so nothing here raises)."""
    try:
        context = statement["context"]
        recorded = context["extensions"][EXT + "event"]
        kind = recorded["kind"]
        lesson = recorded["lesson"]
    except (KeyError, TypeError):
        return None
    if kind not in COURSE_KINDS or not isinstance(lesson, str) or not lesson.startswith("course:"):
        return None
    data = recorded.get("data")
    learner = _ref(statement.get("actor"))
    if not isinstance(data, Mapping) or learner is None:
        return None
    goal, target, target_id = data.get("goal"), data.get("target", ""), data.get("target_id", "")
    if not isinstance(goal, str) or not _ID.match(goal):
        return None
    targeted = kind in ("goal-set", "assigned", "judged")
    if targeted and (
        target not in TARGETS or not isinstance(target_id, str) or not _ID.match(target_id)
    ):
        return None
    mastered = data.get("mastered") if kind == "judged" else None
    if kind == "judged" and (target != "competency" or not isinstance(mastered, bool)):
        return None
    if kind == "extended" and not isinstance(data.get("due"), str):
        return None
    try:
        moment = parse_timestamp(str(statement["timestamp"]))
        due = date.fromisoformat(data["due"]) if isinstance(data.get("due"), str) else None
    except (KeyError, ValueError):
        return None
    note = data.get("note", "")
    return CourseEvent(
        kind=kind,
        course=lesson.removeprefix("course:"),
        learner=learner,
        timestamp=moment,
        goal=goal,
        target=str(target) if targeted else "",
        target_id=str(target_id) if targeted else "",
        due=due,
        by=_ref(context.get("instructor")) if isinstance(context, Mapping) else None,
        note=note if isinstance(note, str) else "",
        mastered=mastered,
    )
