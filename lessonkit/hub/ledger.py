"""The service's state, all in one database: the evidence store plus the service's tables.

:class:`Ledger` opens both on one URL (PostgreSQL, or SQLite for a small hub): statements go
through the existing store layer (:class:`~lessonkit.evidence.stores.SqlStore`), receipts,
checked answers and the LRS outbox into :mod:`lessonkit.hub.db`. Opening it brings the
database to the schema this lessonkit needs (:mod:`lessonkit.hub.schema`), or refuses. Its
methods are blocking; the web application runs them in a thread pool.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..errors import StorageError
from ..evidence.identity import hub_home_page
from ..evidence.statements import format_timestamp
from ..evidence.stores.sql import SqlStore, prepare_database_file, statements_table
from . import db, schema
from .config import HubConfig

__all__ = ["Ledger"]


class Ledger:
    """The evidence store and the service's tables on one database."""

    def __init__(self, config: HubConfig, *, migrate: bool = True) -> None:
        self.config = config
        prepare_database_file(config.database)
        self.engine = db.make_engine(config.database)
        try:
            # the schema revisions this opening applied (usually none)
            self.migrated = schema.ensure(self.engine, migrate=migrate)
            self.store = SqlStore(config.database, create=False)
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            url = self.engine.url.render_as_string(hide_password=True)
            raise StorageError(f"cannot open the service database {url}: {exc}") from exc
        except BaseException:
            self.engine.dispose()
            raise
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

    def store_has(self, statement_id: str) -> bool:
        """Whether the evidence store holds the statement ``statement_id``."""
        query = sa.select(statements_table.c.id).where(statements_table.c.id == statement_id)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def ping(self) -> None:
        """One trivial query: the database is there."""
        with self.engine.connect() as conn:
            conn.execute(sa.select(1))

    def counts(self) -> dict[str, int]:
        """Statements stored and received (for health checks and tests)."""
        with self.engine.connect() as conn:
            received = conn.execute(sa.select(sa.func.count()).select_from(db.receipts))
            return {"received": int(received.scalar_one()), "stored": self.store.count()}

    def home_pages(self) -> dict[str, int]:
        """Account home pages of the stored statements, with how many carry each (an
        administrator's check of ``home_page:``)."""
        home = statements_table.c.learner_home
        query = sa.select(home, sa.func.count()).group_by(home).order_by(home)
        with self.engine.connect() as conn:
            return {str(page): int(n) for page, n in conn.execute(query)}

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
