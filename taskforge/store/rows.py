"""Stored rows as core models, once for both ways of reading a database.

The lean reader (`reader.py`, stdlib sqlite3) and the repository (`repository.py`, SQLAlchemy) select
the same columns in the same order, listed here, and turn the rows into models with these functions.
Values arrive either as SQLite stores them (JSON as text, timestamps as text: the stdlib driver, and
the repository's driver-level SQL on SQLite) or as SQLAlchemy decodes them (lists, dicts, datetimes);
each conversion takes both. Stdlib only: the read-only commands import this without the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from taskforge.core.chat import ChatMessage
from taskforge.core.errors import UnknownProject
from taskforge.core.kinds import Priority, ProjectStatus, Status
from taskforge.core.tree import Tree
from taskforge.store.interface import ProjectSummary
from taskforge.store.schema import parse_stamp

if TYPE_CHECKING:
    from taskforge.core.history import PatchRecord
    from taskforge.core.models import Project

# The columns read, by table, in the order the conversions below take them; tests check them
# against the SQLModel tables.
PROJECT_COLUMNS = ("id", "title", "summary", "status", "version", "next_key", "updated_at")
SUMMARY_COLUMNS = ("id", "title", "status", "version", "updated_at")
TASK_COLUMNS = (
    "id", "key", "parent_id", "title", "description", "status", "priority", "estimate_minutes",
    "actual_minutes", "acceptance_criteria", "depends_on", "tags",
)
RECORD_COLUMNS = (
    "seq", "kind", "target_seq", "mode", "focus", "message", "planner", "model", "usage", "patch", "inverse",
    "rejected_ops", "version_before", "version_after", "created_at", "author",
)
RECORD_JSON = ("usage", "patch", "inverse", "rejected_ops")
MESSAGE_COLUMNS = ("role", "content", "focus", "patch_seq", "created_at")

# SQLite SQL (qmark parameters), run by the stdlib reader and by the repository on SQLite's driver.
PROJECT_SQL = f"SELECT {', '.join(PROJECT_COLUMNS)} FROM project WHERE id = ?"
TASKS_SQL = f"SELECT {', '.join(TASK_COLUMNS)} FROM task WHERE project_id = ? ORDER BY parent_id, position"

# The same for PostgreSQL's driver (psycopg: %s parameters). The JSON list columns are read as their text,
# as SQLite returns them, so that the many empty lists cost no JSON decoding.
_AS_TEXT = {"acceptance_criteria", "depends_on", "tags"}
PG_PROJECT_SQL = PROJECT_SQL.replace("?", "%s")
PG_TASKS_SQL = (
    f"SELECT {', '.join(f'{name}::text' if name in _AS_TEXT else name for name in TASK_COLUMNS)}"
    " FROM task WHERE project_id = %s ORDER BY parent_id, position"
)


def _json_list(text: str) -> list:
    """A JSON list column as SQLite stores it."""
    return [] if text == "[]" else json.loads(text)


def moment(value: str | datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime, whichever way it was read: text from SQLite's driver,
    a naive UTC datetime from SQLAlchemy on SQLite or from PostgreSQL's `timestamp` columns."""
    if isinstance(value, str):
        return parse_stamp(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def seconds(value: str | datetime) -> str:
    """A stored timestamp as the shells show it: ISO 8601 to the second."""
    return moment(value).isoformat(timespec="seconds")


def project(row: Sequence[Any], *, plain: bool = False) -> Project:
    """A `PROJECT_COLUMNS` row (`plain`: as a `core.plain.PlainProject`)."""
    row_id, title, summary, status, version, next_key, _ = row
    values = {
        "id": row_id, "title": title, "summary": summary, "status": ProjectStatus(status), "version": version,
        "next_key": next_key,
    }
    if plain:
        from taskforge.core.plain import PlainProject
        from taskforge.core.plain import plain as make

        return make(PlainProject, values)
    from taskforge.core.models import Project  # pydantic: loaded only by the readers that need models

    return Project(**values)


_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


def tree(
    project_row: Sequence[Any], task_rows: Sequence[Sequence[Any]], lists: Callable[[Any], list] = _json_list,
    *, plain: bool = False,
) -> tuple[Tree, dict[str, int]]:
    """The project's tree from its `PROJECT_COLUMNS` row and its `TASK_COLUMNS` rows (parents' rows in
    any order), and each task's row id by key. `lists` reads a JSON list column: `_json_list` for text
    (the default), `list` for what SQLAlchemy already decoded. `plain`: tasks and project as the
    read-only stand-ins of `core.plain`, without loading pydantic."""
    if plain:
        from taskforge.core.plain import PlainTask as Task
        from taskforge.core.plain import plain as trusted

        every_field = None
    else:
        from taskforge.core.models import TASK_FIELDS_SET as every_field
        from taskforge.core.models import Task, trusted
    if lists is _json_list:
        lists = _decoder()
    key_of = {row[0]: row[1] for row in task_rows}.get
    statuses, priorities = _STATUSES, _PRIORITIES
    # Rows this taskforge wrote from validated tasks: rebuilt without validating them again. Built in one
    # pass with their sibling lists, as `Tree.build` would.
    tasks: dict[str, Any] = {}
    children: dict[str | None, list[str]] = {None: []}
    ids: dict[str, int] = {}
    for (row_id, key, parent_id, title, description, status, priority, estimate, actual, criteria, depends_on,
         tags) in task_rows:
        parent = key_of(parent_id)
        tasks[key] = trusted(Task, {
            "key": key,
            "parent_key": parent,
            "title": title,
            "description": description,
            "status": statuses[status],
            "priority": priorities[priority],
            "estimate_minutes": estimate,
            "actual_minutes": actual,
            "acceptance_criteria": lists(criteria),
            "depends_on": lists(depends_on),
            "tags": lists(tags),
        }, every_field)
        ids[key] = row_id
        if key not in children:
            children[key] = []
        if parent in children:
            children[parent].append(key)
        else:
            children[parent] = [key]
    return Tree(project(project_row, plain=plain), tasks, children), ids


def _decoder() -> Callable[[str], list]:
    """`_json_list` that decodes each distinct text once (a project repeats its tags and its empty lists),
    handing out a fresh list every time."""
    decoded: dict[str, list] = {}
    loads = json.loads

    def read(text: str) -> list:
        if text == "[]":
            return []
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = loads(text)
        return found.copy()

    return read


def load_tree(
    execute: Callable[..., Any], project_id: str, *, postgres: bool = False, plain: bool = False
) -> tuple[Tree, dict[str, int]]:
    """The project and all its tasks, and each task's row id by key: one query for the project and one
    for every task, whatever the size. `execute(sql, params)` runs driver-level SQL on the caller's
    connection: the stdlib one in SqliteReader, psycopg's in PostgresReader, SQLAlchemy's
    `exec_driver_sql` in SqlRepository; `postgres` picks the PostgreSQL spelling of the queries; `plain`
    builds the read-only stand-ins of `core.plain` rather than models."""
    project_sql, tasks_sql = (PG_PROJECT_SQL, PG_TASKS_SQL) if postgres else (PROJECT_SQL, TASKS_SQL)
    row = execute(project_sql, (project_id,)).fetchone()
    if row is None:
        raise UnknownProject(project_id)
    return tree(row, execute(tasks_sql, (project_id,)).fetchall(), plain=plain)


def summaries(counts: Iterable[Sequence[Any]], project_rows: Iterable[Sequence[Any]]) -> list[ProjectSummary]:
    """`(project_id, tasks, done)` rows and `SUMMARY_COLUMNS` rows, in the order to list them."""
    by_project = {project_id: (total, done or 0) for project_id, total, done in counts}
    return [
        ProjectSummary(
            project_id, title, ProjectStatus(status), version, *by_project.get(project_id, (0, 0)), seconds(updated)
        )
        for project_id, title, status, version, updated in project_rows
    ]


def record(row: Sequence[Any]) -> PatchRecord:
    """A `RECORD_COLUMNS` row."""
    from taskforge.core.history import PatchRecord  # the patch models: only history needs them

    data = dict(zip(RECORD_COLUMNS, row, strict=True))
    for name in RECORD_JSON:
        if isinstance(data[name], str):
            data[name] = json.loads(data[name])
    data["created_at"] = moment(data["created_at"])
    return PatchRecord.model_validate(data)


def messages(newest_first: Iterable[Sequence[Any]]) -> list[ChatMessage]:
    """`MESSAGE_COLUMNS` rows, newest first (as a limited query reads them), as the conversation in order."""
    return [
        ChatMessage(role, content, focus, patch_seq, seconds(created))
        for role, content, focus, patch_seq, created in reversed(list(newest_first))
    ]
