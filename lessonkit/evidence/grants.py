"""Extra attempts a teacher grants one learner on one question.

A question's ``max_attempts`` holds for everyone; a teacher may give one learner more (a
technical problem, a second chance). The grant is a statement **about the learner** by the
teacher, like a grade (:mod:`.grades`): the learner is the ``actor``, the teacher
``context.instructor``, the verb lessonkit's ``was-granted-attempts``, the object the question,
and it belongs to the session of the learner's latest answer to it (``context.registration``:
a grant adds no session). ``data.extra`` attempts are added to the question's limit; grants add
up. It is not a session event (:func:`~lessonkit.evidence.grades.is_grading_statement` says
so), and, like grades, it counts only from a source the reader trusts: the course service
stores grants only from instructors, and checks attempts against them itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .events import LearnerRef
from .grades import GRANT_KIND
from .statements import ACTIVITY_TYPES, DEFAULT_BASE_IRI, EXT, XAPI_VERSION, format_timestamp

__all__ = ["MAX_GRANT", "grant_statement", "granted_attempts"]

MAX_GRANT = 10
"""Extra attempts one grant may give."""
GRANTED = "https://lessonkit.org/xapi/verbs/was-granted-attempts"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://lessonkit.org/xapi/grants")


def _agent(ref: LearnerRef) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": ref.home_page, "name": ref.id},
    }
    if ref.name:
        agent["name"] = ref.name
    return agent


def grant_statement(
    *,
    learner: LearnerRef,
    teacher: LearnerRef,
    lesson_id: str,
    question_id: str,
    registration: str,
    extra: int,
    timestamp: datetime,
    base_iri: str = DEFAULT_BASE_IRI,
) -> dict[str, Any]:
    """The statement granting ``learner`` ``extra`` more attempts at ``question_id``.

    Raises
    ------
    ValueError
        ``extra`` is not a whole number from 1 to :data:`MAX_GRANT`.
    """
    if not isinstance(extra, int) or isinstance(extra, bool) or not 1 <= extra <= MAX_GRANT:
        raise ValueError(f"extra attempts: a whole number from 1 to {MAX_GRANT}")
    stamp = format_timestamp(timestamp)
    lesson_iri = f"{base_iri.rstrip('/')}/lessons/{quote(lesson_id, safe='')}"
    key = f"{learner.home_page}|{learner.id}|{lesson_id}|{question_id}|{stamp}"
    return {
        "id": str(uuid.uuid5(_NS, key)),
        "actor": _agent(learner),
        "verb": {"id": GRANTED, "display": {"en-US": "was granted attempts"}},
        "object": {
            "objectType": "Activity",
            "id": f"{lesson_iri}/steps/{quote(question_id, safe='')}",
            "definition": {"type": ACTIVITY_TYPES["interaction"]},
        },
        "context": {
            "registration": registration,
            "instructor": _agent(teacher),
            "contextActivities": {"parent": [{"objectType": "Activity", "id": lesson_iri}]},
            "extensions": {
                EXT + "event": {
                    "kind": GRANT_KIND,
                    "lesson": lesson_id,
                    "step": question_id,
                    "data": {"extra": extra},
                }
            },
        },
        "timestamp": stamp,
        "version": XAPI_VERSION,
    }


def granted_attempts(
    statements: Iterable[Mapping[str, Any]], learner: str, lesson_id: str
) -> dict[str, int]:
    """Question id -> extra attempts granted to ``learner`` in ``lesson_id`` (malformed
    statements are skipped, never raised on)."""
    out: dict[str, int] = {}
    seen: set[str] = set()
    for statement in statements:
        try:
            recorded = statement["context"]["extensions"][EXT + "event"]
            if recorded.get("kind") != GRANT_KIND or recorded.get("lesson") != lesson_id:
                continue
            if statement["actor"]["account"]["name"] != learner or statement["id"] in seen:
                continue
            extra, step = recorded["data"]["extra"], recorded["step"]
        except (KeyError, TypeError, AttributeError):
            continue
        ok = isinstance(extra, int) and not isinstance(extra, bool) and 1 <= extra <= MAX_GRANT
        if ok and isinstance(step, str):
            seen.add(str(statement["id"]))
            out[step] = out.get(step, 0) + extra
    return out
