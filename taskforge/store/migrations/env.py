"""Alembic environment: always run programmatically on a connection the repository hands over."""

from alembic import context

connection = context.config.attributes["connection"]
# Batch mode lets later migrations alter SQLite tables (copy-and-move) as well as other databases.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)

with context.begin_transaction():
    context.run_migrations()
