"""Bad database files and places: one clear line on stderr, exit 1, no traceback, nothing changed.

Every command is tried on each, the read-only ones (which open SQLite through the lean reader) and
the writing ones (through SQLAlchemy), so both paths are held to the same messages.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskforge.cli import app
from tests.conftest import SAMPLE

EXAMPLE = Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"
READS = [["show", "auth-flow"], ["show", "auth-flow", "--json"], ["projects"], ["projects", "--json"],
         ["history", "auth-flow"], ["export", "auth-flow", "--format", "md"]]
WRITES = [["import", str(EXAMPLE)], ["undo", "auth-flow"], ["approve", "auth-flow"], ["apply", "auth-flow", "PATCH"]]


def run(args: list[str], db: Path, tmp_path: Path):
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps(SAMPLE | {"project_id": "auth-flow", "base_version": 1}))
    args = [str(patch) if a == "PATCH" else a for a in args]
    return CliRunner().invoke(app, [*args, "--db", str(db)], catch_exceptions=False)


def assert_one_clear_line(result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert line.count("\n") == 0, line
    assert line.startswith("taskforge: ")
    for fragment in expected:
        assert fragment in line, line
    assert "Traceback" not in result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def stored(tmp_path) -> Path:
    db = tmp_path / "store" / "taskforge.db"
    db.parent.mkdir()
    assert CliRunner().invoke(app, ["import", str(EXAMPLE), "--db", str(db)]).exit_code == 0
    return db


@pytest.fixture
def read_only():
    """Makes a file or folder read-only: chmod, or `chattr +i` for root (whom chmod does not stop)."""
    undo = []

    def protect(path: Path) -> None:
        if os.geteuid() != 0:
            mode = path.stat().st_mode
            path.chmod(0o555 if path.is_dir() else 0o444)
            undo.append(lambda: path.chmod(mode))
            return
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root where `chattr +i` is not allowed: nothing can make a file read-only")
        undo.append(lambda: subprocess.run([chattr, "-i", str(path)], check=True))

    yield protect
    for step in reversed(undo):
        step()


@pytest.mark.parametrize("args", READS + WRITES, ids=lambda a: " ".join(a[:2]))
def test_a_file_that_is_not_sqlite(tmp_path, args):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not sqlite at all\n" * 200)
    assert_one_clear_line(run(args, db, tmp_path), str(db), "not a taskforge database")
    assert db.read_bytes() == b"this is not sqlite at all\n" * 200


@pytest.mark.parametrize("args", READS + WRITES, ids=lambda a: " ".join(a[:2]))
def test_a_corrupt_sqlite_file(tmp_path, stored, args):
    data = bytearray(stored.read_bytes())
    data[4096:] = bytes((i * 7) & 255 for i in range(4096, len(data)))  # header page intact, the rest garbage
    stored.write_bytes(bytes(data))
    assert_one_clear_line(run(args, stored, tmp_path), str(stored), "corrupt")
    assert stored.read_bytes() == bytes(data)


@pytest.mark.parametrize("args", READS + WRITES, ids=lambda a: " ".join(a[:2]))
def test_a_database_from_a_newer_taskforge(tmp_path, stored, args):
    with sqlite3.connect(stored) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    before = snapshot(stored.parent)
    assert_one_clear_line(run(args, stored, tmp_path), str(stored), "newer taskforge (schema 9999)", "upgrade taskforge")
    assert snapshot(stored.parent) == before


@pytest.mark.parametrize("args", READS + WRITES, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_folder(tmp_path, stored, read_only, args):
    """SQLite needs to create its WAL files beside the database: a clear refusal, naming the file."""
    before = snapshot(stored.parent)
    read_only(stored.parent)
    assert_one_clear_line(run(args, stored, tmp_path), str(stored), "permissions")
    assert snapshot(stored.parent) == before


def test_a_new_database_in_a_read_only_folder(tmp_path, read_only):
    folder = tmp_path / "locked"
    folder.mkdir()
    read_only(folder)
    db = folder / "new.db"
    assert_one_clear_line(run(["import", str(EXAMPLE)], db, tmp_path), str(db), "permissions")
    assert not db.exists()


@pytest.mark.parametrize("args", [a for a in WRITES if a[0] != "approve"], ids=lambda a: " ".join(a[:2]))  # (already approved)
def test_a_read_only_database_file_refuses_writes(tmp_path, stored, read_only, args):
    before = stored.read_bytes()
    read_only(stored)
    assert_one_clear_line(run(args, stored, tmp_path), str(stored), "read-only")
    assert stored.read_bytes() == before  # (SQLite may leave an empty WAL beside it)


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_database_file_can_still_be_read(tmp_path, stored, read_only, args):
    read_only(stored)
    result = run(args, stored, tmp_path)
    assert result.exit_code == 0, result.output
