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

from collections.abc import Mapping
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
from ..engine.history import lesson_events
from ..evidence.events import LearnerRef
from ..evidence.grants import grant_statement
from ..evidence.statements import parse_timestamp
from ..i18n import N_, Translator, translator
from ..lesson.model import Lesson, Question
from . import db
from .ingest import SERVER_SEQ, _forward_body, _insert
from .ledger import Ledger

__all__ = [
    "ACTIONS",
    "SupportRefusedError",
    "grant_attempts",
    "learner_record",
    "store_course_event",
    "store_statement",
    "support_event",
]

ACTIONS = ("judge", "note", "assign", "extend", "grant")
"""What the support form can do."""


class SupportRefusedError(ValueError):
    """A support form that cannot be recorded: ``message`` is a catalog message (English,
    marked with ``N_``) with ``{placeholders}`` filled from ``params``, shown to the teacher
    in their language (:meth:`translated`)."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(self.translated(translator()))

    def translated(self, t: Translator) -> str:
        """The message in ``t``'s language (counts as the language writes numbers)."""
        shown = {k: t.number(v) if isinstance(v, int) else v for k, v in self.params.items()}
        return t.gettext(self.message).format(**shown)


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
            raise SupportRefusedError(N_("choose mastered or not mastered"))
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
            raise SupportRefusedError(N_("the due date is not a date (YYYY-MM-DD)")) from exc
    if action == "extend":
        goal = fields.get("goal", "")
        if not any(g.id == goal for g in learner_record(ledger, plan, learner).assignments):
            raise SupportRefusedError(
                N_("{learner} has no assignment '{goal}'"), learner=learner, goal=goal
            )
        if due is None:
            raise SupportRefusedError(N_("give the new due date"))
        return extension_event(plan, who, goal, due, teacher=by)
    if action == "assign":
        note = fields.get("note", "").strip()
        if len(note) > 2000:
            raise SupportRefusedError(N_("the note is at most {n} characters"), n=2000)
        (event,) = assignment_events(
            plan, [who], "lesson", fields.get("assign_lesson", ""), teacher=by, due=due, note=note
        )
        return event
    raise SupportRefusedError(
        N_("unknown action '{action}': one of {actions}"), action=action, actions=", ".join(ACTIONS)
    )


def grant_attempts(
    ledger: Ledger,
    lessons: Mapping[str, Lesson],
    learner: str,
    teacher: str,
    fields: dict[str, str],
) -> dict[str, Any]:
    """Store a grant of extra attempts (``fields``: ``question`` as ``lesson/question``,
    ``extra``); returns the statement.

    Raises
    ------
    ValueError
        An unknown question, one without an attempt limit, one the learner has not answered
        yet, or a number of attempts out of range.
    """
    lesson_id, _, question_id = fields.get("question", "").partition("/")
    lesson = lessons.get(lesson_id)
    step = lesson.step(question_id) if lesson and lesson.has_step(question_id) else None
    if not isinstance(step, Question) or step.max_attempts is None:
        raise SupportRefusedError(N_("choose a question with an attempt limit"))
    extra = fields.get("extra", "")
    answers = [
        e
        for e in lesson_events(lesson_id, ledger.read(learner=learner, lesson=lesson_id))
        if e.kind == "answered" and e.step_id == question_id and e.learner.id == learner
    ]
    if not answers:
        raise SupportRefusedError(
            N_("{learner} has not answered '{question}' yet: nothing to extend"),
            learner=learner,
            question=question_id,
        )
    latest = max(answers, key=lambda e: e.timestamp)
    statement = grant_statement(
        learner=latest.learner,
        teacher=LearnerRef(id=teacher, home_page=ledger.home_page),
        lesson_id=lesson_id,
        question_id=question_id,
        registration=latest.registration,
        extra=int(extra) if extra.isdigit() else 0,
        timestamp=parse_timestamp(ledger.now()),
    )
    return store_statement(ledger, learner, lesson_id, statement)


def store_course_event(ledger: Ledger, event: CourseEvent) -> dict[str, Any]:
    """Store ``event``'s statement (receipt, then the evidence store); returns it."""
    return store_statement(ledger, event.learner.id, f"course:{event.course}", to_statement(event))


def store_statement(
    ledger: Ledger, learner: str, lesson: str, statement: dict[str, Any]
) -> dict[str, Any]:
    """Store an instructor's statement about ``learner`` under ``lesson`` (its receipt, then
    the evidence store); returns it as stored."""
    stamp = ledger.now()
    r = db.receipts.c
    row = {
        "statement_id": statement["id"],
        "learner": learner,
        "lesson": lesson,
        "stored": stamp,
        "forward": db.FORWARD_PENDING if ledger.config.lrs else db.FORWARD_NONE,
        "body": _forward_body(ledger, statement),
    }
    with db.write(ledger.engine) as conn:
        insert = _insert(conn).on_conflict_do_nothing(index_elements=["statement_id"])
        made = conn.execute(insert.returning(r.server_seq), [row]).first()
    statement["stored"] = stamp
    if made is not None:
        statement["context"]["extensions"][SERVER_SEQ] = int(made.server_seq)
    ledger.store.append([statement])  # a repeated id is the same statement: kept once
    return statement
