"""The command line on a real PostgreSQL server: every command, authors, and the faults a user can meet
(unreachable server, refused login, missing database, newer schema), each one line with no password in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskforge.cli import app
from tests.conftest import SAMPLE

EXAMPLE = Path(__file__).parent.parent.parent / "data" / "examples" / "auth-flow.json"


@pytest.fixture
def pg(pg_url, monkeypatch):
    """The CLI in-process on a fresh PostgreSQL database, as user `alice` unless told otherwise."""
    from taskforge import config

    runner = CliRunner()

    def invoke(*args: str, user: str = "alice", input: str | None = None):
        monkeypatch.setenv("TASKFORGE_USER", user)
        config.settings.cache_clear()
        return runner.invoke(app, [*args, "--db", pg_url], input=input, catch_exceptions=False)

    invoke.url = pg_url
    return invoke


def test_every_command_on_postgresql(pg, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SAMPLE), encoding="utf-8")
    applied = pg("apply", "sample", str(seed), "--json")
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.output)["author"] == "alice"

    shown = json.loads(pg("show", "sample", "--json").output)
    assert shown["project"]["version"] == 1 and [t["key"] for t in shown["tasks"]] == ["T1", "T4", "T6"]

    change = {"project_id": "sample", "base_version": 1,
              "task_patches": [{"op": "update", "task_id": "T6", "body": {"title": "Launch"}}]}
    (tmp_path / "change.json").write_text(json.dumps(change), encoding="utf-8")
    assert pg("apply", "sample", str(tmp_path / "change.json"), user="bob").exit_code == 0
    stale = pg("apply", "sample", str(tmp_path / "change.json"))
    assert stale.exit_code == 3 and stale.output.startswith("taskforge: version conflict")

    assert pg("approve", "sample").exit_code == 0
    assert pg("undo", "sample", user="carol").exit_code == 0
    assert pg("redo", "sample", user="dave").exit_code == 0
    history = json.loads(pg("history", "sample", "--json").output)
    assert [(r["seq"], r["kind"], r["author"]) for r in history] == [
        (1, "apply", "alice"), (2, "apply", "bob"), (3, "apply", "alice"), (4, "undo", "carol"), (5, "redo", "dave"),
    ]
    assert [r["version_after"] for r in history] == [1, 2, 3, 4, 5]
    human = pg("history", "sample").output
    assert len(human.splitlines()) == 5 and "redo #3" in human

    exported = pg("export", "sample", "--format", "json")
    assert exported.exit_code == 0
    (tmp_path / "sample.json").write_text(exported.output, encoding="utf-8")
    imported = pg("import", str(tmp_path / "sample.json"), "--json")
    assert imported.exit_code == 0, imported.output
    copy_id = json.loads(imported.output)["id"]
    assert copy_id == "sample-2"
    assert pg("export", copy_id, "--format", "json").output == exported.output.replace('"sample"', '"sample-2"', 1)

    planned = pg("plan", "Plan the company offsite", "--yes", "--json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.output)["applied"]["author"] == "alice"
    listed = json.loads(pg("projects", "--json").output)
    assert {p["id"] for p in listed} == {"sample", "sample-2", "plan-the-company-offsite"}


def test_an_empty_database_lists_no_projects_and_gets_no_schema(pg):
    assert pg("projects").output == "No projects yet.\n"
    unknown = pg("show", "nope")
    assert unknown.exit_code == 1 and "no project 'nope'" in unknown.output


def test_a_newer_schema_is_refused_in_one_line(pg, tmp_path):
    import psycopg

    from taskforge.store.schema import libpq_uri

    assert pg("import", str(EXAMPLE)).exit_code == 0
    with psycopg.connect(libpq_uri(pg.url), autocommit=True) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    for args in (["show", "auth-flow"], ["undo", "auth-flow"], ["projects"]):
        result = pg(*args)
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and "newer taskforge (schema ffff)" in result.output


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskforge", *args], capture_output=True, text=True, timeout=60)


SECRET = "s3cr%40t-Pa55"  # percent-encoded '@' too: neither form may show


@pytest.mark.parametrize("kind", ["unreachable", "refused login", "missing database"])
@pytest.mark.parametrize("command", [["projects"], ["show", "x", "--json"], ["history", "x"], ["undo", "x"],
                                     ["import", str(EXAMPLE)]])
def test_server_faults_are_one_line_without_the_password(pg_server, tmp_path, kind, command):
    socket = f"host={pg_server.socket_dir}&port=5433"
    url = {
        "unreachable": f"postgresql://alice:{SECRET}@127.0.0.1:1/db",
        "refused login": f"postgresql://nobody:{SECRET}@/postgres?{socket}",  # no such role
        "missing database": f"postgresql://postgres:{SECRET}@/no_such_db?{socket}",
    }[kind]
    result = run(*command, "--db", url)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskforge: cannot open postgresql+psycopg://"), lines
    assert "Traceback" not in result.stderr
    assert "s3cr" not in result.stderr and "Pa55" not in result.stderr
    assert ":***@" in lines[0]
    expected = {"unreachable": "Connection refused", "refused login": 'role "nobody" does not exist',
                "missing database": 'database "no_such_db" does not exist'}[kind]
    assert expected in lines[0]
