"""Authors: who made each change; and keys as large as the key column holds on PostgreSQL.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: records written before authors were kept have none.
    op.add_column("patch_record", sa.Column("author", sa.String(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # SQLite's INTEGER is 64 bits already; PostgreSQL's is 32, too small for T9999999999.
        op.alter_column("project", "next_key", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("project", "next_key", type_=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table("patch_record") as batch:
        batch.drop_column("author")
