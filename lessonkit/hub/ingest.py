"""Receiving statements: whose they are, what the service checked, stamps, storage.

For each statement a learner's kernel posts, :func:`ingest`:

1. refuses what is not a lessonkit statement of a lesson in one of the learner's courses, and
   a second session of a lesson whose settings forbid restarting it;
2. overwrites the actor with the token's user (a statement naming someone else is recorded
   as the sender's own);
3. for an answer to a question the service checks, replaces what the kernel reported by the
   service's own record of that check (verdict, score, attempt number across sessions) and
   links the two; an answer the service never checked — an edited or forged line in a spool
   file, an attempt beyond the limit — is kept for the record but marked unverified, with no
   response to re-grade and no credit;
4. records a receipt (the database assigns the server sequence number; a statement id seen
   before is a retry, answered as a duplicate) and stamps the server's ``stored`` time and
   sequence number into the statement;
5. adds the batch to the evidence store's table (the store skips ids it already has).

Steps 3 to 5 are one database transaction (one commit, one flush of the log): receipts and
statements are stored together or not at all. A retry of a batch whose answer was lost
rebuilds the same statements from the receipts and check links, so nothing is lost or doubled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..course.statements import course_event
from ..evidence.index import index_statement
from ..evidence.privacy import pseudonymise
from ..evidence.statements import EXT, statement_to_event
from . import db
from .keys import is_keyed, service_seed
from .ledger import Ledger
from .roles import LEARNER, Membership

__all__ = ["IngestResult", "canonical_json", "ingest"]

SERVER_SEQ = EXT + "server-seq"
"""Extension key of the service's sequence number."""
_E_EVENT = EXT + "event"
MAX_STATEMENT = 256 * 1024
"""Characters of JSON one statement may take (a learner's code answer is at most 100,000)."""


