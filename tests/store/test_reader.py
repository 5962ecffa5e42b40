"""The lean reader answers exactly as SqlRepository does, from the same file, with the same errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from taskforge.core.errors import NoDatabase, StoreError, UnknownProject
from taskforge.core.history import Provenance, RejectedOp
from taskforge.core.models import Mode, Project
from taskforge.store import tables
from taskforge.store.reader import SqliteReader, open_reader
from taskforge.store.repository import SqlRepository
from taskforge.store.rows import (
    MESSAGE_COLUMNS,
    PROJECT_COLUMNS,
    RECORD_COLUMNS,
    SUMMARY_COLUMNS,
    TASK_COLUMNS,
)
from tests.builders import create, delete, patch, update
from tests.generators import generated_patch


@pytest.fixture
def populated(repo: SqlRepository, sample, db_path: Path) -> Path:
    """Two projects with history (an undo, a redo, rejected ops), messages, and odd text."""
    repo.apply_patch(
        patch(
            update("T1", description="Multi\nline", depends_on=["T6"], estimate_minutes=90),
            create("n1", "Ünïcode ✓ [b]markup[/b]", parent_task_id="T5", tags=["x", "y"],
                   acceptance_criteria=["one", "two"], status="doing", priority="critical", actual_minutes=5),
            delete("T3"),
        ),
        mode=Mode.EDIT, provenance=Provenance(message="edit", planner="test", model="m", usage={"tokens": 3}),
        rejected=[RejectedOp(index=2, op={"op": "delete", "task_id": "T2"})],
    )
    repo.undo("sample")
    repo.redo("sample")
    repo.create_project(Project(id="big", title="Big"), generated_patch("big", 300), Provenance(), mode=Mode.IMPORT)
    repo.add_message("sample", None, "user", "hello")
    repo.add_message("sample", "T1", "assistant", "focused")
    repo.add_message("sample", None, "assistant", "again", patch_seq=2)
    return db_path


def test_reader_returns_what_the_repository_returns(repo, populated):
    with SqliteReader.open(populated) as reader:
        assert reader.projects() == repo.projects()
        for project_id in ("sample", "big"):
            ours, theirs = reader.load(project_id), repo.load(project_id)
            assert ours.project == theirs.project
            assert ours.tasks == theirs.tasks
            assert ours.children == theirs.children
            assert reader.history(project_id) == repo.history(project_id)
        for focus in (None, "T1", "T9"):
            assert reader.messages("sample", focus) == repo.messages("sample", focus)
        assert reader.messages("sample", None, limit=1) == repo.messages("sample", None, limit=1)


def test_unknown_project(populated):
    with SqliteReader.open(populated) as reader:
        for read in (reader.load, reader.history):
            with pytest.raises(UnknownProject):
                read("nope")


def test_reader_columns_are_the_tables_columns():
    for table, columns in (
        (tables.ProjectRow, PROJECT_COLUMNS), (tables.ProjectRow, SUMMARY_COLUMNS), (tables.TaskRow, TASK_COLUMNS),
        (tables.PatchRecordRow, RECORD_COLUMNS), (tables.MessageRow, MESSAGE_COLUMNS),
    ):
        assert set(columns) <= set(table.__table__.columns.keys()), table.__tablename__


def test_sqlite_files_get_the_reader_and_other_urls_the_repository(populated, tmp_path):
    for db in (str(populated), f"sqlite:///{populated}"):
        with open_reader(db) as reader:
            assert isinstance(reader, SqliteReader)
    with open_reader(f"sqlite:///{populated}?timeout=5") as other:
        assert isinstance(other, SqlRepository)
        assert [p.id for p in other.projects()] == ["big", "sample"]


def test_an_empty_file_goes_through_the_upgrading_path(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    with open_reader(str(empty)) as reader:
        assert isinstance(reader, SqlRepository)
        assert reader.projects() == []


def errors(db: str) -> tuple[str, str]:
    messages = []
    for opener in (open_reader, lambda db: SqlRepository.open(db, create=False)):
        with pytest.raises(StoreError) as info:
            opener(db).close()
        messages.append(str(info.value))
    return messages[0], messages[1]


def test_a_missing_database_is_no_database_on_both_paths(tmp_path):
    missing = tmp_path / "missing.db"
    for opener in (open_reader, lambda db: SqlRepository.open(db, create=False)):
        with pytest.raises(NoDatabase) as info:
            opener(str(missing)).close()
        assert info.value.path == missing.resolve()
        assert isinstance(info.value, StoreError)
    assert not missing.exists()


def test_same_messages_as_the_repository(tmp_path, db_path):
    ours, theirs = errors(str(tmp_path / "missing.db"))
    assert ours == theirs and "no database at" in ours
    assert not (tmp_path / "missing.db").exists()

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not sqlite " * 500)
    ours, theirs = errors(str(corrupt))
    assert ours == theirs and "not a taskforge database" in ours

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER)")
    ours, theirs = errors(str(other))
    assert ours == theirs and "holds other tables" in ours

    SqlRepository.open(str(db_path)).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    ours, theirs = errors(str(db_path))
    assert ours == theirs and "newer taskforge (schema ffff)" in ours

    ours, theirs = errors(str(tmp_path))
    assert ours == theirs and "is a directory" in ours
