"""Statements in one SQL table, through SQLAlchemy 2 Core: SQLite or PostgreSQL (psycopg 3).

Table ``lessonkit_statements``: ``id`` (primary key), ``learner``, ``learner_home``,
``lesson``, ``registration``, ``seq``, ``verb``, ``timestamp`` (ISO 8601 UTC text, sortable),
``stored`` and ``statement`` (the statement's JSON text), indexed for the usual questions
(a learner's sessions of a lesson, a learner's data, a registration in order, a time range, a
verb). Table
``lessonkit_meta`` holds the schema version.

Appending the same statement twice is a no-op on both dialects
(``INSERT … ON CONFLICT (id) DO NOTHING``), so a retried write is safe.

Durability promise
------------------
:meth:`SqlStore.append` returns after its transaction committed. SQLite runs in WAL mode with
``synchronous=FULL`` (a commit survives power loss, not only a process crash), a busy timeout,
and write transactions opened with ``BEGIN IMMEDIATE``, so concurrent writers queue for the
write lock instead of failing with "database is locked". SQLite's locking is unsafe on network
file systems (NFS): use the JSON-lines store there. PostgreSQL commits are durable with the
server's default ``synchronous_commit = on``.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ...errors import StorageError
from ..jsontext import loads
from ..safefs import PRIVATE_FILE, current_uid, is_link
from ..statements import format_timestamp
from .base import BaseStore, Filter, Learner, Statement, StoreWarning, prepare

__all__ = ["SCHEMA_VERSION", "SqlStore", "metadata", "prepare_database_file", "statements_table"]

SCHEMA_VERSION = "1"
"""Version of the table layout written by this lessonkit."""

metadata = sa.MetaData()
statements_table = sa.Table(
    "lessonkit_statements",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("learner", sa.Text, nullable=False),
    sa.Column("learner_home", sa.Text, nullable=False),
    sa.Column("lesson", sa.Text, nullable=False),
    sa.Column("registration", sa.String(36), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("verb", sa.Text, nullable=False),
    sa.Column("timestamp", sa.String(32), nullable=False),
    sa.Column("stored", sa.String(32), nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Index("ix_lessonkit_statements_lesson_learner", "lesson", "learner"),
    sa.Index("ix_lessonkit_statements_registration_seq", "registration", "seq"),
    sa.Index("ix_lessonkit_statements_timestamp", "timestamp"),
    sa.Index("ix_lessonkit_statements_verb", "verb"),
    # a learner's own data and its erasure select by account name alone
    sa.Index("ix_lessonkit_statements_learner", "learner"),
)
meta_table = sa.Table(
    "lessonkit_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DDL_LOCK = 0x1E550_4B17  # pg_advisory_xact_lock key serialising schema creation


_SIDECARS = ("", "-wal", "-shm", "-journal")
"""SQLite's files for a database: itself, its write-ahead log, shared memory, rollback journal."""


def _refuse_links(path: Path) -> None:
    """Refuse a symbolic link at the database path or at one of its sidecar files' names."""
    for suffix in _SIDECARS:
        name = Path(f"{path}{suffix}")
        if is_link(name):
            raise StorageError(
                f"{name} is a symbolic link; lessonkit does not open evidence databases "
                "through links (a planted link could redirect the evidence). Remove it"
            )


def _private_database_file(path: Path) -> None:
    """Create the database file ``0600`` before SQLite does (SQLite would use ``0644`` less
    the umask; its WAL and shared-memory files copy the database file's mode). An existing
    database of the current user is tightened to ``0600``; one of another user is left as it
    is (a grader may read it)."""
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE)
    except FileExistsError:
        uid = current_uid()
        for suffix in _SIDECARS:
            name = Path(f"{path}{suffix}")
            try:
                info = name.lstat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError(f"cannot open evidence database {name}: {exc}") from exc
            if info.st_uid == uid and stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
                os.chmod(name, PRIVATE_FILE)
        return
    except OSError as exc:
        raise StorageError(f"cannot create evidence database {path}: {exc}") from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)  # exactly 0600, whatever the umask
    finally:
        os.close(fd)


