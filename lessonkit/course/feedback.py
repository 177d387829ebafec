"""A learner's feedback in a course: teachers' grades and comments, and the learner's replies.

:func:`read_feedback` reads it from any store (see :mod:`lessonkit.evidence.replies` for what
counts as new); :func:`send_reply` writes the learner's one reply to a comment. On a course
service (``hub+https://…``) the reply goes through the service's ``api/replies`` route, which
checks that the grade is the learner's and that they have not replied yet; a learner's own
store (a folder, SQLite) takes it directly, after the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..evidence.events import LearnerRef
from ..evidence.grades import RubricGrade
from ..evidence.replies import Feedback, feedback_of, replies_of, reply_statement
from .model import Course
from .storage import course_statements

__all__ = ["ReplyRefusedError", "read_feedback", "send_reply"]


class ReplyRefusedError(ValueError):
    """The reply was not recorded; the message says why (to show to the learner)."""


def read_feedback(course: Course, store: Any, learner: LearnerRef) -> list[Feedback]:
    """``learner``'s feedback in the course's lessons, newest first."""
    return feedback_of(list(course_statements(course, store, learner)), learner.id)


def send_reply(
    store: Any,
    grade: RubricGrade,
    text: str,
    *,
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Record the learner's reply ``text`` to ``grade`` (once per grade).

    Raises
    ------
    ReplyRefusedError
        An empty or too long reply, a grade without a comment, a second reply, or a refusal
        by the course service (its message).
    """
    now = (clock or (lambda: datetime.now(UTC)))()
    try:
        statement = reply_statement(grade, text, now)
    except ValueError as exc:
        raise ReplyRefusedError(str(exc)) from exc
    from ..evidence.stores.service import ServiceStore, request_json

    if isinstance(store, ServiceStore):
        body = {"grade": grade.id, "text": statement["result"]["response"]}
        url = f"{store.base}api/replies/{grade.lesson_id}"
        try:
            status, answer = request_json("POST", url, store.token, body)
        except OSError as exc:
            raise ReplyRefusedError(f"the course service cannot be reached: {exc}") from exc
        if status != 200:
            said = answer.get("error") if isinstance(answer, dict) else None
            raise ReplyRefusedError(str(said or f"the course service answered {status}"))
        return
    held = replies_of(store.read(learner=grade.learner, lesson=grade.lesson_id))
    if grade.id in held:
        raise ReplyRefusedError("you have already replied to this comment")
    store.append([statement])
