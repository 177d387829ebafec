"""The course service's database as lessonkit left it before it had migrations, loaded into a
real database.

``data/before-migrations/`` holds it as SQL dumps (``make_dumps.py`` there ran that lessonkit's
service to write them): two learners, ``alice`` and ``bob``, in course ``algebra`` (lessons ``hub-
course`` and ``hub-notes``), with receipts in every forwarding state, checks claimed and not yet
claimed, and the home page a hub-managed service of that version derived from its environment.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DUMPS = Path(__file__).with_name("data") / "before-migrations"
TABLES = (
    "lessonkit_statements",
    "lessonkit_meta",
    "lessonkit_hub_receipts",
    "lessonkit_hub_checks",
)
HOME_PAGE = "http://hub.old.example:8081/hub/"
"""The account home page of every statement in the dumps."""


def load(url: str) -> None:
    """Load the earlier dump of the URL's dialect into the empty database at ``url``."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as conn:
            conn.executescript((DUMPS / "sqlite.sql").read_text(encoding="utf-8"))
        return
    # pg_dump's psql meta-commands (\restrict) are not SQL; the rest runs as one script
    script = "\n".join(
        line
        for line in (DUMPS / "postgresql.sql").read_text(encoding="utf-8").splitlines()
        if not line.startswith("\\")
    )
    engine = sa.create_engine(parsed)
    try:
        raw = engine.raw_connection()
        try:
            raw.cursor().execute(script)
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the earlier tables at ``url``, in a stable order, as plain values."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn, only=TABLES)
            out = {}
            for name in TABLES:
                table = meta.tables[name]
                names = sorted(_COLUMNS[name])  # an earlier column gone is a KeyError
                query = sa.select(*(table.c[n] for n in names)).order_by(*names)
                out[name] = [tuple(row) for row in conn.execute(query)]
            return out
    finally:
        engine.dispose()


_COLUMNS = {
    "lessonkit_statements": {
        "id",
        "learner",
        "learner_home",
        "lesson",
        "registration",
        "seq",
        "verb",
        "timestamp",
        "stored",
        "statement",
    },
    "lessonkit_meta": {"key", "value"},
    "lessonkit_hub_receipts": {
        "server_seq",
        "statement_id",
        "learner",
        "lesson",
        "stored",
        "forward",
        "body",
        "forward_error",
    },
    "lessonkit_hub_checks": {
        "id",
        "learner",
        "lesson",
        "question",
        "attempt",
        "correct",
        "score",
        "raw",
        "response",
        "feedback",
        "created",
        "statement_id",
    },
}
"""The earlier columns of each table (a later revision may add columns; these must survive)."""
