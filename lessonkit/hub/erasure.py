"""Erasing a learner's data: what a request covers (:func:`scope_for`) and the one code path
that deletes it (:func:`erase`), for the instructor's ``DELETE api/learners/<name>`` and the
administrator's ``lessonkit hub delete-learner`` alike.

Whose data
    The learner is an account name on this hub. Statements are matched by that name whatever
    home page they carry: the home page is the hub's URL as the storing service saw it
    (``home_page:`` in the configuration, else derived from the service's environment), so it
    may differ between replicas, between the service and an administrator's shell, and before
    and after the hub moved. The service's database holds only what the service stored, all
    under this hub's account names, so the name is the identity.

Which data belongs to a course
    A course's data is the data of its lessons: statements, receipts and checked answers are
    recorded per lesson, not per course (a learner of two courses that share a lesson sends one
    stream of evidence for it). Data of a lesson that another course also holds is attributable
    to the course only when the learner is not part of that other course. When it may belong
    to another course too, a course-level request is refused as a whole (nothing is deleted)
    and says which lessons and courses are involved: an erasure is either done as asked or
    not at all, never silently partial, and an instructor's authority stops at their course.
    Deleting across courses is for an administrator: ``lessonkit hub delete-learner NAME``
    (everything) or ``--course COURSE --include-shared``.

What remains
    After the transaction commits, what is still stored for the learner in the request's scope
    is counted again (not taken from the deletion's row counts): the command exits 1, and the
    API answers 409, when anything is left. Statements already forwarded to an LRS stay there
    (xAPI has no deletion); the result says how many, so they can be deleted in the LRS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..errors import LessonkitError
from ..evidence.stores.sql import statements_table
from . import db
from .config import HubConfig
from .ledger import Ledger

__all__ = ["Erasure", "ErasureRefusedError", "Scope", "erase", "scope_for"]

_TABLES: tuple[tuple[str, sa.Table], ...] = (
    ("statements", statements_table),
    ("receipts", db.receipts),
    ("checks", db.checks),
)
_NAMES = tuple(name for name, _ in _TABLES)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What an erasure request covers."""

    learner: str
    """The hub account name."""
    course: str | None = None
    """The course asked for (``None``: every lesson)."""
    lessons: tuple[str, ...] | None = None
    """The lessons covered (``None``: all, including lessons no longer configured)."""
    shared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Lesson -> the other courses its data may belong to: data there refuses the request."""


class ErasureRefusedError(LessonkitError, PermissionError):
    """A course-level request would delete data that may belong to another course."""

    def __init__(self, message: str, shared: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.shared = dict(shared)
        """Lesson -> ``{"courses": [...], "statements": n, ...}``: what blocks the request."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did, and what is left."""

    scope: Scope
    deleted: Mapping[str, int]
    """Rows deleted per table (``statements``, ``receipts``, ``checks``)."""
    remaining: Mapping[str, int]
    """Rows of the learner still stored in the scope, counted after the commit."""
    forwarded: int
    """Of the deleted statements, how many the LRS had received (they stay in the LRS)."""

    @property
    def complete(self) -> bool:
        """Nothing of the learner is left in the service's database within the scope."""
        return not any(self.remaining.values())

    def as_json(self) -> dict[str, Any]:
        """The report both the API and the command print."""
        return {
            "learner": self.scope.learner,
            "course": self.scope.course,
            "deleted": dict(self.deleted),
            "remaining": dict(self.remaining),
            "complete": self.complete,
            "forwarded_to_lrs": self.forwarded,
        }

    def notes(self, lrs_url: str | None) -> list[str]:
        """Sentences for an administrator about what is left and where."""
        out = []
        if not self.complete:
            left = ", ".join(f"{n} {what}" for what, n in self.remaining.items() if n)
            out.append(
                f"{self.scope.learner}: still stored after the deletion: {left} (data arrived "
                "meanwhile, or the database kept rows); run the deletion again and check"
            )
        if self.forwarded:
            out.append(
                f"{self.forwarded} of the deleted statements had been forwarded to the LRS "
                f"{lrs_url or '(no longer configured)'}: delete them there"
            )
        return out


