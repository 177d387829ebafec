"""The service's state, all in one database: the evidence store plus the service's tables.

:class:`Ledger` opens both on one URL (PostgreSQL, or SQLite for a small hub): statements go
through the existing store layer (:class:`~lessonkit.evidence.stores.SqlStore`), receipts,
checked answers and the LRS outbox into :mod:`lessonkit.hub.db`. Its methods are blocking;
the web application runs them in a thread pool.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..evidence.identity import hub_home_page
from ..evidence.statements import format_timestamp
from ..evidence.stores.sql import SqlStore, statements_table
from . import db
from .config import HubConfig

__all__ = ["Ledger"]


class Ledger:
    """The evidence store and the service's tables on one database."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.store = SqlStore(config.database)
        self.engine = db.make_engine(config.database)
        self.receipts_engine = (
            db.make_engine(config.database, flush=False)
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        self.home_page = config.home_page or hub_home_page(os.environ)
        # A stable salt shared by replicas: the configured secret, else derived from the
        # service's own API token (which every replica has and no learner knows); a lone
        # development instance without either gets a random one.
        secret = (
            config.secret or os.environ.get("JUPYTERHUB_API_TOKEN", "").encode() or os.urandom(32)
        )
        self.salt = hmac.new(secret, b"lessonkit-pseudonyms", hashlib.sha256).digest()

    def now(self) -> str:
        """The server's time as an xAPI timestamp."""
        return format_timestamp(datetime.now(UTC))

    def read(
        self,
        learner: str | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Statements from the store (``learner`` is an account name on this hub)."""
        return self.store.read(
            learner=learner, lesson=lesson, registration=registration, since=since
        )

    def last_activity(self, lesson: str) -> dict[str, str]:
        """Learner -> server time of their latest statement in ``lesson``."""
        r = db.receipts.c
        query = (
            sa.select(r.learner, sa.func.max(r.stored))
            .where(r.lesson == lesson)
            .group_by(r.learner)
        )
        with self.engine.connect() as conn:
            return {str(a): str(b) for a, b in conn.execute(query)}

    def ping(self) -> None:
        """One trivial query: the database is there."""
        with self.engine.connect() as conn:
            conn.execute(sa.select(1))

    def counts(self) -> dict[str, int]:
        """Statements stored and received (for health checks and tests)."""
        with self.engine.connect() as conn:
            received = conn.execute(sa.select(sa.func.count()).select_from(db.receipts))
            return {"received": int(received.scalar_one()), "stored": self.store.count()}

    def delete_learner(self, learner: str, lessons: list[str] | None = None) -> dict[str, int]:
        """Delete a learner's statements, receipts and checked answers (of ``lessons``, or all).

        Statements already forwarded to an LRS are not touched there: delete them in the LRS.
        """
        s, r, c = statements_table.c, db.receipts.c, db.checks.c
        done: dict[str, int] = {}
        with db.write(self.engine) as conn:
            for name, table, who, what in (
                ("statements", statements_table, s.learner, s.lesson),
                ("receipts", db.receipts, r.learner, r.lesson),
                ("checks", db.checks, c.learner, c.lesson),
            ):
                query = sa.delete(table).where(who == learner)
                if name == "statements":
                    query = query.where(s.learner_home == self.home_page)
                if lessons is not None:
                    query = query.where(what.in_(lessons))
                done[name] = conn.execute(query).rowcount
        return done

    def purge_before(self, moment: datetime) -> dict[str, int]:
        """Delete everything stored before ``moment`` (a retention period's end)."""
        cutoff = format_timestamp(moment)
        with db.write(self.engine) as conn:
            return {
                "statements": conn.execute(
                    sa.delete(statements_table).where(statements_table.c.stored < cutoff)
                ).rowcount,
                "receipts": conn.execute(
                    sa.delete(db.receipts).where(db.receipts.c.stored < cutoff)
                ).rowcount,
                "checks": conn.execute(
                    sa.delete(db.checks).where(db.checks.c.created < cutoff)
                ).rowcount,
            }

    def close(self) -> None:
        """Release the connection pools."""
        self.store.close()
        self.engine.dispose()
        self.receipts_engine.dispose()
