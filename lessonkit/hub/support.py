"""Supporting one learner from the class view: a teacher's judgement of a competency, a note,
a lesson assigned — each a course statement by the teacher about the learner.

The statements are the course's own (:mod:`lessonkit.course.statements`, under the lesson key
``course:<course id>``): the learner's record and plan read them like every other statement,
from the learner's own kernel through the service too. They are stored as grades are: a
receipt row (the LRS forwarder finds it there), then the evidence store. Only instructors
write them, through :mod:`.support_views`; a learner's kernel cannot post one (:mod:`.ingest`
takes lesson statements of the learner's courses only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ..course.model import Course
from ..course.record import LearnerRecord
from ..course.statements import CourseEvent, to_statement
from ..course.storage import (
    assignment_events,
    extension_event,
    judgement_event,
    note_event,
    read_record,
)
from ..evidence.events import LearnerRef
from . import db
from .ingest import SERVER_SEQ, _forward_body, _insert
from .ledger import Ledger

__all__ = ["ACTIONS", "learner_record", "store_course_event", "support_event"]

ACTIONS = ("judge", "note", "assign", "extend")
"""What the support form can do."""


def learner_record(ledger: Ledger, plan: Course, learner: str) -> LearnerRecord:
    """``learner``'s record in the course, from the service's evidence."""
    return read_record(plan, ledger, learner, as_of=datetime.now(UTC))


def support_event(
    ledger: Ledger, plan: Course, learner: str, teacher: str, fields: dict[str, str]
) -> CourseEvent:
    """The event a support form asks for (``fields`` as posted).

    Raises
    ------
    ValueError
        A field missing or wrong: the message says which (shown to the teacher).
    """
    who = LearnerRef(id=learner, home_page=ledger.home_page)
    by = LearnerRef(id=teacher, home_page=ledger.home_page)
    action = fields.get("action", "")
    if action == "judge":
        verdict = fields.get("mastered", "")
        if verdict not in ("yes", "no"):
            raise ValueError("choose mastered or not mastered")
        return judgement_event(
            plan,
            who,
            fields.get("competency", ""),
            mastered=verdict == "yes",
            reason=fields.get("reason", ""),
            teacher=by,
        )
    if action == "note":
        return note_event(plan, who, fields.get("note", ""), teacher=by)
    due: date | None = None
    if fields.get("due"):
        try:
            due = date.fromisoformat(fields["due"])
        except ValueError as exc:
            raise ValueError("the due date is not a date (YYYY-MM-DD)") from exc
    if action == "extend":
        goal = fields.get("goal", "")
        if not any(g.id == goal for g in learner_record(ledger, plan, learner).assignments):
            raise ValueError(f"{learner} has no assignment {goal!r}")
        if due is None:
            raise ValueError("give the new due date")
        return extension_event(plan, who, goal, due, teacher=by)
    if action == "assign":
        note = fields.get("note", "").strip()
        if len(note) > 2000:
            raise ValueError("the note is at most 2,000 characters")
        (event,) = assignment_events(
            plan, [who], "lesson", fields.get("assign_lesson", ""), teacher=by, due=due, note=note
        )
        return event
    raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")


def store_course_event(ledger: Ledger, event: CourseEvent) -> dict[str, Any]:
    """Store ``event``'s statement (receipt, then the evidence store); returns it."""
    statement = to_statement(event)
    stamp = ledger.now()
    r = db.receipts.c
    row = {
        "statement_id": statement["id"],
        "learner": event.learner.id,
        "lesson": f"course:{event.course}",
        "stored": stamp,
        "forward": db.FORWARD_PENDING if ledger.config.lrs else db.FORWARD_NONE,
        "body": _forward_body(ledger, statement),
    }
    with db.write(ledger.receipts_engine) as conn:
        insert = _insert(conn).on_conflict_do_nothing(index_elements=["statement_id"])
        made = conn.execute(insert.returning(r.server_seq), [row]).first()
    statement["stored"] = stamp
    if made is not None:
        statement["context"]["extensions"][SERVER_SEQ] = int(made.server_seq)
    ledger.store.append([statement])  # a repeated id is the same statement: kept once
    return statement
