"""The schema is versioned with Alembic: created on first open, upgraded in place, newer ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from taskforge.core.errors import StoreError
from taskforge.store import database, schema, tables  # noqa: F401  (registers the tables)
from taskforge.store.repository import SqlRepository


def test_new_database_is_stamped_at_head_with_wal_and_foreign_keys(db_path):
    SqlRepository.open(str(db_path)).close()
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (schema.HEAD,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_every_pooled_connection_enforces_foreign_keys(repo):
    with repo.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def migrated_database(path) -> None:
    """A database built by running every Alembic migration (not by the new-database shortcut)."""
    engine = database.create(f"sqlite:///{path}")
    try:
        database.upgrade(engine)
    finally:
        engine.dispose()


def schema_of(path) -> set[tuple]:
    """Every table's columns (in order: name, type, NOT NULL, default, key), foreign keys and indexes, as
    SQLite reports them. Not the stored DDL text: a column added by a later migration (ALTER TABLE ... ADD
    COLUMN) is spelled at the end of its table's text, after the constraints, but is the same column."""
    with sqlite3.connect(path) as connection:
        found: set[tuple] = set()
        for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            found.add(("columns", table, tuple(connection.execute(f"PRAGMA table_xinfo({table})"))))
            found.add(("foreign keys", table, tuple(connection.execute(f"PRAGMA foreign_key_list({table})"))))
            for _, index, unique, origin, partial in connection.execute(f"PRAGMA index_list({table})").fetchall():
                columns = tuple(connection.execute(f"PRAGMA index_xinfo({index})"))
                found.add(("index", table, index, unique, origin, partial, columns))
        return found


def test_a_new_database_is_exactly_what_the_migrations_build(tmp_path, db_path):
    """New databases skip Alembic (create_head): same DDL, same indexes, same stamp."""
    SqlRepository.open(str(db_path)).close()
    migrated_database(tmp_path / "migrated.db")
    assert schema_of(db_path) == schema_of(tmp_path / "migrated.db")
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema.HEAD,)]


def test_migrations_build_exactly_the_tables_the_models_describe(db_path):
    migrated_database(db_path)
    migrated = inspect(create_engine(f"sqlite:///{db_path}"))
    reference_engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(reference_engine)
    reference = inspect(reference_engine)
    assert set(reference.get_table_names()) == set(migrated.get_table_names()) - {"alembic_version"}
    for table in reference.get_table_names():
        expected = {(c["name"], c["nullable"]) for c in reference.get_columns(table)}
        actual = {(c["name"], c["nullable"]) for c in migrated.get_columns(table)}
        assert actual == expected, table
        assert {tuple(i["column_names"]) for i in reference.get_indexes(table)} <= {
            tuple(i["column_names"]) for i in migrated.get_indexes(table)
        } | {tuple(u["column_names"]) for u in migrated.get_unique_constraints(table)}


def test_head_sql_is_what_the_models_make_today(tmp_path):
    """head.sql is generated: a table model changed without regenerating it fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("write_head_sql", Path(__file__).parents[2] / "scripts/write_head_sql.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body = schema.HEAD_SQL.read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert body == module.head_ddl(), "the tables changed: run scripts/write_head_sql.py"


def test_head_constant_matches_the_migration_scripts():
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("taskforge.store") / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert script.get_current_head() == schema.HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(schema.REVISIONS)


def test_unstamped_taskforge_tables_are_refused(db_path):
    SqlRepository.open(str(db_path)).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("DELETE FROM alembic_version")

    with pytest.raises(StoreError, match="not a taskforge database"):
        SqlRepository.open(str(db_path))


def test_newer_database_is_refused_and_left_alone(db_path):
    SqlRepository.open(str(db_path)).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer taskforge"):
        SqlRepository.open(str(db_path))
    assert db_path.read_bytes() == before


def test_a_database_from_before_authors_is_upgraded_in_place(db_path):
    """A database at revision 0001 (no author column) opens, upgrades to HEAD, keeps its history (old
    records have no author) and records the author of new changes."""
    from alembic import command
    from alembic.config import Config

    from taskforge.core.history import Provenance
    from taskforge.core.models import Mode, Project
    from tests.builders import patch, update
    from tests.conftest import sample_patch

    engine = database.create(f"sqlite:///{db_path}")
    try:
        config = Config()
        config.set_main_option("script_location", str(resources_dir()))
        with engine.connect().execution_options(**database.WRITE) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.commit()
    finally:
        engine.dispose()
    with sqlite3.connect(db_path) as connection:
        assert "author" not in {row[1] for row in connection.execute("PRAGMA table_info(patch_record)")}
        # A project with one record, written as the first taskforge wrote them.
        connection.execute(
            "INSERT INTO project (id, title, summary, status, version, next_key, created_at, updated_at)"
            " VALUES ('old', 'Old', '', 'draft', 0, 1, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')"
        )
    connection.close()
    with SqlRepository.open(str(db_path), author="alice") as repo:
        repo.apply_patch(sample_patch().model_copy(update={"project_id": "old"}), mode=Mode.IMPORT,
                         provenance=Provenance(message="first"))
        repo.apply_patch(patch(update("T1", title="x"), project="old", base=1), mode=Mode.EDIT,
                         provenance=Provenance(message="second", author="bob"))
        repo.create_project(Project(id="new", title="New"), sample_patch(), Provenance())
        assert [r.author for r in repo.history("old")] == ["alice", "bob"]
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema.HEAD,)]
        connection.execute("UPDATE patch_record SET author = NULL WHERE seq = 1 AND project_id = 'old'")
    connection.close()
    with SqlRepository.open(str(db_path)) as repo:
        assert [r.author for r in repo.history("old")] == [None, "bob"]


def resources_dir():
    from importlib import resources

    return resources.files("taskforge.store") / "migrations"


def test_any_sqlalchemy_url_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'via-url.db'}"
    with SqlRepository.open(url) as repo:
        assert repo.projects() == []
    assert (tmp_path / "via-url.db").exists()
