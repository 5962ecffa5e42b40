"""The lean read path: the read-only commands read a SQLite file with the stdlib, without the ORM.

`show`, `export`, `projects` and `history` open the database, read one project and exit; importing
SQLAlchemy and SQLModel would cost them more than everything else they do. `SqliteReader` reads the
tables `tables.py` defines with plain SQL and returns the same core models as `SqlRepository`, and
checks the schema revision with the same rules and messages. `open_reader` falls back to
`SqlRepository` for any other database URL, and when the schema needs an upgrade (which only the
ORM path can run).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from taskforge.core.bulk import gc_paused
from taskforge.core.errors import NoDatabase, StoreError, UnknownProject
from taskforge.core.models import Priority, Project, ProjectStatus, Status, Task, trusted
from taskforge.core.tree import Tree
from taskforge.store import schema
from taskforge.store.interface import ChatMessage, ProjectSummary, Reader

if TYPE_CHECKING:
    from taskforge.core.history import PatchRecord

# The columns read, by table; tests check them against the SQLModel tables.
PROJECT_COLUMNS = ("id", "title", "summary", "status", "version", "next_key", "updated_at")
TASK_COLUMNS = (
    "id", "key", "parent_id", "title", "description", "status", "priority", "estimate_minutes",
    "actual_minutes", "acceptance_criteria", "depends_on", "tags",
)
RECORD_COLUMNS = (
    "seq", "kind", "target_seq", "mode", "focus", "message", "planner", "model", "usage", "patch", "inverse",
    "rejected_ops", "version_before", "version_after", "created_at",
)
RECORD_JSON = ("usage", "patch", "inverse", "rejected_ops")
MESSAGE_COLUMNS = ("role", "content", "focus", "patch_seq", "created_at")


def open_reader(db: str | None) -> Reader:
    """A reader on the database `db` names (a path or a URL, as `--db` takes); never creates one."""
    url = schema.database_url(db)
    path = schema.plain_sqlite_file(url)
    if path is not None:
        reader = SqliteReader.open(path)
        if reader is not None:
            return reader
    from taskforge.store.repository import SqlRepository

    return SqlRepository.open(db, create=False)


_stamp = schema.parse_stamp


def _seconds(value: str) -> str:
    return _stamp(value).isoformat(timespec="seconds")


def _json_list(text: str) -> list:
    return [] if text == "[]" else json.loads(text)


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
                f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {schema.reason(str(exc))}") from None
        try:
            connection.execute("PRAGMA busy_timeout=15000")
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in names:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            current = schema.check_revision(revision, bool(names), str(path))
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
        def work(connection: sqlite3.Connection) -> list[ProjectSummary]:
            counts = {
                project_id: (total, done or 0)
                for project_id, total, done in connection.execute(
                    "SELECT project_id, count(*), sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END)"
                    " FROM task GROUP BY project_id"
                )
            }
            rows = connection.execute(
                "SELECT id, title, status, version, updated_at FROM project ORDER BY updated_at DESC, id"
            )
            return [
                ProjectSummary(
                    project_id, title, ProjectStatus(status), version, *counts.get(project_id, (0, 0)), _seconds(updated)
                )
                for project_id, title, status, version, updated in rows
            ]

        return self._read(work)

    def load(self, project_id: str) -> Tree:
        with gc_paused():
            return self._read(lambda connection: load_tree(connection.execute, project_id)[0])

    def history(self, project_id: str) -> list[PatchRecord]:
        from taskforge.core.history import PatchRecord

        def work(connection: sqlite3.Connection) -> list[PatchRecord]:
            _require(connection, project_id)
            rows = connection.execute(
                f"SELECT {', '.join(RECORD_COLUMNS)} FROM patch_record WHERE project_id = ? ORDER BY seq",
                (project_id,),
            )
            records = []
            for row in rows:
                data = dict(zip(RECORD_COLUMNS, row, strict=True))
                for name in RECORD_JSON:
                    data[name] = json.loads(data[name])
                data["created_at"] = _stamp(data["created_at"])
                records.append(PatchRecord.model_validate(data))
            return records

        return self._read(work)

    def messages(self, project_id: str, focus: str | None, limit: int = 50) -> list[ChatMessage]:
        def work(connection: sqlite3.Connection) -> list[ChatMessage]:
            focus_is = "focus IS NULL" if focus is None else "focus = ?"
            rows = connection.execute(
                f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM message WHERE project_id = ? AND {focus_is}"
                " ORDER BY id DESC LIMIT ?",
                (project_id, limit) if focus is None else (project_id, focus, limit),
            ).fetchall()
            return [
                ChatMessage(role, content, row_focus, patch_seq, _seconds(created))
                for role, content, row_focus, patch_seq, created in reversed(rows)
            ]

        return self._read(work)


def _require(connection: sqlite3.Connection, project_id: str) -> None:
    if connection.execute("SELECT 1 FROM project WHERE id = ?", (project_id,)).fetchone() is None:
        raise UnknownProject(project_id)


def load_tree(execute: Callable[..., Any], project_id: str) -> tuple[Tree, dict[str, int]]:
    """The project and all its tasks, and each task's row id by key: one query for the project and one
    for every task, whatever the size. `execute(sql, params)` runs SQLite SQL on the caller's
    connection: the stdlib one here, SQLAlchemy's `exec_driver_sql` in SqlRepository on SQLite."""
    row = execute(f"SELECT {', '.join(PROJECT_COLUMNS)} FROM project WHERE id = ?", (project_id,)).fetchone()
    if row is None:
        raise UnknownProject(project_id)
    row_id, title, summary, status, version, next_key, _ = row
    project = Project(
        id=row_id, title=title, summary=summary, status=ProjectStatus(status), version=version, next_key=next_key
    )
    rows = execute(
        f"SELECT {', '.join(TASK_COLUMNS)} FROM task WHERE project_id = ? ORDER BY parent_id, position",
        (project_id,),
    ).fetchall()
    key_of = {row[0]: row[1] for row in rows}
    statuses = {status.value: status for status in Status}
    priorities = {priority.value: priority for priority in Priority}
    # Rows this taskforge wrote from validated tasks: rebuilt without validating them again.
    tasks = [
        trusted(Task, {
            "key": key,
            "parent_key": key_of.get(parent_id),
            "title": title,
            "description": description,
            "status": statuses[status],
            "priority": priorities[priority],
            "estimate_minutes": estimate,
            "actual_minutes": actual,
            "acceptance_criteria": _json_list(criteria),
            "depends_on": _json_list(depends_on),
            "tags": _json_list(tags),
        })
        for (_, key, parent_id, title, description, status, priority, estimate, actual, criteria, depends_on, tags)
        in rows
    ]
    return Tree.build(project, tasks), {row[1]: row[0] for row in rows}
