"""The LMS tables as lessonkit made them before they were under migrations, with rows.

Builds before schema revision 0003 created ``lessonkit_lti_*`` with ``metadata.create_all``
(``lessonkit.lti.store.create_tables``), from the service and from the hub's LMS login. The
table definitions below are a verbatim copy of that build's ``lessonkit/lti/store.py`` (commit
d6cd3f4), kept here because the package's own definitions move on with later revisions.
:func:`make` builds such a database the way that build did, with a few rows in every table.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = ["TABLES", "make", "metadata", "rows"]

metadata = sa.MetaData()
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _place(*extra: Any) -> list[Any]:
    return [
        sa.Column("issuer", sa.Text, primary_key=True),
        sa.Column("deployment_id", sa.Text, primary_key=True),
        sa.Column("context_id", sa.Text, primary_key=True),
        *extra,
    ]


contexts = sa.Table(
    "lessonkit_lti_contexts",
    metadata,
    *_place(),
    sa.Column("course", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("lineitems_url", sa.Text, nullable=False, default=""),
    sa.Column("memberships_url", sa.Text, nullable=False, default=""),
    sa.Column("client_id", sa.Text, nullable=False, default=""),
    sa.Column("updated", sa.String(32), nullable=False),
)
links = sa.Table(
    "lessonkit_lti_links",
    metadata,
    *_place(sa.Column("resource_link_id", sa.Text, primary_key=True)),
    sa.Column("course", sa.Text, nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("lineitem_url", sa.Text, nullable=False, default=""),
    sa.Column("updated", sa.String(32), nullable=False),
)
members = sa.Table(
    "lessonkit_lti_members",
    metadata,
    *_place(sa.Column("sub", sa.Text, primary_key=True)),
    sa.Column("course", sa.Text, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("source", sa.String(8), nullable=False),
    sa.Column("updated", sa.String(32), nullable=False),
    sa.Index("ix_lessonkit_lti_members_course", "course", "username"),
)
deeplinks = sa.Table(
    "lessonkit_lti_deeplinks",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("issuer", sa.Text, nullable=False),
    sa.Column("client_id", sa.Text, nullable=False),
    sa.Column("deployment_id", sa.Text, nullable=False),
    sa.Column("context_id", sa.Text, nullable=False),
    sa.Column("course", sa.Text, nullable=False),
    sa.Column("return_url", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("used", sa.Float, nullable=True),
)
scores = sa.Table(
    "lessonkit_lti_scores",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("issuer", sa.Text, nullable=False),
    sa.Column("lineitem_url", sa.Text, nullable=False),
    sa.Column("sub", sa.Text, nullable=False),
    sa.Column("course", sa.Text, nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try", sa.Float, nullable=False, default=0.0),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("sent_fingerprint", sa.String(64), nullable=True),
    sa.Column("sent_timestamp", sa.String(32), nullable=True),
    sa.Column("deliveries", sa.Integer, nullable=False, default=0),
    sa.Column("updated", sa.String(32), nullable=False),
    sa.UniqueConstraint("issuer", "lineitem_url", "sub", name="uq_lessonkit_lti_score"),
    sa.Index("ix_lessonkit_lti_scores_state", "state", "next_try"),
)
state = sa.Table(
    "lessonkit_lti_state",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


TABLES = tuple(metadata.tables)


def create_tables(engine: sa.Engine) -> None:
    """That build's ``create_tables``: ``create_all`` under its advisory lock."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x1E550_4C71)))
        create_tables_unlocked(conn)


def create_tables_unlocked(conn: sa.Connection) -> None:
    """Its ``create_all``, on a connection that holds the lock already."""
    metadata.create_all(conn, checkfirst=True)


PLACE = {"issuer": "https://lms.example", "deployment_id": "d1", "context_id": "c-101"}
ROWS: dict[str, list[dict[str, Any]]] = {
    "lessonkit_lti_contexts": [
        {
            **PLACE,
            "course": "algebra",
            "title": "Algebra 101",
            "lineitems_url": "https://lms.example/c-101/lineitems",
            "memberships_url": "https://lms.example/c-101/members",
            "client_id": "tool-1",
            "updated": "2026-12-01T10:00:00.000000+00:00",
        }
    ],
    "lessonkit_lti_links": [
        {
            **PLACE,
            "resource_link_id": f"rl-{n}",
            "course": "algebra",
            "item": f"lesson:hub-course-{n}",
            "lineitem_url": f"https://lms.example/c-101/lineitems/{n}" if n else "",
            "updated": "2026-12-01T10:00:01.000000+00:00",
        }
        for n in range(2)
    ],
    "lessonkit_lti_members": [
        {
            **PLACE,
            "sub": sub,
            "course": "algebra",
            "username": f"lti-{sub}",
            "role": role,
            "name": name,
            "active": active,
            "source": source,
            "updated": "2026-12-01T10:00:02.000000+00:00",
        }
        for sub, role, name, active, source in (
            ("u-ada", "Learner", "Ada Lovelace", True, "launch"),
            ("u-bob", "Learner", "Bob", False, "nrps"),
            ("u-tess", "Instructor", "Tess Teacher", True, "launch"),
        )
    ],
    "lessonkit_lti_deeplinks": [
        {
            "id": "dl-secret-1",
            "username": "lti-u-tess",
            "issuer": PLACE["issuer"],
            "client_id": "tool-1",
            "deployment_id": "d1",
            "context_id": "c-101",
            "course": "algebra",
            "return_url": "https://lms.example/deep-link-return",
            "data": None,
            "created": 1764583200.25,
            "used": 1764583260.5,
        }
    ],
    "lessonkit_lti_scores": [
        {
            "issuer": PLACE["issuer"],
            "lineitem_url": "https://lms.example/c-101/lineitems/1",
            "sub": sub,
            "course": "algebra",
            "item": "lesson:hub-course-1",
            "username": f"lti-{sub}",
            "body": '{"scoreGiven":3,"scoreMaximum":4}',
            "fingerprint": f"{n:064x}",
            "state": state,
            "attempts": n,
            "next_try": 1764583300.0 * (state == 1),
            "error": "403: not enrolled" if state == 3 else None,
            "sent_fingerprint": f"{n:064x}" if state == 2 else None,
            "sent_timestamp": "2026-12-01T10:00:03.000000+00:00" if state == 2 else None,
            "deliveries": int(state == 2),
            "updated": "2026-12-01T10:00:03.000000+00:00",
        }
        for n, (sub, state) in enumerate((("u-ada", 1), ("u-bob", 2), ("u-eve", 3)))
    ],
    "lessonkit_lti_state": [
        {"key": "scanned", "value": "2026-12-01T10:00:00.000000+00:00"},
        {"key": "due:algebra:warm-up", "value": "done"},
    ],
}
"""Rows in every table, in every delivery state of the spool."""


def make(engine: sa.Engine) -> None:
    """Create the tables as that build did and fill them with :data:`ROWS`."""
    create_tables(engine)
    with engine.begin() as conn:
        for name, values in ROWS.items():
            for value in values:  # one by one: the spool's ids in this order
                conn.execute(sa.insert(metadata.tables[name]).values(**value))


def rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the earlier columns of each table, in a stable order."""
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = metadata.tables[name]
            columns = sorted(table.c.keys())
            query = sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(name))
            out[name] = [tuple(r) for r in conn.execute(query.order_by(*columns))]
    return out
