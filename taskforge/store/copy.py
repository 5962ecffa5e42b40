"""`taskforge db copy`: projects with their whole history from one database to another (any pair of SQLite
and PostgreSQL), e.g. from one's own SQLite file to the team's server.

Everything a project is, row for row: the project (version, next key, so retired keys stay retired),
its tasks, every patch record (patch, inverse, author, versions, times, so undo and redo keep working in
the copy) and its conversation. The source is read in one snapshot; the destination is written in one
transaction whose first statement checks that none of the ids is taken: a taken id is refused before
anything is written, and a failure leaves nothing half-copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from taskforge.core.errors import BadInput, UnknownProject
from taskforge.store import database
from taskforge.store.repository import SqlRepository, message_t, notify, project_t, record_t, task_t


@dataclass(frozen=True)
class Copied:
    project_id: str
    version: int
    tasks: int
    records: int
    messages: int


def copy_projects(src: str, dst: str, project_ids: Sequence[str] = ()) -> list[Copied]:
    """Copy `project_ids` (all of the source's projects when empty) from `src` to `dst` (paths or URLs)."""
    src_url, dst_url = database.database_url(src), database.database_url(dst)
    if src_url == dst_url:
        raise BadInput("the source and the destination are the same database")
    with SqlRepository.open(src, create=False) as source:
        data = _read(source, list(dict.fromkeys(project_ids)))
    if not data.projects:
        raise BadInput(f"{database.describe(src_url)} holds no project to copy")
    with SqlRepository.open(dst) as target:
        _write(target, data)
    return [
        Copied(
            row["id"], row["version"],
            sum(t["project_id"] == row["id"] for t in data.tasks),
            sum(r["project_id"] == row["id"] for r in data.records),
            sum(m["project_id"] == row["id"] for m in data.messages),
        )
        for row in data.projects
    ]


@dataclass
class _Data:
    projects: list[dict]
    tasks: list[dict]
    records: list[dict]
    messages: list[dict]


def _rows(connection, table, ids: list[str], *, key: str = "project_id") -> list[dict]:
    query = select(table).where(table.c[key].in_(ids)).order_by(table.c.id)
    return [dict(row._mapping) for row in connection.execute(query)]


def _read(source: SqlRepository, wanted: list[str]) -> _Data:
    with source._read() as connection, connection.begin():  # one snapshot for every table
        ids = wanted or [row[0] for row in connection.execute(select(project_t.c.id).order_by(project_t.c.id))]
        projects = _rows(connection, project_t, ids, key="id")
        found = {row["id"] for row in projects}
        for project_id in wanted:
            if project_id not in found:
                raise UnknownProject(project_id)
        return _Data(projects, _rows(connection, task_t, ids), _rows(connection, record_t, ids),
                     _rows(connection, message_t, ids))


def _depths(tasks: list[dict]) -> dict[int, int]:
    parent = {task["id"]: task["parent_id"] for task in tasks}
    depth: dict[int, int] = {}
    for task_id in parent:
        chain = []
        current = task_id
        while current is not None and current not in depth:
            chain.append(current)
            current = parent[current]
        level = depth[current] if current is not None else 0
        for node in reversed(chain):
            level += 1
            depth[node] = level
    return depth


def _write(target: SqlRepository, data: _Data) -> None:
    ids = [row["id"] for row in data.projects]
    with target._write() as (connection, _):
        taken = sorted(row[0] for row in connection.execute(select(project_t.c.id).where(project_t.c.id.in_(ids))))
        if taken:
            listed = ", ".join(f"'{project_id}'" for project_id in taken)
            raise BadInput(
                f"{listed} already {'exists' if len(taken) == 1 else 'exist'} in {target._where()}: nothing was copied"
            )
        connection.execute(project_t.insert(), data.projects)
        # Tasks get new row ids in the destination: parents first, then each child pointing at its
        # parent's new id (looked up by project and key, which stay the same).
        new_id: dict[int, int] = {}
        by_depth: dict[int, list[dict]] = {}
        depth = _depths(data.tasks)
        for task in data.tasks:
            by_depth.setdefault(depth[task["id"]], []).append(task)
        for level in sorted(by_depth):
            tasks = by_depth[level]
            connection.execute(
                task_t.insert(),
                [{name: value for name, value in task.items() if name != "id"}
                 | {"parent_id": new_id[task["parent_id"]] if task["parent_id"] is not None else None}
                 for task in tasks],
            )
            wanted = {(task["project_id"], task["key"]): task["id"] for task in tasks}
            for project_id in {task["project_id"] for task in tasks}:
                keys = [key for (pid, key) in wanted if pid == project_id]
                for start in range(0, len(keys), 500):
                    query = select(task_t.c.key, task_t.c.id).where(
                        task_t.c.project_id == project_id, task_t.c.key.in_(keys[start:start + 500])
                    )
                    for key, row_id in connection.execute(query):
                        new_id[wanted[(project_id, key)]] = row_id
        for table, rows in ((record_t, data.records), (message_t, data.messages)):
            if rows:
                connection.execute(table.insert(), [{n: v for n, v in row.items() if n != "id"} for row in rows])
        if connection.dialect.name == "postgresql":
            for row in data.projects:
                notify(connection, row["id"], row["version"])
