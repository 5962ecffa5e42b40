"""`taskforge db copy`: projects with their whole history between databases, nothing half-copied."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

EXAMPLE = Path(__file__).parent.parent.parent / "data" / "examples" / "auth-flow.json"


def taskforge(*args: str, user: str = "alice") -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "TASKFORGE_USER": user}
    return subprocess.run([sys.executable, "-m", "taskforge", *args], capture_output=True, text=True, timeout=120, env=env)


def ok(*args: str, user: str = "alice") -> str:
    done = taskforge(*args, user=user)
    assert done.returncode == 0, done.stderr
    return done.stdout


def build(db: str, tmp_path: Path) -> None:
    """Two projects with history in every shape: applies by two authors, undo, redo, a conversation."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SAMPLE), encoding="utf-8")
    ok("apply", "sample", str(seed), "--db", db)
    change = tmp_path / "change.json"
    change.write_text(json.dumps({"project_id": "sample", "base_version": 1, "task_patches": [
        {"op": "update", "task_id": "T4", "body": {"depends_on": []}},
        {"op": "delete", "task_id": "T1", "cascade": True}]}), encoding="utf-8")
    ok("apply", "sample", str(change), "--db", db, user="bob")
    ok("undo", "sample", "--db", db, user="carol")
    ok("redo", "sample", "--db", db)
    ok("undo", "sample", "--db", db)
    ok("import", str(EXAMPLE), "--db", db)
    ok("plan", "-p", "auth-flow", "add Write the docs", "--yes", "--db", db, user="dave")


def views(db: str) -> dict[str, str]:
    return {
        f"{what} {project}": ok(*args, project, *extra, "--db", db)
        for project in ("sample", "auth-flow")
        for what, args, extra in (("export", ["export"], ["--format", "json"]), ("history", ["history"], ["--json"]),
                                  ("show", ["show"], ["--json"]))
    }


def test_sqlite_to_postgresql_to_sqlite_is_identical(tmp_path, pg_url):
    first = str(tmp_path / "first.db")
    build(first, tmp_path)
    before = views(first)
    assert "Copied 'auth-flow'" in ok("db", "copy", first, pg_url)
    assert views(pg_url) == before
    last = str(tmp_path / "last.db")
    ok("db", "copy", pg_url, last)
    assert views(last) == before
    history = json.loads(before["history sample"])
    assert [r["author"] for r in history] == ["alice", "bob", "carol", "alice", "alice"]

    # Undo and redo keep working in the copy, exactly as in the original.
    for db in (first, pg_url, last):
        ok("redo", "sample", "--db", db)
        ok("undo", "auth-flow", "--db", db)
    def timeless(db: str) -> dict:  # the new records were written at three different moments
        return {name: [{k: v for k, v in r.items() if k != "created_at"} for r in json.loads(text)]
                if name.startswith("history") else text for name, text in views(db).items()}

    assert timeless(pg_url) == timeless(first) == timeless(last)
    # The conversation came along: the planner's context in the copy holds it.
    import sqlite3

    with sqlite3.connect(first) as a, sqlite3.connect(last) as b:
        query = "SELECT project_id, focus, role, content, patch_seq, created_at FROM message ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall() != []


def test_taken_ids_are_refused_before_anything_is_written(tmp_path, store):
    src = str(tmp_path / "src.db")
    build(src, tmp_path)
    ok("import", str(EXAMPLE), "--db", store.url)  # 'auth-flow' is taken in the destination
    before = store.digest()
    refused = taskforge("db", "copy", src, store.url)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "'auth-flow' already exists in" in refused.stderr and "nothing was copied" in refused.stderr
    assert store.digest() == before
    # Only the free one, asked for by name, copies.
    assert "Copied 'sample'" in ok("db", "copy", src, store.url, "--project", "sample")
    assert {p["id"] for p in json.loads(ok("projects", "--json", "--db", store.url))} == {"auth-flow", "sample"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--project", "nope"], "no project 'nope'"),
        ([], "same database"),
    ],
)
def test_bad_copies_are_one_line(tmp_path, args, expected):
    src = str(tmp_path / "src.db")
    ok("import", str(EXAMPLE), "--db", src)
    dst = src if expected == "same database" else str(tmp_path / "dst.db")
    done = taskforge("db", "copy", src, dst, *args)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_source_is_one_line(tmp_path):
    done = taskforge("db", "copy", str(tmp_path / "none.db"), str(tmp_path / "dst.db"))
    assert done.returncode == 1 and "no database at" in done.stderr
    assert not (tmp_path / "dst.db").exists()


def test_a_copy_that_fails_midway_leaves_nothing(tmp_path, store, monkeypatch):
    from taskforge.store import copy

    src = str(tmp_path / "src.db")
    build(src, tmp_path)
    from taskforge.store.repository import SqlRepository

    SqlRepository.open(store.url).close()  # the destination exists, with its schema
    before = store.digest()
    original = copy._depths

    def broken(tasks):
        original(tasks)
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(copy, "_depths", broken)
    with pytest.raises(RuntimeError):
        copy.copy_projects(src, store.url)
    monkeypatch.setattr(copy, "_depths", original)
    assert store.digest() == before
    assert json.loads(ok("projects", "--json", "--db", store.url)) == []
