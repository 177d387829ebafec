"""Checking an answer on the service, against the key the learner never sees.

:func:`check_answer` judges one response to a keyed question of a course lesson for the
learner the hub named. Attempts are counted across every session of the learner (a restart
gives no fresh attempts); once a question is answered correctly, or its ``max_attempts`` are
used up, the service answers with the recorded outcome and records nothing new. A variant
question is drawn from the hub user's name, exactly as the learner's session draws it, so the
learner cannot pick an easier variant.

The verdict returned is the checker's, before the attempt score schedule (the learner's
session applies the schedule shown to the learner; grades use the service's records), with
only the specific part of the feedback: the copy of the lesson adds its general feedback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..checks import grade
from ..checks.result import jsonable
from ..checks.scoring import DEFAULT_INCORRECT, DEFAULT_PARTIAL
from ..i18n import Translator, translator
from ..lesson.model import Feedback, Lesson, Question
from ..lesson.units import localize
from . import db
from .ingest import canonical_json
from .keys import is_keyed, service_seed
from .ledger import Ledger
from .roles import LEARNER, Membership
from .serialize import COUNTS, one_at_a_time

__all__ = ["CheckRefusedError", "check_answer"]


class CheckRefusedError(Exception):
    """The request cannot be checked: unknown question, or not the user's course."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _find(
    ledger: Ledger,
    user: str,
    lesson_id: str,
    question_id: str,
    membership: Membership,
    *,
    language: str | None = None,
) -> Question:
    courses = ledger.config.courses_of(lesson_id)
    if not courses:
        raise CheckRefusedError(404, f"lesson {lesson_id!r} is not part of any course here")
    allowed = [c for c in courses if membership.at_least(user, c, LEARNER)]
    if not allowed:
        raise CheckRefusedError(403, f"{user} is not in a course with lesson {lesson_id!r}")
    course = ledger.config.courses[allowed[0]]
    lesson: Lesson = course.lessons[lesson_id]
    if language:  # the question as the learner saw it (a translation's own accepted answers)
        with contextlib.suppress(ValueError):  # not a language tag: the lesson as written
            lesson = localize(lesson, language)
    step = lesson.step(question_id) if lesson.has_step(question_id) else None
    if not isinstance(step, Question) or not is_keyed(step, course.code_checks):
        raise CheckRefusedError(404, f"{lesson_id}: {question_id!r} is not a question checked here")
    return step


def _specific(result: Any, t: Translator) -> str:
    """The verdict's own message, without the general defaults the copy adds itself."""
    text = str(result.feedback or "")
    defaults = (t.gettext(DEFAULT_INCORRECT), t.gettext(DEFAULT_PARTIAL))
    if result.details.get("targeted") or text not in defaults:
        return text
    return ""


def _recorded(rows: Sequence[Any], question: Question, message: str) -> dict[str, Any]:
    last = max(rows, key=lambda r: (r.correct, r.score, r.attempt))
    return {
        "correct": bool(last.correct),
        "score": float(last.score),
        "understood": True,
        "feedback": message,
        "attempt": int(rows[-1].attempt),
        "max_attempts": question.max_attempts,
        "attempts_left": 0,
        "recorded": False,
    }


def check_answer(
    ledger: Ledger,
    user: str,
    *,
    lesson_id: str,
    question_id: str,
    response: Any,
    membership: Membership,
    language: str | None = None,
) -> dict[str, Any]:
    """Check ``response`` for ``user``; the JSON the ``lessonkit.service`` checker reads.
    Messages are in the learner's ``language`` (a BCP 47 tag; English by default).

    Raises
    ------
    CheckRefusedError
        The lesson or question is unknown here, or the user is not in its course.
    """
    question = _find(ledger, user, lesson_id, question_id, membership, language=language)
    t = translator(language)
    response = jsonable(response)
    c = db.checks.c
    mine = (c.learner == user) & (c.lesson == lesson_id) & (c.question == question_id)
    seed = service_seed(user, lesson_id, question)
    # The general feedback is the copy's to add: grade with blanks, keep the specific part.
    bare = dataclasses.replace(
        question, feedback=Feedback(correct=" ", incorrect=" ", wrong=question.feedback.wrong)
    )
    with one_at_a_time(ledger, user, lesson_id, question_id) as turn:
        for _ in range(5):  # a replica without the lock may take the same number: retry
            rows = turn.rows(sa.select(db.checks).where(mine).order_by(c.attempt))
            if any(r.correct for r in rows):
                message = t.gettext("You have already answered this correctly.")
                return _recorded(rows, question, message)
            limit = question.max_attempts
            if limit is not None and len(rows) >= limit:  # a teacher's grant may give more
                limit += _granted(ledger, user, lesson_id, question_id)
            if limit is not None and len(rows) >= limit:
                message = t.ngettext(
                    "No attempts left: you have used your {n} attempt.",
                    "No attempts left: you have used all {n} attempts.",
                    limit,
                ).format(n=t.number(limit))
                return _recorded(rows, question, message)
            attempt = (rows[-1].attempt if rows else 0) + 1
            result = grade(
                bare, response, attempt=attempt, hints_used=0, seed=seed, language=t.language
            )
            COUNTS.add("graded")
            if not result.understood:
                return {
                    "correct": False,
                    "score": 0.0,
                    "understood": False,
                    "feedback": result.feedback,
                    "attempt": attempt - 1,
                    "recorded": False,
                }
            row = {
                "learner": user,
                "lesson": lesson_id,
                "question": question_id,
                "attempt": attempt,
                "correct": bool(result.correct),
                "score": float(result.score),
                "raw": canonical_json(response),
                "response": result.response_text,
                "feedback": _specific(result, t),
                "created": ledger.now(),
            }
            if not turn.record(row):
                COUNTS.add("discarded")
                continue
            COUNTS.add("recorded")
            return _answer(row, result, question, attempt, limit)
    raise CheckRefusedError(503, "too many simultaneous checks of this question; try again")


def _answer(
    row: dict[str, Any], result: Any, question: Question, attempt: int, limit: int | None
) -> dict[str, Any]:
    left = None if limit is None else limit - attempt
    answer: dict[str, Any] = {
        "correct": row["correct"],
        "score": float(result.details.get("unscaled_score", result.score)),
        "scaled": row["score"],
        "understood": True,
        "feedback": row["feedback"],
        "attempt": attempt,
        "max_attempts": question.max_attempts,
        "attempts_left": left,
        "recorded": True,
    }
    if result.details.get("solution"):
        answer["solution"] = str(result.details["solution"])
    checked: dict[str, Any] = json.loads(json.dumps(answer))
    return checked


def _granted(ledger: Ledger, user: str, lesson_id: str, question_id: str) -> int:
    """Attempts instructors granted ``user`` beyond the limit (only they write grants here)."""
    from ..evidence.grants import granted_attempts

    statements = ledger.read(learner=user, lesson=lesson_id)
    return granted_attempts(statements, user, lesson_id).get(question_id, 0)
