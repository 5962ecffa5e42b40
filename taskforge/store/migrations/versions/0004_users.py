"""Users of `taskforge serve`: a name, the public id of its sign-in token and the token's salted hash.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("name", name="uq_app_user_name"),
    )
    op.create_index("ix_app_user_token_id", "app_user", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_app_user_token_id", table_name="app_user")
    op.drop_table("app_user")
