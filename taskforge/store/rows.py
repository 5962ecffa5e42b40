"""Stored rows as core models, once for both ways of reading a database.

The lean reader (`reader.py`, stdlib sqlite3) and the repository (`repository.py`, SQLAlchemy) select
the same columns in the same order, listed here, and turn the rows into models with these functions.
Values arrive either as SQLite stores them (JSON as text, timestamps as text: the stdlib driver, and
the repository's driver-level SQL on SQLite) or as SQLAlchemy decodes them (lists, dicts, datetimes);
each conversion takes both. Stdlib only: the read-only commands import this without the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
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

# A project's outline: where each task sits and what it waits for, all that checking a patch needs of the
# tasks it leaves alone (see `outline`).
OUTLINE_COLUMNS = ("id", "key", "parent_id", "depends_on")
OUTLINE_SQL = f"SELECT {', '.join(OUTLINE_COLUMNS)} FROM task WHERE project_id = ? ORDER BY parent_id, position"
PG_OUTLINE_SQL = OUTLINE_SQL.replace("depends_on", "depends_on::text").replace("?", "%s")
# Some tasks whole, by key, beside an outline.
TASKS_BY_KEY_SQL = TASKS_SQL.replace(" ORDER BY parent_id, position", " AND key IN ({})")
PG_TASKS_BY_KEY_SQL = PG_TASKS_SQL.replace(" ORDER BY parent_id, position", " AND key = ANY(%s)")
_KEYS_PER_QUERY = 500


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


_ID, _KEY, _PARENT_ID = itemgetter(0), itemgetter(1), itemgetter(2)  # of TASK_COLUMNS and OUTLINE_COLUMNS rows
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
    key_of = {row[0]: row[1] for row in task_rows}.get
    tasks = _tasks(task_rows, key_of, lists, plain=plain)
    children, ids = _layout(task_rows, key_of)
    return Tree(project(project_row, plain=plain), tasks, children), ids


class OutlineTask(SimpleNamespace):
    """A task as an outline holds it: its `key`, `parent_key` and `depends_on`, and nothing else."""

    __slots__ = ()


_NO_DEPENDENCIES = ()  # an outline's tasks are only read: the many without dependencies share one


def _tasks(
    task_rows: Sequence[Sequence[Any]], key_of: Callable[[Any], str | None], lists: Callable[[Any], list] = _json_list,
    *, plain: bool = False,
) -> dict[str, Any]:
    """The tasks of `TASK_COLUMNS` rows by key; `key_of` gives a parent's key from its row id."""
    if plain:
        from taskforge.core.plain import PlainTask as Task
        from taskforge.core.plain import plain as trusted

        every_field = None
    else:
        from taskforge.core.models import TASK_FIELDS_SET as every_field
        from taskforge.core.models import Task, trusted
    if lists is _json_list:
        lists = _decoder()
    statuses, priorities = _STATUSES, _PRIORITIES
    # Rows this taskforge wrote from validated tasks: rebuilt without validating them again.
    tasks: dict[str, Any] = {}
    for (_, key, parent_id, title, description, status, priority, estimate, actual, criteria, depends_on,
         tags) in task_rows:
        tasks[key] = trusted(Task, {
            "key": key,
            "parent_key": key_of(parent_id),
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
    return tasks


def outline(project_row: Sequence[Any], outline_rows: Sequence[Sequence[Any]]) -> tuple[Tree, dict[str, int]]:
    """The project's tree from its `PROJECT_COLUMNS` row and its `OUTLINE_COLUMNS` rows (as SQLite stores
    them, or as PostgreSQL's driver reads the outline query), and each task's row id by key.

    Its tasks are `OutlineTask`s: enough for the patch engine to check and place a patch's work among them,
    and nothing else. Reading any other field of one fails loudly, so such a tree never passes for the project:
    the repository writes from it, then reads the project again for whoever asks."""
    return _outline(project_row, outline_rows, {row[0]: row[1] for row in outline_rows}.get)


def _outline(
    project_row: Sequence[Any], outline_rows: Sequence[Sequence[Any]], key_of: Callable[[Any], str | None]
) -> tuple[Tree, dict[str, int]]:
    lists, none = _decoder(), _NO_DEPENDENCIES
    tasks = {
        key: OutlineTask(key=key, parent_key=key_of(parent_id), depends_on=none if depends_on == "[]" else lists(depends_on))
        for _, key, parent_id, depends_on in outline_rows
    }
    children, ids = _layout(outline_rows, key_of)
    return Tree(project(project_row), tasks, children), ids


def _layout(task_rows: Sequence[Sequence[Any]], key_of: Callable[[Any], str | None]) -> tuple[dict, dict[str, int]]:
    """The sibling lists and the row ids by key of rows that start (id, key, parent_id, …) and list
    siblings in their order: as the queries sort them, a parent's children in one run."""
    children: dict[str | None, list[str]] = {row[1]: [] for row in task_rows}
    children[None] = []
    for parent_id, run in groupby(task_rows, _PARENT_ID):
        children[key_of(parent_id)] += map(_KEY, run)  # (rows in another order: runs of one parent add up)
    return children, dict(zip(map(_KEY, task_rows), map(_ID, task_rows), strict=True))


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
    row = _project_row(execute, project_id, postgres)
    return tree(row, execute(PG_TASKS_SQL if postgres else TASKS_SQL, (project_id,)).fetchall(), plain=plain)


def _project_row(execute: Callable[..., Any], project_id: str, postgres: bool) -> Sequence[Any]:
    row = execute(PG_PROJECT_SQL if postgres else PROJECT_SQL, (project_id,)).fetchone()
    if row is None:
        raise UnknownProject(project_id)
    return row


def load_outline(
    execute: Callable[..., Any], project_id: str, *, postgres: bool = False,
    whole: Callable[[Tree], Collection[str]] | None = None,
) -> tuple[Tree, dict[str, int]]:
    """`outline`, read as `load_tree` reads the whole tree; `whole(outline)` names the tasks to read
    whole all the same (one more query, or one per 500 keys on SQLite)."""
    project_row = _project_row(execute, project_id, postgres)
    outline_rows = execute(PG_OUTLINE_SQL if postgres else OUTLINE_SQL, (project_id,)).fetchall()
    key_of = {row[0]: row[1] for row in outline_rows}.get  # a parent's key by its row id, for both kinds of task
    tree, ids = _outline(project_row, outline_rows, key_of)
    keys = list(whole(tree)) if whole is not None else []
    if keys:
        if postgres:
            task_rows = execute(PG_TASKS_BY_KEY_SQL, (project_id, keys)).fetchall()
        else:
            task_rows = []
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[start:start + _KEYS_PER_QUERY]
                sql = TASKS_BY_KEY_SQL.format(", ".join("?" * len(chunk)))
                task_rows += execute(sql, (project_id, *chunk)).fetchall()
        tree.tasks.update(_tasks(task_rows, key_of))
    return tree, ids


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
