"""A new project and its first patch written to a SQLite file with the stdlib alone: the lean import.

`taskforge import` of 10,000 tasks does a few tenths of a second of work, and SQLAlchemy and SQLModel
cost a process nearly as much to load. For a plain SQLite file at the current schema (or one that does
not exist yet), this writes what `SqlRepository.create_project` writes — the project's row at version 1,
its tasks, the audit record with the patch and its inverse — with the same statements
(`statements.py`), in one transaction, and a new file gets the same schema (`head.sql`).
tests/store/test_new_project.py compares the two databases row by row.

`write` returns None, having written nothing, when the database is not one it can write (an older
schema, which only the ORM path upgrades; a missing folder): the caller then takes the ORM path, which
does or reports it as always.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from taskforge.core.errors import StoreError
from taskforge.core.fresh import FirstPatch
from taskforge.core.models import Project, slugify
from taskforge.store import schema
from taskforge.store.statements import INSERT_RECORD_SQL, INSERT_TASK_SQL, TAKEN_IDS_SQL, free_id, json_list

_INSERT_PROJECT_SQL = (
    "INSERT INTO project (id, title, summary, status, version, next_key, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, 1, ?, ?, ?)"
)
_TASK_DEFAULTS = {"description": "", "status": "todo", "priority": "medium", "estimate_minutes": None,
                  "actual_minutes": None, "acceptance_criteria": [], "tags": []}


@dataclass(frozen=True)
class Provenance:
    """The audit record's who and why, as `core.history.Provenance` names them."""

    message: str
    planner: str
    mode: str
    author: str


def write(path: Path, project: Project, first: FirstPatch, provenance: Provenance) -> str | None:
    """Create `project` with `first` applied; returns the id it got (`auth-flow-2` when `auth-flow` is taken)."""
    connection = _connect(path)
    if connection is None:
        return None
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            made = not connection.execute(schema.SQLITE_TABLES_SQL).fetchone()
            if made:
                for statement in schema.head_statements():
                    connection.execute(statement)
            project_id = _insert(connection, project, first, provenance)
            connection.execute("COMMIT")
            if made:  # written straight into the file, not through a write-ahead log copied over afterwards
                connection.execute("PRAGMA journal_mode=WAL")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write {path}: {schema.reason(str(exc))}") from None
    finally:
        connection.close()
    return project_id


def _connect(path: Path) -> sqlite3.Connection | None:
    """A connection set up as the ORM's engine sets up each of its own, or None when only the ORM path can go on."""
    exists = path.exists()
    if (exists and not path.is_file()) or (not exists and not path.parent.is_dir()):
        return None
    mode = "rw" if exists else "rwc"
    try:
        connection = sqlite3.connect(
            f"file:{quote(os.fsencode(path))}?mode={mode}", uri=True, isolation_level=None
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {schema.reason(str(exc))}") from None
    try:
        connection.execute("PRAGMA busy_timeout=15000")
        if exists:  # read before the journal mode changes, which would rewrite a foreign file's header
            revision, has_tables = schema.sqlite_revision(connection)
            if has_tables and not schema.check_revision(revision, True, str(path)):
                connection.close()
                return None
        connection.execute("PRAGMA foreign_keys=ON")
        if exists:  # a new file switches to WAL, as every taskforge database is, once its first write is in
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error as exc:
        connection.close()
        raise StoreError(f"cannot open {path}: {schema.reason(str(exc))}") from None
    except BaseException:
        connection.close()
        raise
    return connection


def _insert(connection: sqlite3.Connection, project: Project, first: FirstPatch, provenance: Provenance) -> str:
    base = slugify(project.id)
    taken = {row[0] for row in connection.execute(TAKEN_IDS_SQL, (base, f"{base}-%"))}
    project_id = free_id(base, taken)
    now = schema.stamp(datetime.now(UTC))
    connection.execute(_INSERT_PROJECT_SQL, (
        project_id, project.title, project.summary, project.status.value, first.next_key, now, now,
    ))
    # The write lock is held: new row ids can be handed out past the highest, parents before children.
    next_id = (connection.execute("SELECT max(id) FROM task").fetchone()[0] or 0) + 1
    ids = {task.key: next_id + offset for offset, task in enumerate(first.tasks)}
    rows = []
    for task in first.tasks:
        values = {**_TASK_DEFAULTS, **task.values}
        rows.append((
            ids[task.key], project_id, task.key, ids[task.parent] if task.parent else None, task.position,
            values["title"], values["description"], values["status"], values["priority"], values["estimate_minutes"],
            values["actual_minutes"], json_list(values["acceptance_criteria"]), json_list(task.depends_on),
            json_list(values["tags"]), now, now,
        ))
    connection.executemany(INSERT_TASK_SQL, rows)
    patch_json, inverse_json = first.documents(project_id)
    connection.execute(INSERT_RECORD_SQL, (
        project_id, 1, "apply", None, provenance.mode, None, provenance.message, provenance.planner, None, "{}",
        patch_json, inverse_json, "[]", 0, 1, now, provenance.author,
    ))
    return project_id
