"""Tracker sync: remotes of a project and the links between its tasks and remote items.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_remote",
        sa.Column("project_id", sa.String(), sa.ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("token_env", sa.String(), nullable=False),
        sa.Column("pulled_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "name"),
    )
    op.create_table(
        "sync_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.String(), sa.ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        sa.Column("key", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("local", sa.JSON(), nullable=False),
        sa.Column("remote_values", sa.JSON(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "remote", "key", name="uq_sync_link_key"),
    )
    op.create_index("ix_sync_link_remote_id", "sync_link", ["project_id", "remote", "remote_id"])


def downgrade() -> None:
    op.drop_table("sync_link")
    op.drop_table("sync_remote")