def scope_for(
    config: HubConfig,
    learner: str,
    course: str | None = None,
    membership: Any = None,
    *,
    include_shared: bool = False,
) -> Scope:
    """The scope of a request for ``learner``'s data in ``course`` (``None``: everything).

    ``membership`` (the hub's groups, when known) narrows a shared lesson to the other courses
    the learner is part of; without it every other course holding the lesson counts.
    ``include_shared`` (an administrator's decision) covers shared lessons as well.
    """
    if course is None:
        return Scope(learner=learner)
    plan = config.courses[course].plan
    # A course file's own statements (goals, assignments, teachers' notes and judgements) are
    # kept under its key, shared by every hub course built on the same course file.
    key = f"course:{plan.id}" if plan is not None else None
    lessons = tuple(config.courses[course].lessons) + ((key,) if key else ())
    shared: dict[str, tuple[str, ...]] = {}
    for lesson in lessons:
        holders = config.courses_of(lesson) if lesson != key else config.courses_on_plan(key)
        others = tuple(
            c
            for c in holders
            if c != course and (membership is None or membership.role(learner, c) is not None)
        )
        if others and not include_shared:
            shared[lesson] = others
    return Scope(learner=learner, course=course, lessons=lessons, shared=shared)


def _mine(table: sa.Table, learner: str, lessons: Sequence[str] | None) -> Any:
    clause = table.c.learner == learner
    return clause if lessons is None else clause & table.c.lesson.in_(lessons)


def _held(conn: sa.Connection, scope: Scope) -> dict[str, Any]:
    """Shared lessons in which the learner has data, with the counts."""
    found: dict[str, Any] = {}
    for name, table in _TABLES:
        query = (
            sa.select(table.c.lesson, sa.func.count())
            .where(_mine(table, scope.learner, list(scope.shared)))
            .group_by(table.c.lesson)
        )
        for lesson, n in conn.execute(query):
            entry = found.setdefault(
                lesson, {"courses": list(scope.shared[lesson]), **dict.fromkeys(_NAMES, 0)}
            )
            entry[name] = int(n)
    return found


def _count(engine: sa.Engine, scope: Scope) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(_mine(table, scope.learner, scope.lessons))
                ).scalar_one()
            )
            for name, table in _TABLES
        }


def erase(ledger: Ledger, scope: Scope) -> Erasure:
    """Delete the learner's statements, receipts and checked answers in ``scope``.

    Raises
    ------
    ErasureRefusedError
        If the learner has data in a lesson of ``scope.shared`` (nothing is deleted).
    """
    deleted: dict[str, int] = {}
    with db.write(ledger.engine) as conn:
        if scope.shared and (held := _held(conn, scope)):
            lessons = ", ".join(f"{x} (also in {', '.join(v['courses'])})" for x, v in held.items())
            raise ErasureRefusedError(
                f"{scope.learner} has data in lessons that course {scope.course} shares with "
                f"other courses: {lessons}. It cannot be attributed to {scope.course} alone, "
                "so nothing was deleted; an administrator deletes "
                f"across courses: lessonkit hub delete-learner {scope.learner} --config FILE",
                held,
            )
        r = db.receipts.c
        gone = conn.execute(
            sa.delete(db.receipts)
            .where(_mine(db.receipts, scope.learner, scope.lessons))
            .returning(r.forward)
        ).all()
        deleted["receipts"] = len(gone)
        forwarded = sum(1 for (state,) in gone if state == db.FORWARD_DONE)
        for name, table in _TABLES:
            if name != "receipts":
                where = _mine(table, scope.learner, scope.lessons)
                deleted[name] = conn.execute(sa.delete(table).where(where)).rowcount
    ordered = {name: deleted[name] for name in _NAMES}
    return Erasure(scope, ordered, _count(ledger.engine, scope), forwarded)
