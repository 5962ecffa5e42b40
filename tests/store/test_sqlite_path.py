"""On SQLite and PostgreSQL the repository writes through the driver; elsewhere through SQLAlchemy Core.
Both paths must leave the same rows, so the portable one is exercised here on SQLite and PostgreSQL too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.store import database
from taskforge.store.repository import SqlRepository
from tests.builders import create, delete, patch, update
from tests.conftest import sample_patch
from tests.generators import generated_patch


def open_repo(path: Path | str, portable: bool) -> SqlRepository:
    engine = database.open_database(database.database_url(str(path)), create_missing=True)
    return SqlRepository(engine.execution_options(taskforge_portable=True) if portable else engine)


def scenario(repo: SqlRepository) -> None:
    repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance(message="seed"))
    repo.create_project(Project(id="big", title="Big"), generated_patch("big", 400), Provenance(), mode=Mode.IMPORT)
    repo.apply_patch(
        patch(
            create("n1", "New ✓", parent_task_id="T5", tags=["a"], acceptance_criteria=["x"], depends_on=["T6"]),
            create("n2", "Deeper", parent_task_id="n1", estimate_minutes=5),
            update("T1", title="Design it", description="two\nlines", estimate_minutes=None),
            update("T6", parent_task_id="T4", position=0),
            update("T3", depends_on=[]),
            delete("T2"),
            delete("T4", cascade=True),
        ),
        mode=Mode.EDIT,
    )
    repo.undo("sample")
    repo.redo("sample")
    repo.undo("sample")


def rows(path: Path | str) -> dict[str, list[tuple]]:
    """Every stored value but row ids (each path hands those out in its own order) and timestamps."""
    if isinstance(path, str):  # a PostgreSQL URL
        import psycopg

        from taskforge.store.schema import libpq_uri

        def open_db():
            connection = psycopg.connect(libpq_uri(path))
            connection.execute = _qmark(connection.execute)
            return connection
    else:
        def open_db():
            return sqlite3.connect(path)
    with open_db() as connection:
        return {
            "task": sorted(connection.execute(
                "SELECT t.project_id, t.key, p.key, t.position, t.title, t.description, t.status, t.priority,"
                " t.estimate_minutes, t.actual_minutes, CAST(t.acceptance_criteria AS TEXT), CAST(t.depends_on AS TEXT),"
                " CAST(t.tags AS TEXT)"
                " FROM task t LEFT JOIN task p ON p.id = t.parent_id"
            ).fetchall()),
            "project": connection.execute("SELECT id, title, summary, status, version, next_key FROM project ORDER BY id").fetchall(),
            "records": [
                (*row[:-4], *(json.loads(value) if isinstance(value, str) else value for value in row[-4:]))
                for row in connection.execute(
                    "SELECT project_id, seq, kind, target_seq, mode, focus, message, planner, model, version_before,"
                    " version_after, usage, patch, inverse, rejected_ops FROM patch_record ORDER BY id"
                )
            ],
        }


def test_native_and_portable_writes_are_identical(tmp_path):
    paths = {}
    for portable in (False, True):
        paths[portable] = tmp_path / f"{'portable' if portable else 'native'}.db"
        repo = open_repo(paths[portable], portable)
        try:
            scenario(repo)
        finally:
            repo.close()
    assert rows(paths[False]) == rows(paths[True])


def _qmark(execute):
    return lambda sql, *args: execute(sql.replace("?", "%s"), *args)


def test_native_and_portable_writes_are_identical_on_postgresql(pg_server):
    urls = {portable: pg_server.create_database() for portable in (False, True)}
    for portable, url in urls.items():
        repo = open_repo(url, portable)
        try:
            scenario(repo)
        finally:
            repo.close()
    assert rows(urls[False]) == rows(urls[True])


def test_native_and_portable_loads_are_identical(tmp_path):
    path = tmp_path / "x.db"
    with open_repo(path, portable=False) as repo:
        scenario(repo)
    native, portable = open_repo(path, False), open_repo(path, True)
    try:
        for project_id in ("sample", "big"):
            a, b = native.load(project_id), portable.load(project_id)
            assert (a.project, a.tasks, a.children) == (b.project, b.tasks, b.children)
    finally:
        native.close()
        portable.close()
