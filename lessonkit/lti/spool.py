"""The grade spool: at least once to the LMS, idempotent, never in a learner's way.

:func:`queue` records the score a learner should have on a line item. A score equal to the
one already wanted (the same grade from the same evidence: :func:`~.scores.fingerprint`) is
not queued again; a new one replaces a pending one (the gradebook wants the latest grade,
not every step). :func:`deliver` claims due entries with a lease (``next_try`` moved into
the future in the claiming transaction, so replicas and the CLI never post the same entry at
once), posts them, and records the outcome:

- 2xx: delivered; 409 (the platform holds a score at least as recent): delivered too — the
  same entry sent again after a crash between posting and recording;
- no answer, 5xx, 401, 408, 429: tried again later, backing off up to ``MAX_BACKOFF``;
- any other 4xx: refused, with the platform's reason (``lessonkit hub lti status``).

Nothing here blocks a learner: the service's statements are stored first; grades follow.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .scores import fingerprint, stamp
from .services import HttpResult
from .store import DELIVERED, PENDING, REFUSED, as_json, scores

__all__ = ["MAX_BACKOFF", "Delivery", "deliver", "queue"]

MAX_BACKOFF = 300.0
LEASE = 120.0


@dataclass(slots=True)
class Delivery:
    """What one round of deliveries did."""

    delivered: int = 0
    retry: int = 0
    refused: int = 0


def queue(
    engine: sa.Engine,
    *,
    issuer: str,
    lineitem_url: str,
    sub: str,
    course: str,
    item: str,
    username: str,
    body: Mapping[str, Any],
    evidence_time: str,
    now: str,
) -> bool:
    """Queue ``body`` (a score without timestamp) unless it is the score already wanted (the
    same content; its timestamp follows ``evidence_time``, after any sent before)."""
    mark = fingerprint(body)
    where = sa.and_(
        scores.c.issuer == issuer, scores.c.lineitem_url == lineitem_url, scores.c.sub == sub
    )
    with engine.begin() as conn:
        row = conn.execute(sa.select(scores).where(where)).first()
        if row is not None and row.fingerprint == mark:
            return False
        full = {**body, "timestamp": stamp(evidence_time, row.sent_timestamp if row else None)}
        values = {
            "body": as_json(full),
            "fingerprint": mark,
            "state": PENDING,
            "attempts": 0,
            "next_try": 0.0,
            "error": None,
            "course": course,
            "item": item,
            "username": username,
            "updated": now,
        }
        if row is None:
            conn.execute(
                sa.insert(scores).values(
                    issuer=issuer, lineitem_url=lineitem_url, sub=sub, deliveries=0, **values
                )
            )
        else:
            conn.execute(sa.update(scores).where(scores.c.id == row.id).values(**values))
    return True


def _claim(engine: sa.Engine, now: float, limit: int, course: str | None) -> list[Any]:
    query = (
        sa.select(scores)
        .where(scores.c.state == PENDING, scores.c.next_try <= now)
        .order_by(scores.c.id)
        .limit(limit)
    )
    if course:
        query = query.where(scores.c.course == course)
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with engine.begin() as conn:
        rows = list(conn.execute(query))
        if rows:
            conn.execute(
                sa.update(scores)
                .where(scores.c.id.in_([r.id for r in rows]))
                .values(next_try=now + LEASE)
            )
    return rows


def _record(engine: sa.Engine, row: Any, result: HttpResult, interval: float) -> str:
    sent = json.loads(row.body)
    with engine.begin() as conn:
        current = conn.execute(sa.select(scores.c.fingerprint).where(scores.c.id == row.id))
        unchanged = current.scalar() == row.fingerprint  # not replaced while posting
        if result.ok or result.status == 409:
            values: dict[str, Any] = {
                "sent_fingerprint": row.fingerprint,
                "sent_timestamp": sent["timestamp"],
                "deliveries": scores.c.deliveries + 1,
            }
            if unchanged:
                values.update(state=DELIVERED, error=None if result.ok else "HTTP 409: kept")
            outcome = "delivered"
        elif result.retry:
            backoff = min(interval * 2 ** min(row.attempts, 10), MAX_BACKOFF)
            values = {
                "attempts": row.attempts + 1,
                "next_try": time.time() + backoff,
                "error": f"HTTP {result.status}: {result.text[:300]}",
            }
            outcome = "retry"
        else:
            values = {"error": f"HTTP {result.status}: {result.text[:300]}"}
            if unchanged:
                values["state"] = REFUSED
            outcome = "refused"
        conn.execute(sa.update(scores).where(scores.c.id == row.id).values(**values))
    return outcome


def deliver(
    engine: sa.Engine,
    post: Callable[[str, str, Mapping[str, Any]], HttpResult],
    *,
    interval: float = 10.0,
    limit: int = 50,
    course: str | None = None,
) -> Delivery:
    """Post due scores: ``post(issuer, lineitem_url, score)`` (see the module doc)."""
    done = Delivery()
    for row in _claim(engine, time.time(), limit, course):
        result = post(row.issuer, row.lineitem_url, json.loads(row.body))
        outcome = _record(engine, row, result, interval)
        setattr(done, outcome, getattr(done, outcome) + 1)
    return done


def wake(engine: sa.Engine, course: str | None = None) -> int:
    """Make every pending score due now (the platform is back; the instructor asked)."""
    query = sa.update(scores).where(scores.c.state == PENDING).values(next_try=0.0)
    if course:
        query = query.where(scores.c.course == course)
    with engine.begin() as conn:
        return int(conn.execute(query).rowcount)
