"""The service's own tables, beside the evidence store's, in the same database.

``lessonkit_hub_receipts``
    One row per statement the service accepted: the server sequence number (``server_seq``,
    assigned by the database, so replicas never collide), the statement id (unique: a retried
    POST is recognised), whose it is, when it was stored, and its forwarding state for the LRS
    (``forward``: 0 nothing to do, 1 pending, 2 delivered, 3 refused by the LRS; ``body``
    holds the statement until it is delivered).
``lessonkit_hub_checks``
    One row per answer the service checked against a key: the learner, lesson, question,
    the attempt number across all the learner's sessions (unique, so two replicas cannot
    both count attempt 2), the response, the verdict, and the statement that later reported
    it (``statement_id``).

The tables are created and changed by the migrations (:mod:`.schema`), never by
``create_all``: ``metadata`` here is what the code expects, and a test checks that the
migrations produce exactly that.

SQLite gets the same write discipline as the evidence store (WAL, ``BEGIN IMMEDIATE``, a busy
timeout); PostgreSQL needs nothing special.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = [
    "FORWARD_DONE",
    "FORWARD_NONE",
    "FORWARD_PENDING",
    "FORWARD_REFUSED",
    "checks",
    "make_engine",
    "metadata",
    "receipts",
    "write",
]

FORWARD_NONE, FORWARD_PENDING, FORWARD_DONE, FORWARD_REFUSED = 0, 1, 2, 3

metadata = sa.MetaData()
_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

receipts = sa.Table(
    "lessonkit_hub_receipts",
    metadata,
    sa.Column("server_seq", _BigId, primary_key=True, autoincrement=True),
    sa.Column("statement_id", sa.String(36), nullable=False, unique=True),
    sa.Column("learner", sa.Text, nullable=False),
    sa.Column("lesson", sa.Text, nullable=False),
    sa.Column("stored", sa.String(32), nullable=False),
    sa.Column("forward", sa.SmallInteger, nullable=False, default=FORWARD_NONE),
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("forward_error", sa.Text, nullable=True),
    sa.Index("ix_lessonkit_hub_receipts_forward", "forward", "server_seq"),
    sa.Index("ix_lessonkit_hub_receipts_learner", "learner", "lesson"),
)

checks = sa.Table(
    "lessonkit_hub_checks",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("learner", sa.Text, nullable=False),
    sa.Column("lesson", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("response", sa.Text, nullable=False),
    sa.Column("feedback", sa.Text, nullable=False),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("statement_id", sa.String(36), nullable=True),
    sa.UniqueConstraint("learner", "lesson", "question", "attempt", name="uq_lessonkit_hub_try"),
)


def make_engine(url: str, *, busy_timeout: float = 30.0, pool_size: int = 16) -> sa.Engine:
    """An engine for the service's database (its tables are made by :mod:`.schema`).

    On PostgreSQL the pool keeps ``pool_size`` connections (one per worker thread of the
    service: fewer, and every request beyond them opened and closed a connection of its own)
    and may open half as many more for a moment.
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # No ping per checkout (a round trip each): a connection the server dropped fails one
        # request, which the learner's store retries; the pool then replaces it.
        engine = sa.create_engine(
            parsed, pool_recycle=300, pool_size=pool_size, max_overflow=pool_size // 2
        )
    else:
        engine = sa.create_engine(parsed, connect_args={"timeout": busy_timeout})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def write(engine: sa.Engine) -> Any:
    """A transaction (context manager) on ``engine``."""
    return engine.begin()
