"""Forwarding statements to an xAPI Learning Record Store, at least once, idempotently.

Every statement the service accepts while an LRS is configured gets an outbox entry (its
receipt, ``forward = pending``, with the exact body to send). A background task of each
replica takes a batch of pending entries — on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so
replicas never send the same batch at once — posts it to ``<lrs>/statements`` and marks it
delivered only after the LRS answered 2xx. A crash between the two sends the batch again;
that is safe because a statement keeps its id and its exact body, and an LRS answers a
repeated identical statement with success (Ralph: 204). A statement the LRS refuses for good
(400, 409, 422: e.g. the same id with another body) is marked refused, with the reason, and
retried one by one first so that one bad statement does not hold back its batch.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from . import db
from .config import LrsConfig
from .ledger import Ledger

__all__ = ["forward_once", "forwarder", "pending"]

log = logging.getLogger("lessonkit.hub.lrs")
_PERMANENT = (400, 409, 413, 422)


def _post(lrs: LrsConfig, bodies: list[str]) -> tuple[int, str]:
    """POST a JSON array of statements; ``(status, text)``; network errors give status 0."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(lrs.url + "statements")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    if lrs.username:
        pair = f"{lrs.username}:{lrs.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    conn = cls(parts.netloc, timeout=30)
    try:
        conn.request("POST", parts.path, body="[" + ",".join(bodies) + "]", headers=headers)
        response = conn.getresponse()
        # Only the start of the answer is kept (for the log): an LRS answering with a huge
        # body must not fill the service's memory. The connection is closed after it.
        return response.status, response.read(64 * 1024).decode("utf-8", "replace")[:500]
    except (OSError, http.client.HTTPException) as exc:
        return 0, str(exc)
    finally:
        conn.close()


def _mark(conn: sa.Connection, seqs: list[int], state: int, error: str | None = None) -> None:
    r = db.receipts.c
    values: dict[str, Any] = {"forward": state, "forward_error": error}
    if state == db.FORWARD_DONE:
        values["body"] = None  # delivered: the store keeps the statement
    conn.execute(sa.update(db.receipts).where(r.server_seq.in_(seqs)).values(**values))


def _deliver(rows: Sequence[Any], lrs: LrsConfig, mark: Callable[..., None]) -> tuple[int, int]:
    status, text = _post(lrs, [row.body for row in rows])
    if 200 <= status < 300:
        mark([row.server_seq for row in rows], db.FORWARD_DONE)
        return len(rows), 0
    if status not in _PERMANENT:
        raise ConnectionError(f"LRS {lrs.url}: HTTP {status} {text}")
    delivered = refused = 0
    for row in rows:  # find the statement(s) the LRS refuses
        status, text = _post(lrs, [row.body])
        if 200 <= status < 300:
            mark([row.server_seq], db.FORWARD_DONE)
            delivered += 1
        elif status in _PERMANENT:
            mark([row.server_seq], db.FORWARD_REFUSED, f"HTTP {status}: {text}")
            refused += 1
            log.warning("the LRS refused statement #%s: HTTP %s %s", row.server_seq, status, text)
        else:
            raise ConnectionError(f"LRS {lrs.url}: HTTP {status} {text}")
    return delivered, refused


def forward_once(ledger: Ledger, lrs: LrsConfig) -> tuple[int, int]:
    """Forward one batch of pending statements; ``(delivered, refused)``.

    Raises
    ------
    ConnectionError
        The LRS could not be reached or failed (5xx, 401...): the batch stays pending.
    """
    r = db.receipts.c
    query = (
        sa.select(r.server_seq, r.body)
        .where(r.forward == db.FORWARD_PENDING)
        .order_by(r.server_seq)
        .limit(lrs.batch_size)
    )
    if ledger.engine.dialect.name == "postgresql":
        # Row locks held while posting: other replicas skip this batch, writers are not held.
        with db.write(ledger.engine) as conn:
            rows = conn.execute(query.with_for_update(skip_locked=True)).all()
            return _deliver(rows, lrs, lambda *a: _mark(conn, *a)) if rows else (0, 0)
    # SQLite (one replica): no write lock may be held while the LRS answers.
    with ledger.engine.connect() as conn:
        rows = conn.execute(query).all()

    def mark(*args: Any) -> None:
        with db.write(ledger.engine) as conn:
            _mark(conn, *args)

    return _deliver(rows, lrs, mark) if rows else (0, 0)


async def forwarder(service: Any) -> None:
    """Run forever in the service: forward whenever statements arrive, back off on failure."""
    lrs = service.config.lrs
    if lrs is None:
        return
    backoff = lrs.interval
    while True:
        try:
            delivered, refused = await service.run(forward_once, service.ledger, lrs)
            backoff = lrs.interval
        except (ConnectionError, sa.exc.SQLAlchemyError) as exc:
            log.warning("forwarding to the LRS failed, will retry: %s", exc)
            delivered = refused = 0
            backoff = min(backoff * 2, 60.0)
        if delivered or refused:
            continue  # more may be waiting
        service.wake_forwarder.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.wake_forwarder.wait(), timeout=backoff)


def pending(ledger: Ledger) -> dict[str, int]:
    """How many statements wait, were delivered, or were refused (for health and tests)."""
    r = db.receipts.c
    with ledger.engine.connect() as conn:
        rows = conn.execute(sa.select(r.forward, sa.func.count()).group_by(r.forward)).all()
    names = {
        db.FORWARD_PENDING: "pending",
        db.FORWARD_DONE: "delivered",
        db.FORWARD_REFUSED: "refused",
        db.FORWARD_NONE: "not forwarded",
    }
    return {names[int(state)]: int(count) for state, count in rows}
