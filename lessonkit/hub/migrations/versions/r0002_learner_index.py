"""An index on the statements' learner: a learner's own data and its erasure go by name alone.

Erasure (``lessonkit hub delete-learner``) and a learner reading all their statements filter on
the account name without a lesson, which the ``(lesson, learner)`` index cannot serve.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``ix_lessonkit_statements_learner`` (kept if a new store already has it)."""
    op.create_index(
        "ix_lessonkit_statements_learner", "lessonkit_statements", ["learner"], if_not_exists=True
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_lessonkit_statements_learner", "lessonkit_statements")
