"""Rubric grading on the service: the answers to grade, and storing a teacher's grade.

Grades are evidence: each one is an xAPI statement (:mod:`lessonkit.evidence.grades`) stored
like the learners' statements — a receipt row (server sequence number; the LMS grade round
and the LRS forwarder find it there, with the learner it is about) and the evidence store.
Only instructors write grades, through this module; a learner's kernel cannot post one
(:mod:`.ingest` takes session events only), so every grade in the database can be trusted.

:func:`save_grade` is safe to retry and refuses lost updates: the grader says which version
they saw (``replaces``, 0 for none) and which answer (its statement id). A grade already
stored with the same picks is answered as a duplicate; anything else that changed meanwhile
is a conflict (409) naming what changed, and nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..evidence.events import LearnerRef
from ..evidence.grades import GradeIndex, RubricGrade, grade_statement, void_statement
from ..evidence.replies import reply_id, reply_statement
from ..evidence.statements import parse_timestamp
from ..grading.rubrics import AnswerToGrade, RubricGradeError, answers_to_grade, make_grade
from ..i18n import N_, Translator
from ..lesson.model import Lesson, Question
from . import db
from .ingest import SERVER_SEQ, _forward_body, _insert
from .ledger import Ledger

__all__ = [
    "GradeRefusedError",
    "Saved",
    "class_answers",
    "rubric_questions",
    "save_grade",
    "save_reply",
]


class GradeRefusedError(Exception):
    """The grade cannot be stored: ``status`` is the HTTP status to answer with.

    ``message`` is English: a catalog message (marked with ``N_``) with ``{placeholders}``
    filled from ``params``, so that a page can show it in the grader's language
    (:meth:`translated`); without ``params`` it is a detail from elsewhere, shown as it is.
    """

    def __init__(self, status: int, message: str, **params: Any) -> None:
        self.status = status
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)

    def translated(self, t: Translator) -> str:
        """The message in ``t``'s language (a detail without ``params`` stays as it is)."""
        if not self.params:
            return t.gettext(self.message)
        return t.gettext(self.message).format(**self.params)


@dataclass(frozen=True, slots=True)
class Saved:
    """A stored grade."""

    grade: RubricGrade
    duplicate: bool
    """The same grade was stored before (a retried request): nothing new was written."""


def rubric_questions(lesson: Lesson) -> list[Question]:
    """The lesson's questions with a rubric, in lesson order."""
    return [s for s in lesson.steps if isinstance(s, Question) and s.rubric is not None]


def class_answers(
    ledger: Ledger, lesson: Lesson, question_id: str, roster: frozenset[str]
) -> list[AnswerToGrade]:
    """The latest answer of each learner of the roster to ``question_id``, with grades."""
    statements = [
        s
        for s in ledger.read(lesson=lesson.id)
        if s.get("actor", {}).get("account", {}).get("name") in roster
    ]
    return answers_to_grade(lesson, question_id, statements)


def _same(grade: RubricGrade, levels: Mapping[str, Any], comment: str, grader: str) -> bool:
    return (
        dict(grade.levels) == dict(levels)
        and grade.comment == comment
        and (grade.grader.id == grader)
    )


def save_grade(
    ledger: Ledger,
    lesson: Lesson,
    question_id: str,
    learner: str,
    *,
    grader: str,
    levels: Mapping[str, Any],
    comment: str,
    replaces: int,
    answer: str | None,
) -> Saved:
    """Store ``grader``'s grade of ``learner``'s latest answer (see the module docstring).

    Raises
    ------
    GradeRefusedError
        400 for a grade that does not fit the rubric, 404 when there is no answer, 409 when
        the answer or its grade changed since the grader saw them.
    """
    statements = list(ledger.read(learner=learner, lesson=lesson.id))
    found = answers_to_grade(lesson, question_id, statements)
    mine = [a for a in found if a.learner.id == learner]
    if not mine:
        raise GradeRefusedError(
            404,
            N_("{learner} has not answered '{question}' yet"),
            learner=learner,
            question=question_id,
        )
    target = mine[0]
    if answer is not None and answer != target.answer_id:
        raise GradeRefusedError(
            409,
            N_("{learner} answered '{question}' again since you read it: reload"),
            learner=learner,
            question=question_id,
        )
    index = GradeIndex.of(statements)
    current = index.grade_of(target.answer_id)
    retried = current is not None and current.version == replaces + 1
    if retried and current is not None and _same(current, levels, comment, grader):
        return Saved(current, duplicate=True)  # a retry of the request that stored it
    held = current.version if current is not None else 0
    if held != replaces:
        if current is None:
            raise GradeRefusedError(
                409,
                N_(
                    "this answer's grade is at version {held}, not {seen}: someone graded it "
                    "meanwhile; reload to see their grade"
                ),
                held=held,
                seen=replaces,
            )
        raise GradeRefusedError(
            409,
            N_(
                "this answer's grade is at version {held} by {grader}, not {seen}: someone "
                "graded it meanwhile; reload to see their grade"
            ),
            held=held,
            grader=current.grader.id,
            seen=replaces,
        )
    stamp = ledger.now()
    try:
        grade = make_grade(
            lesson,
            question_id,
            learner=target.learner,
            grader=LearnerRef(id=grader, home_page=ledger.home_page),
            registration=target.answer.registration,
            answer_seq=target.answer.seq,
            levels=levels,
            comment=comment,
            version=index.next_version(target.answer_id),
            timestamp=parse_timestamp(stamp),
        )
    except RubricGradeError as exc:
        raise GradeRefusedError(400, str(exc)) from exc
    batch = [grade_statement(grade)]
    if current is not None:
        batch.insert(0, void_statement(current, grade))
    return _store(ledger, grade, batch, stamp, learner)