def canonical_json(value: Any) -> str:
    """A response as comparable JSON text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class IngestResult:
    """What became of a posted batch."""

    accepted: list[str] = field(default_factory=list)
    """Ids stored now."""
    duplicates: list[str] = field(default_factory=list)
    """Ids stored before (a retry)."""
    rejected: list[dict[str, str]] = field(default_factory=list)
    """``{"id", "reason"}`` of statements refused for good (retrying will not help)."""

    def as_json(self) -> dict[str, Any]:
        """The response body."""
        return {
            "accepted": len(self.accepted),
            "duplicates": len(self.duplicates),
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class _Item:
    statement: dict[str, Any]
    id: str
    lesson: str
    registration: str
    step: str | None
    answered: bool


def _admit(
    ledger: Ledger, user: str, raw: Any, membership: Membership, result: IngestResult
) -> _Item | None:
    sid = str(raw.get("id", "?")) if isinstance(raw, Mapping) else "?"
    try:
        if not isinstance(raw, Mapping):
            raise ValueError("a statement must be a JSON object")
        text = json.dumps(raw)
        if len(text) > MAX_STATEMENT:
            raise ValueError(f"larger than {MAX_STATEMENT // 1024} KiB")
        statement = json.loads(text)  # a private, plain copy
        index = index_statement(statement)
        goal = course_event(statement) if index.lesson.startswith("course:") else None
        event = statement_to_event(statement) if goal is None else None
    except (ValueError, TypeError, KeyError) as exc:
        result.rejected.append({"id": sid, "reason": f"not a lessonkit statement: {exc}"})
        return None
    if goal is not None:  # a course file's own statement: the learner's goals only
        refused = _goal_refused(ledger, user, membership, index.lesson, goal)
    else:
        refused = _lesson_refused(ledger, user, membership, index.lesson)
    if refused:
        result.rejected.append({"id": index.id, "reason": refused})
        return None
    # Stored as the authenticated user's, whatever the statement claimed.
    statement["id"] = index.id
    statement["actor"] = {
        "objectType": "Agent",
        "account": {"homePage": ledger.home_page, "name": user},
    }
    if event is None:
        statement["context"].pop("instructor", None)  # a learner's own goal: no teacher's
        return _Item(statement, index.id, index.lesson, index.registration, None, False)
    return _Item(
        statement,
        index.id,
        index.lesson,
        index.registration,
        event.step_id,
        event.kind == "answered",
    )


def _lesson_refused(ledger: Ledger, user: str, membership: Membership, lesson: str) -> str | None:
    """Why a session statement of ``lesson`` is refused from ``user``, or None."""
    courses = ledger.config.courses_of(lesson)
    if not courses:
        return f"lesson {lesson!r} is not part of any course on this service"
    if not any(membership.at_least(user, c, LEARNER) for c in courses):
        return f"{user} is not in a course with lesson {lesson!r}"
    return None


LEARNER_COURSE_KINDS = frozenset({"goal-set", "goal-removed"})
"""Course statements a learner writes (the learning plan's goals); the others — assignments,
judgements, notes, extensions — are a teacher's, recorded by the class view."""


def _goal_refused(
    ledger: Ledger, user: str, membership: Membership, key: str, goal: Any
) -> str | None:
    """Why a learner's course statement (under a course file's ``key``) is refused, or None."""
    if goal.kind not in LEARNER_COURSE_KINDS:
        return f"{goal.kind!r} is recorded by a teacher in the class view, not sent by a learner"
    courses = ledger.config.courses_on_plan(key)
    if not courses:
        return f"{key!r} is not the course file of any course on this service"
    if not any(membership.at_least(user, name, LEARNER) for name in courses):
        return f"{user} is not in a course with {key!r}"
    if goal.kind == "goal-set":
        from ..course.storage import check_target

        plan = ledger.config.courses[courses[0]].plan
        assert plan is not None  # courses_on_plan found it by its key
        try:
            check_target(plan, goal.target, goal.target_id, lesson_ok=False)
        except ValueError as exc:
            return str(exc)
    return None


def _keyed(ledger: Ledger, item: _Item) -> Any:
    """The question of an answer the service checks (``None`` for anything else)."""
    if not item.answered or item.step is None:
        return None
    for name in ledger.config.courses_of(item.lesson):
        course = ledger.config.courses[name]
        lesson = course.lessons[item.lesson]
        if lesson.has_step(item.step):
            step = lesson.step(item.step)
            from ..lesson.model import Question

            keyed = isinstance(step, Question) and is_keyed(step, course.code_checks)
            return step if keyed else None
    return None


def _bind(conn: sa.Connection, user: str, item: _Item, *, claim: bool) -> Any:
    """The check row this answer reports, linked to it (``None``: the service never checked
    this answer). Only a statement seen for the first time may ``claim`` a free row."""
    c = db.checks.c
    mine = (c.learner == user) & (c.lesson == item.lesson) & (c.question == item.step)
    row = conn.execute(sa.select(db.checks).where(mine & (c.statement_id == item.id))).first()
    if row is not None or not claim:
        return row
    data = item.statement["context"]["extensions"][_E_EVENT].get("data") or {}
    raw = canonical_json(data.get("raw"))
    free = sa.select(db.checks).where(mine & c.statement_id.is_(None) & (c.raw == raw))
    for row in conn.execute(free.order_by(c.attempt)).all():
        claimed = conn.execute(
            sa.update(db.checks)
            .where((c.id == row.id) & c.statement_id.is_(None))
            .values(statement_id=item.id)
        )
        if claimed.rowcount == 1:
            return row
    return None


def _apply_check(statement: dict[str, Any], row: Any, seed: int | None = None) -> None:
    """Make an answered statement say what the service concluded (``row``), against the
    variant of ``seed``, or mark it unverified (``row`` is ``None``)."""
    ext = statement["context"]["extensions"]
    data = dict(ext[_E_EVENT].get("data") or {})
    result = statement.setdefault("result", {})
    max_points = data.get("max_points")
    if row is None:
        # Nothing a re-grade could read as an answer: the claim is kept apart.
        claimed = {"raw": data.get("raw"), "response": data.get("response")}
        data.update(verified=False, correct=False, score=0.0, points=0.0, raw=None, response="")
        data["claimed"] = claimed
        result.pop("response", None)
        result["success"] = False
        scaled = 0.0
    else:
        data.update(
            verified=True,
            check=int(row.id),
            correct=bool(row.correct),
            score=float(row.score),
            attempt=int(row.attempt),
            raw=json.loads(row.raw),
            response=row.response,
        )
        if seed is not None:  # the variant the service checked, not one the kernel claims
            data["variant_seed"] = seed
        ext[EXT + "attempt"] = int(row.attempt)
        result["success"] = bool(row.correct)
        if row.response:
            result["response"] = row.response
        scaled = float(row.score)
    if isinstance(max_points, int | float) and not isinstance(max_points, bool):
        data["points"] = scaled * float(max_points)
        result["score"] = {"scaled": scaled, "raw": data["points"], "min": 0.0}
        result["score"]["max"] = float(max_points)
        if not 0 <= data["points"] <= float(max_points):
            result["score"] = {"scaled": scaled}
    else:
        result["score"] = {"scaled": scaled}
    ext[_E_EVENT] = {**ext[_E_EVENT], "data": data}


def _no_restarts(
    ledger: Ledger, user: str, items: list[_Item], result: IngestResult
) -> list[_Item]:
    """Refuse a second session of a lesson whose settings forbid restarting it."""
    kept = []
    sessions: dict[str, list[str]] = {}
    for item in items:
        lesson = ledger.config.lesson(item.lesson)
        if lesson is None or lesson.settings.allow_restart:
            kept.append(item)
            continue
        if item.lesson not in sessions:
            sessions[item.lesson] = ledger.store.registrations(user, item.lesson)
        known = sessions[item.lesson]
        if not known:
            known.append(item.registration)  # the first session of this lesson
        if item.registration in known:
            kept.append(item)
        else:
            reason = f"lesson {item.lesson!r} cannot be restarted: continue your first session"
            result.rejected.append({"id": item.id, "reason": reason})
    return kept


def _forward_body(ledger: Ledger, statement: dict[str, Any]) -> str | None:
    lrs = ledger.config.lrs
    if lrs is None:
        return None
    body = json.loads(json.dumps(statement))
    if lrs.pseudonymise:
        body = next(pseudonymise([body], ledger.salt))
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def ingest(
    ledger: Ledger, user: str, statements: Sequence[Any], membership: Membership
) -> IngestResult:
    """Check, stamp and store ``statements`` posted by ``user`` (see the module docstring)."""
    result = IngestResult()
    items = [i for raw in statements if (i := _admit(ledger, user, raw, membership, result))]
    items = _no_restarts(ledger, user, items, result)
    if not items:
        return result
    unique: dict[str, _Item] = {}
    for item in items:
        unique.setdefault(item.id, item)
    items = list(unique.values())
    stored_now = ledger.now()
    r = db.receipts.c
    ids = [i.id for i in items]
    questions = {i.id: q for i in items if (q := _keyed(ledger, i)) is not None}
    keyed = [i for i in items if i.id in questions]
    # One transaction: receipts, check links and the statements themselves, durable together.
    with db.write(ledger.engine) as conn:
        known: set[str] = set()
        if keyed:  # only an answer seen for the first time may claim a check
            query = sa.select(r.statement_id).where(r.statement_id.in_([i.id for i in keyed]))
            known = set(conn.execute(query).scalars())
        for item in keyed:
            row = _bind(conn, user, item, claim=item.id not in known)
            seed = service_seed(user, item.lesson, questions[item.id])
            _apply_check(item.statement, row, seed)
        rows = [
            {
                "statement_id": i.id,
                "learner": user,
                "lesson": i.lesson,
                "stored": stored_now,
                "forward": db.FORWARD_PENDING if ledger.config.lrs else db.FORWARD_NONE,
                "body": _forward_body(ledger, i.statement),
            }
            for i in items
        ]
        insert = _insert(conn).on_conflict_do_nothing(index_elements=["statement_id"])
        returning = insert.returning(r.statement_id, r.learner, r.server_seq, r.stored)
        found = {row.statement_id: row for row in conn.execute(returning, rows)}
        new = set(found)
        if len(found) < len(ids):  # retries: read the receipts made the first time
            query = sa.select(r.statement_id, r.learner, r.server_seq, r.stored)
            older = [i for i in ids if i not in found]
            found.update(
                (row.statement_id, row)
                for row in conn.execute(query.where(r.statement_id.in_(older)))
            )
        stamped = []
        for item in items:
            receipt = found[item.id]
            if receipt.learner != user:
                reason = "this statement id is already used by another learner"
                result.rejected.append({"id": item.id, "reason": reason})
                continue
            item.statement["stored"] = receipt.stored
            item.statement["context"]["extensions"][SERVER_SEQ] = int(receipt.server_seq)
            stamped.append(item.statement)
            (result.accepted if item.id in new else result.duplicates).append(item.id)
        ledger.store.append_in(conn, stamped)  # the store skips ids it has (a retry)
    return result


def _insert(conn: sa.Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(db.receipts)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(db.receipts)
