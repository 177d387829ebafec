"""A learner's reply to a teacher's rubric grade, and the feedback a learner has been given.

A teacher's grade (:mod:`.grades`) may carry a comment. The learner may answer it **once**: a
short reply, not a chat. The reply is an xAPI statement by the learner:

========================  ===============================================================
``actor``                 the learner
``verb``                  ADL ``commented``
``object``                a ``StatementRef`` to the grade replied to
``result.response``       the reply (plain text, at most :data:`MAX_REPLY` characters)
``context.registration``  the session of the answer graded
========================  ===============================================================

Its id is a UUID5 of the grade's id, so a learner has one reply per grade: a second reply to
the same grade has the same id, and stores keep the first (the course service answers 409).
A regrade with a new comment is a new grade, which may get its own reply.

:func:`feedback_of` reads a learner's feedback from their statements: each current grade,
its reply, and whether it is **new** — given after the learner's last own statement in that
lesson, so opening the lesson (which records a statement) makes it no longer new. Nothing
else is kept: whether feedback was seen is read from the evidence alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .events import LearnerRef
from .grades import REPLY_KIND, GradeIndex, RubricGrade, is_grading_statement
from .statements import EXT, XAPI_VERSION, format_timestamp, parse_timestamp

__all__ = [
    "MAX_REPLY",
    "REPLY_KIND",
    "Feedback",
    "Reply",
    "ReplyTextError",
    "check_reply_text",
    "feedback_of",
    "replies_of",
    "reply_id",
    "reply_statement",
    "statement_to_reply",
]

MAX_REPLY = 2000
"""Characters a reply may take: a short answer to a comment, not an essay."""
COMMENTED = "http://adlnet.gov/expapi/verbs/commented"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://lessonkit.org/xapi/replies")


def reply_id(grade_id: str) -> str:
    """The id of the reply to the grade statement ``grade_id`` (one reply per grade)."""
    return str(uuid.uuid5(_NS, grade_id))


class ReplyTextError(ValueError):
    """Why a reply's text cannot be stored.

    ``reason`` is ``"not-text"``, ``"empty"`` or ``"too-long"`` (then ``length`` is the
    cleaned reply's length), so a page can say it in the learner's language; ``str()`` of
    the error says it in English."""

    def __init__(self, reason: str, message: str, length: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.length = length


def check_reply_text(text: Any) -> str:
    """The reply as stored (line endings made ``\\n``, surrounding space stripped).

    Raises
    ------
    ReplyTextError
        If it is not text, is empty, or is longer than :data:`MAX_REPLY` characters.
    """
    if not isinstance(text, str):
        raise ReplyTextError("not-text", "a reply is text")
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise ReplyTextError("empty", "write a reply first")
    if len(cleaned) > MAX_REPLY:
        message = f"a reply is at most {MAX_REPLY:,} characters (this one: {len(cleaned):,})"
        raise ReplyTextError("too-long", message, len(cleaned))
    return cleaned


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A learner's reply to one grade."""

    learner: LearnerRef
    """Who replied (the learner whose answer was graded)."""
    grade: str
    """The statement id of the grade replied to."""
    lesson_id: str
    """The lesson."""
    question_id: str
    """The question graded."""
    registration: str
    """The session of the answer graded."""
    text: str
    """The reply (plain text)."""
    timestamp: datetime
    """When it was written."""

    @property
    def id(self) -> str:
        """The reply's statement id."""
        return reply_id(self.grade)


def reply_statement(grade: RubricGrade, text: str, timestamp: datetime) -> dict[str, Any]:
    """The xAPI statement of the learner's reply ``text`` to ``grade``.

    Raises
    ------
    ValueError
        For a reply :func:`check_reply_text` refuses, or a grade without a comment.
    """
    if not grade.comment:
        raise ValueError("this grade has no comment to reply to")
    text = check_reply_text(text)
    account = {"homePage": grade.learner.home_page, "name": grade.learner.id}
    return {
        "id": reply_id(grade.id),
        "actor": {"objectType": "Agent", "account": account},
        "verb": {"id": COMMENTED, "display": {"en-US": "commented"}},
        "object": {"objectType": "StatementRef", "id": grade.id},
        "result": {"response": text},
        "context": {
            "registration": grade.registration,
            "extensions": {
                EXT + "event": {
                    "kind": REPLY_KIND,
                    "lesson": grade.lesson_id,
                    "step": grade.question_id,
                    "data": {
                        "grade": grade.id,
                        "answer": grade.answer,
                        "answer_seq": grade.answer_seq,
                        "text": text,
                    },
                }
            },
        },
        "timestamp": format_timestamp(timestamp),
        "version": XAPI_VERSION,
    }


def statement_to_reply(statement: Mapping[str, Any]) -> Reply | None:
    """The reply a statement records, or ``None`` (not a reply, or malformed: never raises)."""
    try:
        recorded = statement["context"]["extensions"][EXT + "event"]
        if recorded.get("kind") != REPLY_KIND:
            return None
        data = recorded["data"]
        account = statement["actor"]["account"]
        grade, text = data["grade"], data["text"]
        if (
            not isinstance(grade, str)
            or not isinstance(text, str)
            or statement["id"] != reply_id(grade)
        ):
            return None
        return Reply(
            learner=LearnerRef(id=str(account["name"]), home_page=str(account["homePage"])),
            grade=grade,
            lesson_id=str(recorded["lesson"]),
            question_id=str(recorded["step"]),
            registration=str(statement["context"]["registration"]),
            text=text,
            timestamp=parse_timestamp(str(statement["timestamp"])),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def replies_of(statements: Iterable[Mapping[str, Any]]) -> dict[str, Reply]:
    """Grade statement id -> its reply, among ``statements`` (the first one of each grade)."""
    found: dict[str, Reply] = {}
    for statement in statements:
        reply = statement_to_reply(statement)
        if reply is not None:
            found.setdefault(reply.grade, reply)
    return found


@dataclass(frozen=True, slots=True)
class Feedback:
    """A teacher's current grade of one of the learner's answers, and the learner's reply."""

    grade: RubricGrade
    """The grade (points, levels, comment)."""
    reply: Reply | None
    """The learner's reply, if they wrote one."""
    new: bool
    """Given after the learner's last own statement in the lesson (not seen yet)."""

    @property
    def can_reply(self) -> bool:
        """The grade has a comment and the learner has not replied to it."""
        return bool(self.grade.comment) and self.reply is None


def feedback_of(statements: Iterable[Mapping[str, Any]], learner: str) -> list[Feedback]:
    """``learner``'s feedback among ``statements``: the current grade of each graded answer
    (regraded versions replaced), newest first. Give statements whose grades you trust (a
    course service's, or the learner's own store)."""
    items = list(statements)
    index = GradeIndex.of(items)
    replies = {g: r for g, r in replies_of(items).items() if r.learner.id == learner}
    last_seen: dict[str, datetime] = {}
    for statement in items:
        if is_grading_statement(statement):
            continue
        try:
            recorded = statement["context"]["extensions"][EXT + "event"]
            if statement["actor"]["account"]["name"] != learner:
                continue
            when = parse_timestamp(str(statement["timestamp"]))
            lesson = str(recorded["lesson"])
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if lesson not in last_seen or when > last_seen[lesson]:
            last_seen[lesson] = when
    out = []
    for grade in index.current.values():
        if grade.learner.id != learner:
            continue
        seen, reply = last_seen.get(grade.lesson_id), replies.get(grade.id)
        new = reply is None and (seen is None or grade.timestamp > seen)
        out.append(Feedback(grade, reply, new))
    return sorted(out, key=lambda f: f.grade.timestamp, reverse=True)
