"""The service database's layout, kept by Alembic migrations: at service start and on demand.

Every table the service creates in its database (the evidence store's ``lessonkit_statements``
and ``lessonkit_meta``, :mod:`.db`'s receipts and checks, and the LMS connection's
``lessonkit_lti_*`` of :mod:`lessonkit.lti.store`) is created and changed only by the revisions
in :mod:`lessonkit.hub.migrations`, which ship inside the package. The revision a
database is at is kept in ``lessonkit_alembic_version`` (not Alembic's default name: a
PostgreSQL database shared with the hub holds JupyterHub's own ``alembic_version``).

:func:`ensure` runs when the service starts: one query when the database is at :data:`HEAD`;
otherwise it upgrades in one transaction that holds a lock, so replicas starting together migrate
once and the others find the work done. On PostgreSQL the lock is the advisory lock lessonkit took
to create its tables before it had migrations (a replica of such a version still running during a
rolling upgrade never creates tables while a newer one migrates); on SQLite it is the write lock.
``lessonkit hub upgrade-db`` runs the same upgrade, prints the SQL instead (``--sql``), or lists
what would change (``--dry-run``). The hub's LMS login, in the hub's process, never migrates:
it waits for the service to do it (:func:`wait_for_head`).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .. import __version__
from ..errors import StorageError

__all__ = [
    "HEAD",
    "VERSION_TABLE",
    "SchemaError",
    "SchemaState",
    "ensure",
    "state",
    "upgrade",
    "upgrade_sql",
    "wait_for_head",
]

HEAD = "0003"
"""The revision this lessonkit's code reads and writes (a test keeps it equal to the scripts')."""
VERSION_TABLE = "lessonkit_alembic_version"
"""Where the database's revision is kept."""
MIGRATION_LOCK = 0x1E550_4B18
"""PostgreSQL advisory lock key held while the schema is created or changed."""
LEGACY_TABLES = frozenset(
    {"lessonkit_statements", "lessonkit_meta", "lessonkit_hub_receipts", "lessonkit_hub_checks"}
)
"""The tables lessonkit created before it recorded schema revisions."""
LTI_TABLES = frozenset(
    f"lessonkit_lti_{name}"
    for name in ("contexts", "links", "members", "deeplinks", "scores", "state")
)
"""The LMS tables, which builds before revision 0003 created with ``create_all``."""
ADOPTS = {"0001": LEGACY_TABLES, "0003": LTI_TABLES}
"""The revisions that adopt tables made without a revision, and those tables."""
_SCRIPTS = Path(__file__).with_name("migrations")


class SchemaError(StorageError):
    """The database's layout is not one this lessonkit can use (or upgrade to)."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database stands."""

    current: str | None
    """Its revision (``None``: never migrated)."""
    head: str = HEAD
    """The revision this lessonkit needs."""
    pending: list[tuple[str, str]] = field(default_factory=list)
    """Revisions an upgrade applies, oldest first: ``(revision, what it does)``."""
    unversioned: list[str] = field(default_factory=list)
    """lessonkit tables found that a pending revision adopts (made before they were under
    revisions): they are checked and kept, not created."""

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "current": self.current,
            "head": self.head,
            "pending": [{"revision": r, "change": doc} for r, doc in self.pending],
            "unversioned_tables": self.unversioned,
        }


