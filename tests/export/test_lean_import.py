"""The lean `import` (launch.py → export/lean_import.py): the database it writes is the one the full
command writes, row for row; what it prints is what the full command prints; it loads neither the
command-line parser nor the ORM; and anything it does not take is the full command's, untouched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from taskforge.export import exporter
from taskforge.store import database, schema
from tests.export.test_lean_export import EXAMPLE, full_command, taskforge
from tests.export.trees import awkward_tree

REAL = Path(__file__).parent.parent / "fixtures" / "real"
_TIMES = {"created_at", "updated_at"}


def contents(db: Path) -> dict[str, list]:
    """Every row of the tables an import writes, timestamps left out."""
    with sqlite3.connect(db) as connection:
        found = {}
        for table in ("project", "task", "patch_record", "message", "alembic_version"):
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY 1")
            names = [column[0] for column in cursor.description]
            found[table] = [{n: v for n, v in zip(names, row, strict=True) if n not in _TIMES} for row in cursor]
        return found


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    awkward = tmp_path / "awkward.json"
    awkward.write_text(exporter("taskwarrior").render(awkward_tree()), encoding="utf-8")
    markdown = tmp_path / "plan.md"
    markdown.write_text(exporter("md").render(awkward_tree()), encoding="utf-8")
    return {"example": EXAMPLE, "awkward": awkward, "quirks": REAL / "taskwarrior-quirks.json", "markdown": markdown}


@pytest.mark.parametrize("name", ["example", "awkward", "quirks", "markdown"])
def test_the_lean_import_writes_and_prints_what_the_full_command_does(files, tmp_path, name):
    lean_run = taskforge("import", str(files[name]), "--db", str(tmp_path / "lean.db"), cwd=tmp_path)
    full_run = full_command("import", str(files[name]), "--db", str(tmp_path / "full.db"), cwd=tmp_path)
    assert lean_run.returncode == full_run.returncode == 0, lean_run.stderr + full_run.stderr
    assert (lean_run.stdout, lean_run.stderr) == (full_run.stdout, full_run.stderr)
    assert contents(tmp_path / "lean.db") == contents(tmp_path / "full.db")
    with sqlite3.connect(tmp_path / "lean.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_into_a_database_that_has_the_project_already_both_pick_the_next_free_id(files, tmp_path):
    for db, run in (("lean.db", taskforge), ("full.db", full_command)):
        for _ in range(3):
            assert run("import", str(files["example"]), "--db", str(tmp_path / db), "--json", cwd=tmp_path).returncode == 0
    assert contents(tmp_path / "lean.db") == contents(tmp_path / "full.db")
    last = taskforge("import", str(files["example"]), "--db", str(tmp_path / "lean.db"), "--json", cwd=tmp_path)
    assert json.loads(last.stdout) == {"id": "auth-flow-4", "title": "New user authentication flow", "tasks": 8, "version": 1}


def test_a_lean_import_is_undone_and_redone_exactly(files, tmp_path):
    db = str(tmp_path / "x.db")
    assert taskforge("import", str(files["awkward"]), "--db", db, cwd=tmp_path).returncode == 0
    before = taskforge("export", "awkward", "--format", "json", "--db", db, cwd=tmp_path).stdout
    assert taskforge("undo", "awkward", "--db", db, cwd=tmp_path).returncode == 0
    shown = taskforge("show", "awkward", "--db", db, "--json", cwd=tmp_path)
    assert json.loads(shown.stdout)["tasks"] == []
    assert taskforge("redo", "awkward", "--db", db, cwd=tmp_path).returncode == 0
    after = taskforge("export", "awkward", "--format", "json", "--db", db, cwd=tmp_path).stdout
    assert json.loads(after)["tasks"] == json.loads(before)["tasks"]


def test_the_lean_import_loads_neither_the_parser_nor_the_orm_nor_the_settings(files, tmp_path):
    code = (
        "import sys, json\n"
        f"sys.argv = ['taskforge', 'import', {str(files['example'])!r}, '--db', {str(tmp_path / 'x.db')!r}]\n"
        "import taskforge.launch as launch\n"
        "launch.leave = sys.exit  # stay alive to list what was loaded\n"
        "try:\n    launch.main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "sys.stderr.write(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {name: value for name, value in os.environ.items() if name != "TASKFORGE_CONFIG"}  # no config file at all
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr
    modules = set(json.loads(result.stderr.splitlines()[-1]))
    assert not modules & {"typer", "click", "sqlalchemy", "sqlmodel", "alembic", "rich", "textual", "pydantic_settings"}


@pytest.mark.parametrize(
    "args",
    [
        ["import", "missing.json"],  # no such file
        ["import", "bad.json", "--format", "taskwarrior"],  # not JSON
        ["import", "cycle.json"],  # a cycle of parents
        ["import", "plan.txt"],  # a format that cannot be told
        ["import", "folder"],  # a folder that is no Backlog.md
    ],
)
def test_errors_are_the_full_commands_own_and_write_nothing(tmp_path, args):
    (tmp_path / "bad.json").write_text("[{oops")
    (tmp_path / "plan.txt").write_text("hello")
    (tmp_path / "plan.md").write_text("# Plan\n- [ ] a\n")
    (tmp_path / "cycle.json").write_text(json.dumps({"format": "taskforge/1", "project": {"id": "p", "title": "P"},
                                                     "tasks": [{"key": "T1", "title": "A", "parent": "T2"},
                                                               {"key": "T2", "title": "B", "parent": "T1"}]}))
    (tmp_path / "folder").mkdir()
    lean_run = taskforge(*args, "--db", str(tmp_path / "lean.db"), cwd=tmp_path)
    full_run = full_command(*args, "--db", str(tmp_path / "full.db"), cwd=tmp_path)
    assert lean_run.returncode == full_run.returncode != 0
    assert lean_run.stderr == full_run.stderr and lean_run.stderr.startswith("taskforge: ")
    assert lean_run.stdout == ""
    for db in ("lean.db", "full.db"):
        path = tmp_path / db
        if path.exists():
            with sqlite3.connect(path) as connection:
                assert connection.execute("SELECT count(*) FROM project").fetchone() == (0,)


def test_a_config_file_is_read_for_the_author(files, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('user = "alice"\n')
    env = {**os.environ, "TASKFORGE_CONFIG": str(config)}
    run = taskforge("import", str(files["example"]), "--db", str(tmp_path / "x.db"), cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "x.db") as connection:
        assert connection.execute("SELECT author FROM patch_record").fetchall() == [("alice",)]


def test_a_database_from_an_older_taskforge_is_upgraded_by_the_full_command(files, tmp_path):
    db = tmp_path / "old.db"
    engine = database.create(f"sqlite:///{db}")
    try:  # the schema one revision back, as the taskforge before this one left it
        config = Config()
        config.set_main_option("script_location", str(resources.files("taskforge.store") / "migrations"))
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, schema.REVISIONS[-2])
            connection.commit()
    finally:
        engine.dispose()
    run = taskforge("import", str(files["example"]), "--db", str(db), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (schema.HEAD,)
        assert connection.execute("SELECT count(*) FROM task").fetchone() == (8,)


def test_a_config_variable_naming_no_file_is_noted_as_the_full_command_notes_it(files, tmp_path):
    env = {**os.environ, "TASKFORGE_CONFIG": str(tmp_path / "missing.toml")}
    lean_run = taskforge("import", str(files["example"]), "--db", str(tmp_path / "lean.db"), cwd=tmp_path, env=env)
    assert lean_run.returncode == 0
    assert "TASKFORGE_CONFIG names" in lean_run.stderr and "does not exist" in lean_run.stderr