def _store(
    ledger: Ledger, grade: RubricGrade, batch: list[dict[str, Any]], stamp: str, learner: str
) -> Saved:
    """Receipts first (one transaction: a concurrent grade of the same version loses), then
    the evidence store, as :func:`~lessonkit.hub.ingest.ingest` does."""
    r = db.receipts.c
    rows = [
        {
            "statement_id": s["id"],
            "learner": learner,
            "lesson": grade.lesson_id,
            "stored": stamp,
            "forward": db.FORWARD_PENDING if ledger.config.lrs else db.FORWARD_NONE,
            "body": _forward_body(ledger, s),
        }
        for s in batch
    ]
    with db.write(ledger.engine) as conn:
        insert = _insert(conn).on_conflict_do_nothing(index_elements=["statement_id"])
        made = {
            row.statement_id: row
            for row in conn.execute(insert.returning(r.statement_id, r.server_seq), rows)
        }
        if grade.id not in made:
            query = sa.select(r.stored, r.server_seq).where(r.statement_id == grade.id)
            held = conn.execute(query).first()
    if grade.id not in made:
        if ledger.store_has(grade.id) or held is None:
            raise GradeRefusedError(
                409, N_("someone graded this answer at the same moment: reload to see their grade")
            )
        # Received before but never stored (a crash between the two): store it now, as of then.
        return _store_late(ledger, grade, batch, str(held.stored), learner)
    for statement in batch:
        statement["stored"] = stamp
        seq = made.get(statement["id"])
        if seq is not None:
            statement["context"]["extensions"][SERVER_SEQ] = int(seq.server_seq)
    ledger.store.append(batch)
    return Saved(grade, duplicate=False)


def _store_late(
    ledger: Ledger, grade: RubricGrade, batch: list[dict[str, Any]], stamp: str, learner: str
) -> Saved:
    moment = parse_timestamp(stamp)
    late = dataclasses.replace(grade, timestamp=moment)
    statements = [grade_statement(late) if s["id"] == grade.id else s for s in batch]
    for statement in statements:
        statement["timestamp"] = stamp
        statement["stored"] = stamp
    ledger.store.append(statements)
    return Saved(late, duplicate=False)


def save_reply(ledger: Ledger, learner: str, lesson_id: str, grade_id: str, text: str) -> str:
    """Store ``learner``'s one reply to the grade ``grade_id`` of their answer; returns the
    reply's statement id.

    Raises
    ------
    GradeRefusedError
        404 when the grade is not a current grade of ``learner``'s, 400 for a grade without a
        comment or a reply too long or empty, 409 when they already replied to it.
    """
    statements = list(ledger.read(learner=learner, lesson=lesson_id))
    grade = next(
        (
            g
            for g in GradeIndex.of(statements).current.values()
            if g.id == grade_id and g.learner.id == learner
        ),
        None,
    )
    if grade is None:
        raise GradeRefusedError(404, N_("no current grade of yours with that id in this lesson"))
    stamp = ledger.now()
    try:
        statement = reply_statement(grade, text, parse_timestamp(stamp))
    except ValueError as exc:
        raise GradeRefusedError(400, str(exc)) from exc
    statement["actor"]["account"]["homePage"] = ledger.home_page
    row = {
        "statement_id": statement["id"],
        "learner": learner,
        "lesson": lesson_id,
        "stored": stamp,
        "forward": db.FORWARD_PENDING if ledger.config.lrs else db.FORWARD_NONE,
        "body": _forward_body(ledger, statement),
    }
    r = db.receipts.c
    with db.write(ledger.engine) as conn:
        insert = _insert(conn).on_conflict_do_nothing(index_elements=["statement_id"])
        made = conn.execute(insert.returning(r.server_seq), [row]).first()
        if made is None:
            held = conn.execute(sa.select(r.stored).where(r.statement_id == reply_id(grade_id)))
            stored = held.scalar()
    if made is None:
        if ledger.store_has(statement["id"]) or stored is None:
            raise GradeRefusedError(409, N_("you have already replied to this comment"))
        statement["timestamp"] = statement["stored"] = str(stored)  # received, never stored
    else:
        statement["stored"] = stamp
        statement["context"]["extensions"][SERVER_SEQ] = int(made.server_seq)
    ledger.store.append([statement])
    return str(statement["id"])