def prepare_database_file(url: str) -> None:
    """Before another engine opens a SQLite file URL: refuse links at its names and create it
    ``0600`` (as :class:`SqlStore` does itself). Other URLs: nothing to do."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        _refuse_links(path)
        _private_database_file(path)


class SqlStore(BaseStore):
    """A SQLite or PostgreSQL store.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path.db``, ``sqlite://`` (in memory) or
        ``postgresql+psycopg://user@host:port/db``.
    create
        Create the tables if missing (default). With ``False`` a missing database file or
        table is a :class:`~lessonkit.errors.StorageError`.
    busy_timeout
        Seconds a SQLite writer waits for the write lock before failing.
    """

    def __init__(self, url: str, *, create: bool = True, busy_timeout: float = 30.0) -> None:
        super().__init__()
        self.url = url
        try:
            parsed = make_url(url)
        except sa.exc.ArgumentError as exc:
            raise StorageError(f"not a database URL: {url!r} ({exc})") from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise StorageError(f"{url}: only SQLite and PostgreSQL are supported")
        if self.dialect == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database or "")
            _refuse_links(path)
            if not create and not path.is_file():
                raise StorageError(f"no evidence database at {path}")
            if create:
                _private_database_file(path)
        try:
            self._engine = self._make_engine(parsed, busy_timeout)
            self._setup(create)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot open evidence database {self._safe_url}: {exc}") from exc
        except ImportError as exc:
            raise StorageError(
                f"{self._safe_url}: the database driver is missing ({exc}); for PostgreSQL "
                "install psycopg: pip install 'lessonkit[postgres]'"
            ) from exc
        self._insert = self._make_insert()

    @property
    def _safe_url(self) -> str:
        """The URL with any password hidden."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return "<database>"

    def _make_engine(self, url: sa.URL, busy_timeout: float) -> sa.Engine:
        if self.dialect == "postgresql":
            return sa.create_engine(url, pool_pre_ping=True)
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling would BEGIN DEFERRED; we begin ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection: sa.Connection) -> None:
            write = connection.get_execution_options().get("lessonkit_write")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def _write(self) -> Any:
        """A connection whose transaction takes the write lock at once (SQLite)."""
        return self._engine.connect().execution_options(lessonkit_write=True)

    def _setup(self, create: bool) -> None:
        with self._write() as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_DDL_LOCK)))
            tables = set(sa.inspect(conn).get_table_names())
            if not {"lessonkit_statements", "lessonkit_meta"} <= tables:
                if not create:
                    raise StorageError(f"{self._safe_url} holds no lessonkit evidence")
                metadata.create_all(conn, checkfirst=True)
            query = sa.select(meta_table.c.value).where(meta_table.c.key == "schema")
            version = conn.execute(query).scalar()
            if version is None and create:
                conn.execute(meta_table.insert().values(key="schema", value=SCHEMA_VERSION))
                version = SCHEMA_VERSION
        if version != SCHEMA_VERSION:
            raise StorageError(
                f"{self._safe_url} uses evidence schema {version!r}; this lessonkit reads and "
                f"writes schema {SCHEMA_VERSION} (upgrade lessonkit)"
            )

    def _make_insert(self) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(statements_table).on_conflict_do_nothing(index_elements=["id"])
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(statements_table).on_conflict_do_nothing(index_elements=["id"])

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Insert statements in one transaction; durable when it returns (see module doc)."""
        self._check_open()
        rows = self._rows(statements)
        if not rows:
            return
        try:
            with self._write() as conn, conn.begin():
                conn.execute(self._insert, rows)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot write evidence to {self._safe_url}: {exc}") from exc

    def append_in(self, conn: sa.Connection, statements: Iterable[Mapping[str, Any]]) -> None:
        """Insert statements on ``conn`` (a connection to this store's database), inside the
        caller's transaction: durable when the caller commits. The course service stores
        statements with their receipts this way, in one transaction.

        Raises
        ------
        StorageError
            If a statement cannot be indexed or serialised (nothing is inserted).
        """
        self._check_open()
        rows = self._rows(statements)
        if rows:
            conn.execute(self._insert, rows)

    def _rows(self, statements: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        stored = format_timestamp(datetime.now(UTC))
        return [
            {
                "id": index.id,
                "learner": index.learner,
                "learner_home": index.learner_home,
                "lesson": index.lesson,
                "registration": index.registration,
                "seq": index.seq,
                "verb": index.verb,
                "timestamp": index.timestamp,
                "stored": stored,
                "statement": text,
            }
            for index, text in prepare(statements)
        ]

    def _where(self, wanted: Filter) -> list[Any]:
        c = statements_table.c
        clauses: list[Any] = []
        if wanted.learner is not None:
            clauses.append(c.learner == wanted.learner)
        if wanted.home is not None:
            clauses.append(c.learner_home == wanted.home)
        if wanted.lesson is not None:
            clauses.append(c.lesson == wanted.lesson)
        if wanted.registration is not None:
            clauses.append(c.registration == wanted.registration)
        if wanted.since is not None:
            clauses.append(c.timestamp > wanted.since)
        return clauses

    def read(
        self,
        learner: Learner | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Statement]:
        """Matching statements ordered by registration and ``seq``, streamed in chunks.

        A row whose JSON cannot be parsed is skipped with a
        :class:`~lessonkit.evidence.stores.StoreWarning`.
        """
        self._check_open()
        c = statements_table.c
        query = (
            sa.select(c.id, c.statement)
            .where(*self._where(Filter(learner, lesson, registration, since)))
            .order_by(c.registration, c.seq, c.id)
        )
        try:
            with self._engine.connect() as conn:
                result = conn.execution_options(yield_per=2000).execute(query)
                for sid, text in result:
                    try:
                        statement = loads(text)
                    except (ValueError, TypeError):
                        warnings.warn(
                            f"{self._safe_url}: statement {sid} is not valid JSON; skipped",
                            StoreWarning,
                            stacklevel=2,
                        )
                        continue
                    yield statement
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot read evidence from {self._safe_url}: {exc}") from exc

    def registrations(self, learner: Learner, lesson: str) -> list[str]:
        """Registrations of ``learner`` in ``lesson``, oldest first."""
        self._check_open()
        c = statements_table.c
        first = sa.func.min(c.timestamp)
        query = (
            sa.select(c.registration, first)
            .where(*self._where(Filter(learner, lesson, None, None)))
            .group_by(c.registration)
            .order_by(first, c.registration)
        )
        try:
            with self._engine.connect() as conn:
                return [row[0] for row in conn.execute(query)]
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot read evidence from {self._safe_url}: {exc}") from exc

    def count(self) -> int:
        """How many statements are stored."""
        self._check_open()
        with self._engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(statements_table)).scalar_one()
            )

    def close(self) -> None:
        """Dispose of the connection pool."""
        if not self._closed:
            self._engine.dispose()
        super().close()
