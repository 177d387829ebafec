"""What launches taught the service, and the spool of grades on their way to the LMS.

Tables of their own (``lessonkit_lti_*``, in :data:`metadata`), in the service's database:

``lessonkit_lti_contexts``
    An LMS course seen in a launch: its lessonkit course, the AGS line items container and
    the NRPS membership URL the platform gave (in a signed launch; never from a request body).
``lessonkit_lti_links``
    A resource link (a lessonkit item placed in the LMS course): the item, its line item.
``lessonkit_lti_members``
    Who is in an LMS course: the LTI ``sub``, the hub user name made from it, the role, from a
    launch or from the roster (NRPS).
``lessonkit_lti_deeplinks``
    A deep-linking request the hub checked, waiting for the instructor's pick (single use).
``lessonkit_lti_scores``
    The spool: per line item and learner, the latest score wanted (``body``, ``fingerprint``)
    and the last one delivered. ``state``: 1 pending, 2 delivered, 3 refused by the LMS.
``lessonkit_lti_state``
    Small bookkeeping (how far the evidence was scanned, due dates handled).

The tables are created and changed only by the service database's migrations
(:mod:`lessonkit.hub.migrations`, revision ``0003``), never by ``create_all``: :data:`metadata`
is what the code expects, and a test checks that the migrations produce exactly that.

Writes go through ``engine.begin()``; on the service's engine that is ``BEGIN IMMEDIATE`` on
SQLite (see :mod:`lessonkit.hub.db`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from .claims import Launch

__all__ = ["DELIVERED", "PENDING", "REFUSED", "metadata"]

PENDING, DELIVERED, REFUSED = 1, 2, 3
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


def upsert(conn: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    """Insert ``values``, or update the row with the same primary key."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    keys = [c.name for c in table.primary_key.columns]
    statement = insert(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))


def record_launch(
    engine: sa.Engine, launch: Launch, *, course: str, username: str, item: str, now: str
) -> None:
    """Remember what a checked launch says: the context, the link and the member."""
    place = {
        "issuer": launch.issuer,
        "deployment_id": launch.deployment_id,
        "context_id": launch.context_id,
    }
    with engine.begin() as conn:
        row = conn.execute(sa.select(contexts).filter_by(**place)).first()
        upsert(
            conn,
            contexts,
            {
                **place,
                "course": course,
                "title": launch.context_title or (row.title if row else ""),
                # a launch without the service claim does not forget what an earlier one said
                "lineitems_url": launch.lineitems or (row.lineitems_url if row else ""),
                "memberships_url": launch.memberships_url or (row.memberships_url if row else ""),
                "client_id": launch.client_id,
                "updated": now,
            },
        )
        if launch.resource_link_id and item:
            upsert(
                conn,
                links,
                {
                    **place,
                    "resource_link_id": launch.resource_link_id,
                    "course": course,
                    "item": item,
                    "lineitem_url": launch.lineitem,
                    "updated": now,
                },
            )
        if launch.role:
            upsert(
                conn,
                members,
                {
                    **place,
                    "sub": launch.sub,
                    "course": course,
                    "username": username,
                    "role": launch.role,
                    "name": launch.name,
                    "active": True,
                    "source": "launch",
                    "updated": now,
                },
            )


def new_deeplink(
    engine: sa.Engine, launch: Launch, *, course: str, username: str, now: float
) -> str:
    """Record a checked deep-linking request; its id (a secret the picker page is named by)."""
    key = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(deeplinks).values(
                id=key,
                username=username,
                issuer=launch.issuer,
                client_id=launch.client_id,
                deployment_id=launch.deployment_id,
                context_id=launch.context_id,
                course=course,
                return_url=launch.return_url,
                data=launch.dl_data,
                created=now,
            )
        )
    return key


