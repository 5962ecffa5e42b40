"""The lean read path: the read-only commands read a SQLite file with the stdlib, without the ORM.

`show`, `export`, `projects` and `history` open the database, read one project and exit; importing
SQLAlchemy and SQLModel would cost them more than everything else they do. `SqliteReader` reads the
tables `tables.py` defines with plain SQL and turns the rows into core models with `rows.py`, as
`SqlRepository` does, and checks the schema revision with the same rules and messages. On PostgreSQL,
`pg_reader.PostgresReader` does the same through psycopg. `open_reader` falls back to `SqlRepository`
for any other database URL, and when the schema needs an upgrade (which only the ORM path can run).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from taskforge.core.bulk import gc_paused
from taskforge.core.errors import NoDatabase, StoreError, UnknownProject
from taskforge.core.tree import Tree
from taskforge.store import rows, schema
from taskforge.store.interface import ChatMessage, ProjectSummary, Reader

if TYPE_CHECKING:
    from taskforge.core.history import PatchRecord

_COUNTS_SQL = (
    "SELECT project_id, count(*), sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) FROM task GROUP BY project_id"
)
_SUMMARIES_SQL = f"SELECT {', '.join(rows.SUMMARY_COLUMNS)} FROM project ORDER BY updated_at DESC, id"
_RECORDS_SQL = f"SELECT {', '.join(rows.RECORD_COLUMNS)} FROM patch_record WHERE project_id = ? ORDER BY seq"
_MESSAGES_SQL = (
    f"SELECT {', '.join(rows.MESSAGE_COLUMNS)} FROM message WHERE project_id = ? AND {{focus_is}}"
    " ORDER BY id DESC LIMIT ?"
)


def open_reader(db: str | None) -> Reader:
    """A reader on the database `db` names (a path or a URL, as `--db` takes); never creates one."""
    url = schema.database_url(db)
    path = schema.plain_sqlite_file(url)
    if path is not None:
        reader = SqliteReader.open(path)
        if reader is not None:
            return reader
    elif schema.is_postgres(url):
        from taskforge.store.pg_reader import PostgresReader

        reader = PostgresReader.open(url)
        if reader is not None:
            return reader
    from taskforge.store.repository import SqlRepository

    return SqlRepository.open(db, create=False)


class SqliteReader:
    """A read-only `Reader` over one SQLite file, on the stdlib `sqlite3` module."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> SqliteReader | None:
        """A reader, or None when the schema is older than this taskforge's (the ORM path upgrades it)."""
        if not path.exists():
            raise NoDatabase(path)
        if path.is_dir():
            raise StoreError(f"{path} is a directory, not a database file")
        try:
            # mode=rw never creates the file, and falls back to read-only on a write-protected one.
            connection = sqlite3.connect(
                f"file:{quote(os.fsencode(path))}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {schema.reason(str(exc))}") from None
        try:
            connection.execute("PRAGMA busy_timeout=15000")
            revision, has_tables = schema.sqlite_revision(connection)
            current = schema.check_revision(revision, has_tables, str(path))
        except sqlite3.Error as exc:
            connection.close()
            raise StoreError(f"cannot open {path}: {schema.reason(str(exc))}") from None
        except BaseException:
            connection.close()
            raise
        if not current:
            connection.close()
            return None
        return cls(connection, path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> SqliteReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self, work):
        """Run `work(cursor)` in one read transaction, so every query sees the same snapshot."""
        connection = self.connection
        try:
            connection.execute("BEGIN")
            try:
                return work(connection)
            finally:
                connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {self.path}: {schema.reason(str(exc))}") from None

    # -- reading -----------------------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        return self._read(
            lambda connection: rows.summaries(connection.execute(_COUNTS_SQL), connection.execute(_SUMMARIES_SQL))
        )

    def load(self, project_id: str, *, plain: bool = False) -> Tree:
        """The project's tree; `plain`: of the read-only stand-ins of `core.plain` (no pydantic loaded)."""
        with gc_paused():
            return self._read(lambda connection: rows.load_tree(connection.execute, project_id, plain=plain)[0])

    def history(self, project_id: str) -> list[PatchRecord]:
        def work(connection: sqlite3.Connection) -> list[PatchRecord]:
            _require(connection, project_id)
            return [rows.record(row) for row in connection.execute(_RECORDS_SQL, (project_id,))]

        return self._read(work)

    def messages(self, project_id: str, focus: str | None, limit: int = 50) -> list[ChatMessage]:
        sql = _MESSAGES_SQL.format(focus_is="focus IS NULL" if focus is None else "focus = ?")
        params = (project_id, limit) if focus is None else (project_id, focus, limit)
        return self._read(lambda connection: rows.messages(connection.execute(sql, params).fetchall()))


def _require(connection: sqlite3.Connection, project_id: str) -> None:
    if connection.execute("SELECT 1 FROM project WHERE id = ?", (project_id,)).fetchone() is None:
        raise UnknownProject(project_id)
