"""Unmapped transcript lines kept with a stored learner's record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 13:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unmapped_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unmapped_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unmapped_entry_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("unmapped_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unmapped_entry_learner_id"))
    op.drop_table("unmapped_entry")