def revision(conn: sa.Connection) -> str | None:
    """The revision recorded in the database (``None`` without a version table)."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    table = sa.table(VERSION_TABLE, sa.column("version_num"))
    found = conn.execute(sa.select(table.c.version_num)).scalars().all()
    if len(found) > 1:
        raise SchemaError(f"{VERSION_TABLE} holds several revisions: {sorted(found)}")
    return str(found[0]) if found else None


def _config(**attributes: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes.update(attributes)
    return config


def _pending(current: str | None) -> list[tuple[str, str]]:
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(_config())
    try:
        newest_first = list(scripts.iterate_revisions("heads", current or "base"))
    except (CommandError, RevisionError) as exc:
        raise SchemaError(
            f"the database is at schema revision {current!r}, which lessonkit {__version__} does "
            "not know: a newer lessonkit upgraded it. Run that version (or restore the backup "
            f"taken before the upgrade). ({exc})"
        ) from exc
    # a revision's first paragraph says what it changes
    return [(s.revision, " ".join((s.doc or "").split())) for s in reversed(newest_first)]


def state(engine: sa.Engine) -> SchemaState:
    """The database's revision and what an upgrade would apply (changes nothing)."""
    with engine.connect() as conn:
        current = revision(conn)
        tables = set(sa.inspect(conn).get_table_names())
    pending = _pending(current)
    adopted = set().union(*(ADOPTS.get(r, frozenset()) for r, _ in pending))
    return SchemaState(current, HEAD, pending, sorted(adopted & tables))


def upgrade(engine: sa.Engine) -> list[str]:
    """Upgrade the database to :data:`HEAD` under the migration lock; the revisions applied.

    Raises
    ------
    SchemaError
        If the database is at a revision this lessonkit does not know (a newer one's).
    """
    from alembic import command

    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE (see db.make_engine)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        current = revision(conn)
        if current == HEAD:
            return []  # another replica did it while we waited for the lock
        applied = [r for r, _ in _pending(current)]
        command.upgrade(_config(connection=conn), "head")
        if revision(conn) != HEAD:  # pragma: no cover - a broken revision chain
            raise SchemaError(f"the upgrade stopped at {revision(conn)!r}, not {HEAD!r}")
    return applied


def upgrade_sql(engine: sa.Engine) -> str:
    """The SQL an upgrade would run on this database, as text (runs nothing)."""
    from alembic import command

    current = state(engine).current
    if current == HEAD:
        return f"-- the database is at revision {HEAD}: nothing to do\n"
    out = io.StringIO()
    config = _config(dialect=engine.dialect.name, output=out)
    command.upgrade(config, f"{current}:head" if current else "head", sql=True)
    return out.getvalue()


def ensure(engine: sa.Engine, *, migrate: bool = True) -> list[str]:
    """Make sure the database is at :data:`HEAD`: upgrade it (``migrate``) or refuse.

    With ``migrate=False`` (the administration commands other than ``upgrade-db``) a database
    that needs an upgrade raises :class:`SchemaError` saying how to upgrade it.
    """
    with engine.connect() as conn:
        current = revision(conn)
    if current == HEAD:
        return []
    if not migrate:
        _pending(current)  # a newer database's error says so
        raise SchemaError(
            f"the service database is at schema revision {current or 'none'}; lessonkit "
            f"{__version__} needs {HEAD}. Upgrade it first: lessonkit hub upgrade-db --config "
            "FILE (or start the service, which upgrades it)"
        )
    return upgrade(engine)


def wait_for_head(engine: sa.Engine, *, timeout: float, poll: float = 0.5) -> None:
    """Wait until the database is at :data:`HEAD`, migrated by another process; never migrate.

    For a process that uses the service's tables without owning them (the hub's LMS login): the
    service upgrades the database at start, so a database behind is usually one the service is
    upgrading right now.

    Raises
    ------
    SchemaError
        At once for a database at a revision this lessonkit does not know (a newer one's); after
        ``timeout`` seconds for one still behind.
    """
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            current = revision(conn)
        if current == HEAD:
            return
        _pending(current)  # a newer database's error says so
        if time.monotonic() >= deadline:
            raise SchemaError(
                f"the service database is at schema revision {current or 'none'}; lessonkit "
                f"{__version__} needs {HEAD}. The course service upgrades it when it starts: "
                "start (or restart) it with this lessonkit, or run lessonkit hub upgrade-db "
                "--config FILE"
            )
        time.sleep(poll)
