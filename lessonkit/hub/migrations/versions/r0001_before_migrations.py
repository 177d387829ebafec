"""The layout lessonkit created before it recorded schema revisions: adopt it, or create it.

Every statement is conditional (``IF NOT EXISTS``, ``ON CONFLICT DO NOTHING``), so the same
revision creates a new database and adopts one an earlier lessonkit (or a plain ``SqlStore``)
created, and prints as plain SQL for ``lessonkit hub upgrade-db --sql``. The columns are written
out here, not taken from today's table definitions: a revision is a snapshot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create what is missing of the earlier tables, their indexes and the store's schema row."""
    op.create_table(
        "lessonkit_statements",
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
        if_not_exists=True,
    )
    for name, columns in (
        ("ix_lessonkit_statements_lesson_learner", ["lesson", "learner"]),
        ("ix_lessonkit_statements_registration_seq", ["registration", "seq"]),
        ("ix_lessonkit_statements_timestamp", ["timestamp"]),
        ("ix_lessonkit_statements_verb", ["verb"]),
    ):
        op.create_index(name, "lessonkit_statements", columns, if_not_exists=True)
    op.create_table(
        "lessonkit_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        if_not_exists=True,
    )
    # The evidence store's own version marker (SqlStore checks it); kept if present.
    op.execute(
        "INSERT INTO lessonkit_meta (key, value) VALUES ('schema', '1') "
        "ON CONFLICT (key) DO NOTHING"
    )
    op.create_table(
        "lessonkit_hub_receipts",
        sa.Column("server_seq", _BigId, primary_key=True, autoincrement=True),
        sa.Column("statement_id", sa.String(36), nullable=False, unique=True),
        sa.Column("learner", sa.Text, nullable=False),
        sa.Column("lesson", sa.Text, nullable=False),
        sa.Column("stored", sa.String(32), nullable=False),
        sa.Column("forward", sa.SmallInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("forward_error", sa.Text, nullable=True),
        if_not_exists=True,
    )
    op.create_index(
        "ix_lessonkit_hub_receipts_forward",
        "lessonkit_hub_receipts",
        ["forward", "server_seq"],
        if_not_exists=True,
    )
    op.create_index(
        "ix_lessonkit_hub_receipts_learner",
        "lessonkit_hub_receipts",
        ["learner", "lesson"],
        if_not_exists=True,
    )
    op.create_table(
        "lessonkit_hub_checks",
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
        sa.UniqueConstraint(
            "learner", "lesson", "question", "attempt", name="uq_lessonkit_hub_try"
        ),
        if_not_exists=True,
    )


def downgrade() -> None:
    """Nothing before the first revision: the tables stay (dropping them would drop data)."""
