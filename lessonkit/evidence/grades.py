"""Rubric grades as xAPI statements: a teacher's judgement of one answer, and its regrades.

A :class:`RubricGrade` is what a teacher concluded about one answer to a question with a
rubric: the level picked on each criterion, the points, a comment, and the credit each tied
competency earns. It is a statement **about the learner** — the learner is the ``actor``, so an
LRS or a store filtered by the learner finds it with the rest of their evidence — and the
teacher who graded is ``context.instructor``, as for lessonkit's course statements:

========================  ===============================================================
``actor``                 the learner
``verb``                  ADL ``scored``
``object``                the question (``…/lessons/<lesson>/steps/<question>``)
``result.score``          the rubric's points: ``raw`` of ``max``, ``scaled``
``result.extensions``     ``…/ext/rubric`` (criterion -> level and points), ``…/ext/comment``
``context.instructor``    the teacher
``context.statement``     a ``StatementRef`` to the answer graded
``context.registration``  the session of the answer graded (a grade adds no session)
========================  ===============================================================

Regrading replaces, never duplicates. A grade's id is a UUID5 of the answer graded and a
version (1, then 2, ...): retrying a grade writes the same statement, and a regrade is the
next version. Readers take the highest version (:class:`GradeIndex`), and a regrade also
writes an xAPI **voiding** statement for the grade it replaces, so an LRS leaves the old one
out of its queries too (an LRS never deletes).

A grade is not a session event (:func:`~lessonkit.evidence.statements.statement_to_event`
refuses it): the course service stores grades only from instructors, never from a learner's
kernel, so who may trust which grades is the reader's choice (see ``lessonkit.grading``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .events import LearnerRef
from .statements import (
    ACTIVITY_TYPES,
    DEFAULT_BASE_IRI,
    EXT,
    XAPI_VERSION,
    format_timestamp,
    parse_timestamp,
    statement_id,
)

__all__ = [
    "GRADE_KIND",
    "GRANT_KIND",
    "REPLY_KIND",
    "VOID_KIND",
    "GradeIndex",
    "RubricGrade",
    "grade_statement",
    "grade_statement_id",
    "is_grading_statement",
    "statement_to_grade",
    "void_statement",
]

GRADE_KIND = "rubric-graded"
"""The ``…/ext/event`` kind of a grade statement (never a session event's kind)."""
VOID_KIND = "grade-voided"
"""The ``…/ext/event`` kind of the statement voiding a replaced grade."""
REPLY_KIND = "grade-replied"
"""The ``…/ext/event`` kind of a learner's reply to a grade (:mod:`.replies`)."""
GRANT_KIND = "attempts-granted"
"""The ``…/ext/event`` kind of a teacher's grant of extra attempts (:mod:`.grants`)."""
SCORED = "http://adlnet.gov/expapi/verbs/scored"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://lessonkit.org/xapi/grades")


def grade_statement_id(answer: str, version: int) -> str:
    """The id of version ``version`` of the grade of the answer statement ``answer``."""
    return str(uuid.uuid5(_NS, f"{answer}/{version}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RubricGrade:
    """A teacher's rubric grade of one answer (see the module docstring)."""

    learner: LearnerRef
    """Whose answer it grades."""
    grader: LearnerRef
    """The teacher who graded it."""
    lesson_id: str
    """The lesson."""
    question_id: str
    """The question (a step id)."""
    registration: str
    """The session of the answer graded."""
    answer_seq: int
    """The sequence number of the answer graded in its session (its statement id is
    ``statement_id(registration, answer_seq)``)."""
    version: int
    """1 for the first grade of the answer; each regrade is the next number."""
    timestamp: datetime
    """When it was given (timezone-aware)."""
    levels: Mapping[str, str]
    """Criterion id -> the label of the level picked."""
    criterion_points: Mapping[str, float]
    """Criterion id -> the points of the level picked."""
    points: float
    """Rubric points given (the sum of ``criterion_points``)."""
    max_points: float
    """The rubric's maximum."""
    credit: Mapping[str, float] = field(default_factory=dict)
    """Competency -> credit in [0, 1] (evidence of mastery; see ``Rubric.credit``)."""
    comment: str = ""
    """The teacher's comment to the learner (plain text)."""
    lesson_version: str = ""
    """The lesson's author version when graded."""

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None:
            raise ValueError("grade timestamps must be timezone-aware")
        if self.version < 1:
            raise ValueError("grade versions start at 1")

    @property
    def answer(self) -> str:
        """The statement id of the answer graded."""
        return statement_id(self.registration, self.answer_seq)

    @property
    def id(self) -> str:
        """This grade's statement id."""
        return grade_statement_id(self.answer, self.version)


def _agent(ref: LearnerRef) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": ref.home_page, "name": ref.id},
    }
    if ref.name:
        agent["name"] = ref.name
    return agent


def _lesson_iri(base_iri: str, lesson: str) -> str:
    return f"{base_iri.rstrip('/')}/lessons/{quote(lesson, safe='')}"


def grade_statement(grade: RubricGrade, *, base_iri: str = DEFAULT_BASE_IRI) -> dict[str, Any]:
    """The xAPI statement recording ``grade`` (deterministic id: a retry is the same one)."""
    lesson_iri = _lesson_iri(base_iri, grade.lesson_id)
    data = {
        "answer": grade.answer,
        "answer_seq": grade.answer_seq,
        "version": grade.version,
        "levels": dict(grade.levels),
        "criterion_points": dict(grade.criterion_points),
        "points": grade.points,
        "max_points": grade.max_points,
        "credit": dict(grade.credit),
        "comment": grade.comment,
    }
    scaled = grade.points / grade.max_points if grade.max_points > 0 else 0.0
    result: dict[str, Any] = {
        "score": {
            "scaled": min(1.0, max(0.0, scaled)),
            "raw": grade.points,
            "min": 0.0,
            "max": grade.max_points,
        },
        "extensions": {
            EXT + "rubric": {
                cid: {"level": label, "points": grade.criterion_points.get(cid, 0.0)}
                for cid, label in grade.levels.items()
            }
        },
    }
    if grade.comment:
        result["extensions"][EXT + "comment"] = grade.comment
    context: dict[str, Any] = {
        "registration": grade.registration,
        "instructor": _agent(grade.grader),
        "platform": "lessonkit",
        "contextActivities": {"parent": [{"objectType": "Activity", "id": lesson_iri}]},
        "statement": {"objectType": "StatementRef", "id": grade.answer},
        "extensions": {
            EXT + "event": {
                "kind": GRADE_KIND,
                "lesson": grade.lesson_id,
                "step": grade.question_id,
                "data": data,
            },
            EXT + "grade-version": grade.version,
            EXT + "competency-credit": dict(grade.credit),
        },
    }
    if grade.lesson_version:
        context["revision"] = grade.lesson_version
        context["extensions"][EXT + "lesson-version"] = grade.lesson_version
    return {
        "id": grade.id,
        "actor": _agent(grade.learner),
        "verb": {"id": SCORED, "display": {"en-US": "scored"}},
        "object": {
            "objectType": "Activity",
            "id": f"{lesson_iri}/steps/{quote(grade.question_id, safe='')}",
            "definition": {"type": ACTIVITY_TYPES["interaction"]},
        },
        "result": result,
        "context": context,
        "timestamp": format_timestamp(grade.timestamp),
        "version": XAPI_VERSION,
    }


def void_statement(replaced: RubricGrade, by: RubricGrade) -> dict[str, Any]:
    """The xAPI statement voiding ``replaced`` because the regrade ``by`` replaces it."""
    return {
        "id": str(uuid.uuid5(_NS, f"void/{replaced.id}")),
        "actor": _agent(by.learner),
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": replaced.id},
        # xAPI allows `platform` and `revision` only with an Activity as the object
        "context": {
            "registration": replaced.registration,
            "instructor": _agent(by.grader),
            "extensions": {
                EXT + "event": {
                    "kind": VOID_KIND,
                    "lesson": replaced.lesson_id,
                    "step": replaced.question_id,
                    "data": {"grade": replaced.id, "version": replaced.version, "by": by.id},
                }
            },
        },
        "timestamp": format_timestamp(by.timestamp),
        "version": XAPI_VERSION,
    }


def _kind(statement: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    try:
        recorded = statement["context"]["extensions"][EXT + "event"]
        return recorded.get("kind"), recorded
    except (KeyError, TypeError, AttributeError):
        return None, {}


def is_grading_statement(statement: Mapping[str, Any]) -> bool:
    """Whether ``statement`` is a grade, the voiding of one, a learner's reply to one or a
    teacher's grant of attempts (not a session event)."""
    return _kind(statement)[0] in (GRADE_KIND, VOID_KIND, REPLY_KIND, GRANT_KIND)


def _ref(agent: Any) -> LearnerRef | None:
    if not isinstance(agent, Mapping) or not isinstance(agent.get("account"), Mapping):
        return None
    name, home = agent["account"].get("name"), agent["account"].get("homePage")
    if not isinstance(name, str) or not isinstance(home, str) or not name:
        return None
    display = agent.get("name")
    return LearnerRef(id=name, home_page=home, name=display if isinstance(display, str) else "")


def _points(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def statement_to_grade(statement: Mapping[str, Any]) -> RubricGrade | None:
    """The grade a statement records, or ``None`` if it is not one or is malformed (nothing
    here raises: a store may hold anything)."""
    kind, recorded = _kind(statement)
    if kind != GRADE_KIND:
        return None
    data = recorded.get("data")
    context = statement.get("context")
    learner = _ref(statement.get("actor"))
    grader = _ref(context.get("instructor")) if isinstance(context, Mapping) else None
    if not isinstance(data, Mapping) or learner is None or grader is None:
        return None
    assert isinstance(context, Mapping)  # the instructor was read from it
    try:
        levels = {str(k): str(v) for k, v in dict(data["levels"]).items()}
        criterion_points = {str(k): float(v) for k, v in dict(data["criterion_points"]).items()}
        credit = {str(k): float(v) for k, v in dict(data.get("credit") or {}).items()}
        points, maximum = _points(data["points"]), _points(data["max_points"])
        seq, version = data["answer_seq"], data["version"]
        if points is None or maximum is None or not isinstance(seq, int):
            return None
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        grade = RubricGrade(
            learner=learner,
            grader=grader,
            lesson_id=str(recorded["lesson"]),
            question_id=str(recorded["step"]),
            registration=str(uuid.UUID(str(context["registration"]))),
            answer_seq=seq,
            version=version,
            timestamp=parse_timestamp(str(statement["timestamp"])),
            levels=levels,
            criterion_points=criterion_points,
            points=points,
            max_points=maximum,
            credit=credit,
            comment=str(data.get("comment") or ""),
            lesson_version=str(context.get("revision") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return grade


@dataclass(slots=True)
class GradeIndex:
    """The grades among some statements: the current one per answer, and every version.

    A grade counts unless a later version of the same answer's grade exists or a voiding
    statement names it. Give only statements you trust as grades: see the module docstring.
    """

    current: dict[str, RubricGrade] = field(default_factory=dict)
    """Answer statement id -> its current grade."""
    versions: dict[str, list[RubricGrade]] = field(default_factory=dict)
    """Answer statement id -> every grade of it, oldest version first."""

    @classmethod
    def of(cls, statements: Iterable[Mapping[str, Any]]) -> GradeIndex:
        """Index the grades among ``statements`` (anything else is skipped)."""
        voided: set[str] = set()
        found: dict[str, RubricGrade] = {}
        for statement in statements:
            kind, recorded = _kind(statement)
            if kind == VOID_KIND:
                data = recorded.get("data")
                if isinstance(data, Mapping) and isinstance(data.get("grade"), str):
                    voided.add(data["grade"])
            elif kind == GRADE_KIND:
                grade = statement_to_grade(statement)
                if grade is not None:
                    found.setdefault(grade.id, grade)  # a repeated id is the same grade
        index = cls()
        for grade in sorted(found.values(), key=lambda g: (g.answer, g.version)):
            index.versions.setdefault(grade.answer, []).append(grade)
        for answer, grades in index.versions.items():
            standing = [g for g in grades if g.id not in voided]
            if standing:
                index.current[answer] = standing[-1]
        return index

    def grade_of(self, answer: str) -> RubricGrade | None:
        """The current grade of an answer statement, or ``None``."""
        return self.current.get(answer)

    def next_version(self, answer: str) -> int:
        """The version a new grade of ``answer`` takes."""
        return max((g.version for g in self.versions.get(answer, ())), default=0) + 1

    def of_question(self, learner: str, question: str) -> list[RubricGrade]:
        """Every grade of ``learner``'s answers to ``question``, oldest first (comments)."""
        return sorted(
            (
                g
                for grades in self.versions.values()
                for g in grades
                if g.learner.id == learner and g.question_id == question
            ),
            key=lambda g: (g.timestamp, g.version),
        )
