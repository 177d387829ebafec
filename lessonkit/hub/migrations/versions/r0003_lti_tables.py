"""The LMS (LTI 1.3) tables: create them, or adopt those made before they had a revision.

``lessonkit_lti_contexts``, ``_links``, ``_members``, ``_deeplinks``, ``_scores`` and
``_state`` (see :mod:`lessonkit.lti.store`). Builds before this revision created them with
``create_all`` when the service or the hub's LMS login first needed them; every statement here is
conditional (``IF NOT EXISTS``), so such a database is adopted with its rows. An adopted table is
then compared with this revision's layout (columns, types, nullability, primary key, unique
constraints, indexes), and a table that differs stops the upgrade (rolled back, nothing changed)
rather than being recorded as right. ``--sql`` prints the statements without that comparison.
The columns are written out here, not taken from today's table definitions: a revision is a
snapshot.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from lessonkit.hub.migrations.adopt import check_adopted

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CREATE_ALL_LOCK = 0x1E550_4C71
"""The advisory lock under which earlier builds ran ``create_all`` on these tables."""


def _place(*extra: Any) -> list[Any]:
    return [
        sa.Column("issuer", sa.Text, primary_key=True),
        sa.Column("deployment_id", sa.Text, primary_key=True),
        sa.Column("context_id", sa.Text, primary_key=True),
        *extra,
    ]


def _layout() -> dict[str, list[Any]]:
    """Each table's columns and constraints (new objects at each call: a table owns them)."""
    return {
        "lessonkit_lti_contexts": [
            *_place(),
            sa.Column("course", sa.Text, nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("lineitems_url", sa.Text, nullable=False),
            sa.Column("memberships_url", sa.Text, nullable=False),
            sa.Column("client_id", sa.Text, nullable=False),
            sa.Column("updated", sa.String(32), nullable=False),
        ],
        "lessonkit_lti_links": [
            *_place(sa.Column("resource_link_id", sa.Text, primary_key=True)),
            sa.Column("course", sa.Text, nullable=False),
            sa.Column("item", sa.Text, nullable=False),
            sa.Column("lineitem_url", sa.Text, nullable=False),
            sa.Column("updated", sa.String(32), nullable=False),
        ],
        "lessonkit_lti_members": [
            *_place(sa.Column("sub", sa.Text, primary_key=True)),
            sa.Column("course", sa.Text, nullable=False),
            sa.Column("username", sa.Text, nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("source", sa.String(8), nullable=False),
            sa.Column("updated", sa.String(32), nullable=False),
        ],
        "lessonkit_lti_deeplinks": [
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
        ],
        "lessonkit_lti_scores": [
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
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("next_try", sa.Float, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("sent_fingerprint", sa.String(64), nullable=True),
            sa.Column("sent_timestamp", sa.String(32), nullable=True),
            sa.Column("deliveries", sa.Integer, nullable=False),
            sa.Column("updated", sa.String(32), nullable=False),
            sa.UniqueConstraint("issuer", "lineitem_url", "sub", name="uq_lessonkit_lti_score"),
        ],
        "lessonkit_lti_state": [
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        ],
    }


_INDEXES = (
    ("ix_lessonkit_lti_members_course", "lessonkit_lti_members", ["course", "username"]),
    ("ix_lessonkit_lti_scores_state", "lessonkit_lti_scores", ["state", "next_try"]),
)


def upgrade() -> None:
    """Create what is missing of the six tables and their indexes; check the ones adopted."""
    online = not op.get_context().as_sql
    bind = op.get_bind() if online else None
    if bind is not None and bind.dialect.name == "postgresql":
        # An earlier build's service or hub login may be running create_all on these tables
        # right now (a rolling upgrade): wait for it, so one CREATE never races the other.
        bind.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATE_ALL_LOCK)))
    found = set(sa.inspect(bind).get_table_names()) if bind is not None else set()
    for name, items in _layout().items():
        op.create_table(name, *items, if_not_exists=True)
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns, if_not_exists=True)
    if bind is None:
        return
    expected = sa.MetaData()
    for name, items in _layout().items():
        sa.Table(name, expected, *items)
    for name, table, columns in _INDEXES:
        sa.Index(name, *(expected.tables[table].c[c] for c in columns))
    check_adopted(bind, expected, sorted(found & set(expected.tables)))


def downgrade() -> None:
    """Nothing: the tables stay. The builds before this revision use them as they are (and
    created them when missing), and dropping them would drop what the LMS connection holds."""