def deeplink(engine: sa.Engine, key: str) -> Any:
    """A deep-linking request by id (``None`` when unknown)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(deeplinks).where(deeplinks.c.id == key)).first()


def context_title(engine: sa.Engine, request: Any) -> str:
    """The title of the LMS course a deep-linking request came from (``""``: unknown)."""
    c = contexts.c
    query = sa.select(c.title).where(
        c.issuer == request.issuer,
        c.deployment_id == request.deployment_id,
        c.context_id == request.context_id,
    )
    with engine.connect() as conn:
        return str(conn.execute(query).scalar() or "")


def use_deeplink(engine: sa.Engine, key: str, now: float) -> bool:
    """Mark a request answered; ``False`` when it already was (each answers once)."""
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(deeplinks)
            .where(deeplinks.c.id == key, deeplinks.c.used.is_(None))
            .values(used=now)
        )
        return done.rowcount == 1


def roster(engine: sa.Engine, course: str, role: str | None = None) -> list[Any]:
    """Active members of every LMS context of ``course`` (of ``role``, if given)."""
    query = sa.select(members).where(members.c.course == course, members.c.active.is_(True))
    if role:
        query = query.where(members.c.role == role)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(members.c.username)))


def members_version(engine: sa.Engine) -> tuple[int, str]:
    """Changes whenever a member row is added or updated (count, latest update)."""
    query = sa.select(sa.func.count(), sa.func.max(members.c.updated))
    with engine.connect() as conn:
        count, latest = conn.execute(query).one()
    return int(count), str(latest or "")


def replace_roster(
    engine: sa.Engine, place: Mapping[str, str], course: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Set a context's roster from NRPS: ``rows`` are members (``sub``, ``username``, ``role``,
    ``name``, ``active``); members missing from it become inactive. Returns the count."""
    with engine.begin() as conn:
        conn.execute(sa.update(members).filter_by(**place).values(active=False))
        for row in rows:
            upsert(conn, members, {**place, "course": course, "source": "nrps", **row})
    return len(rows)


def course_links(engine: sa.Engine, course: str) -> list[Any]:
    """Every resource link of ``course`` with the AGS container of its context."""
    c, k = contexts.c, links.c
    query = (
        sa.select(links, c.lineitems_url, c.client_id)
        .join(
            contexts,
            sa.and_(
                c.issuer == k.issuer,
                c.deployment_id == k.deployment_id,
                c.context_id == k.context_id,
            ),
        )
        .where(k.course == course)
    )
    with engine.connect() as conn:
        return list(conn.execute(query))


def set_lineitem(engine: sa.Engine, link: Any, url: str) -> None:
    """Remember the line item found or made for a link."""
    k = links.c
    with engine.begin() as conn:
        conn.execute(
            sa.update(links)
            .where(
                k.issuer == link.issuer,
                k.deployment_id == link.deployment_id,
                k.context_id == link.context_id,
                k.resource_link_id == link.resource_link_id,
            )
            .values(lineitem_url=url)
        )


def all_contexts(engine: sa.Engine) -> list[Any]:
    """Every LMS context seen."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(contexts)))


def get_state(engine: sa.Engine, key: str, default: str = "") -> str:
    """A bookkeeping value."""
    with engine.connect() as conn:
        value = conn.execute(sa.select(state.c.value).where(state.c.key == key)).scalar()
    return default if value is None else str(value)


def set_state(engine: sa.Engine, key: str, value: str) -> None:
    """Set a bookkeeping value."""
    with engine.begin() as conn:
        upsert(conn, state, {"key": key, "value": value})


def spool_counts(engine: sa.Engine, course: str | None = None) -> dict[str, int]:
    """Scores pending, delivered and refused."""
    query = sa.select(scores.c.state, sa.func.count()).group_by(scores.c.state)
    if course:
        query = query.where(scores.c.course == course)
    names = {PENDING: "pending", DELIVERED: "delivered", REFUSED: "refused"}
    with engine.connect() as conn:
        return {names[int(s)]: int(n) for s, n in conn.execute(query)}


def refused(engine: sa.Engine, course: str | None = None) -> Iterable[Any]:
    """Scores the LMS refused, with why."""
    query = sa.select(scores).where(scores.c.state == REFUSED)
    if course:
        query = query.where(scores.c.course == course)
    with engine.connect() as conn:
        return list(conn.execute(query))


def as_json(value: Any) -> str:
    """Compact, stable JSON text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
