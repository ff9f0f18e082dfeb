"""Initial schema: catalog versions and the publication pointer, accounts, learners, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 14:57:59.721887
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _people_tables()
    _catalog_and_record_tables()


def _people_tables() -> None:
    """Learners, user accounts, advisees and the audit log."""
    op.create_table(
        "learner",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("catalog_year", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("institution", sa.String(length=200), nullable=True),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.Column("identity", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_account_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_account_name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_user_account_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "advisee",
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["advisor_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("advisor_id", "learner_id"),
    )
    with op.batch_alter_table("advisee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advisee_learner_id"), ["learner_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)


def _catalog_and_record_tables() -> None:
    """Catalog versions and files, publications, holdings and exceptions."""
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("institutions", sa.Integer(), nullable=False),
        sa.Column("credentials", sa.Integer(), nullable=False),
        sa.Column("transfer_rules", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalog_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_version_content_hash"), ["content_hash"], unique=False
        )

    op.create_table(
        "holding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=200), nullable=False),
        sa.Column("credential", sa.String(length=200), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holding_credential"), ["credential"], unique=False)
        batch_op.create_index(batch_op.f("ix_holding_learner_id"), ["learner_id"], unique=False)

    op.create_table(
        "learner_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("learner_exception", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_exception_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "catalog_file",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["catalog_version.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "name"),
    )
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalog_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("publication")
    op.drop_table("catalog_file")
    with op.batch_alter_table("learner_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_exception_learner_id"))

    op.drop_table("learner_exception")
    with op.batch_alter_table("holding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holding_learner_id"))
        batch_op.drop_index(batch_op.f("ix_holding_credential"))

    op.drop_table("holding")
    with op.batch_alter_table("catalog_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_version_content_hash"))

    op.drop_table("catalog_version")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    with op.batch_alter_table("advisee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advisee_learner_id"))

    op.drop_table("advisee")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_token_hash"))
        batch_op.drop_index(batch_op.f("ix_user_account_name"))
        batch_op.drop_index(batch_op.f("ix_user_account_learner_id"))

    op.drop_table("user_account")
    op.drop_table("learner")
