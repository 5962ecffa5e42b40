"""The command line as a user drives it: typer's runner in-process, and the real entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskforge.cli import app
from tests.conftest import SAMPLE, file_digest

EXAMPLE = Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"


@pytest.fixture
def patch_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SAMPLE), encoding="utf-8")
    return path


def write_patch(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_apply_creates_a_project_and_show_prints_the_tree(cli, patch_file):
    result = cli("apply", "sample", str(patch_file))
    assert result.exit_code == 0, result.output
    assert "+ a → T1  Design" in result.output
    assert "version 0 → 1" in result.output

    shown = cli("show", "sample")
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert lines[0].startswith("sample  Sample")
    assert "[draft · v1]" in lines[0]
    design = next(line for line in lines if "T1" in line)
    assert "est 1d 2h" in design and "[1/3 done" in design  # T1 itself and its two children; T2 is done
    assert any("T2 ● Wireframes" in line for line in lines)


def test_show_json_is_the_documented_document(cli, patch_file):
    cli("apply", "sample", str(patch_file))
    data = json.loads(cli("show", "sample", "--json").output)
    assert data["format"] == "taskforge/1"
    assert data["project"] == {
        "id": "sample", "title": "Sample", "summary": "A sample project", "status": "draft", "version": 1,
    }
    assert [t["key"] for t in data["tasks"]] == ["T1", "T4", "T6"]
    first = data["tasks"][0]
    assert set(first) == {
        "key", "title", "description", "status", "priority", "estimate_minutes", "actual_minutes",
        "acceptance_criteria", "depends_on", "tags", "children",
    }
    assert [c["key"] for c in first["children"]] == ["T2", "T3"]
    assert first["children"][1]["depends_on"] == ["T2"]


def test_dry_run_prints_the_diff_and_writes_nothing(cli, patch_file, db_path):
    cli("apply", "sample", str(patch_file))
    before = file_digest(db_path)
    change = {
        "project_id": "sample", "base_version": 1,
        "task_patches": [{"op": "update", "task_id": "T6", "body": {"title": "Launch", "parent_task_id": "T4"}}],
    }
    result = cli("apply", "sample", str(write_patch(db_path.parent, "move.json", change)), "--dry-run")
    assert result.exit_code == 0
    assert "~ T6  Launch" in result.output
    assert 'title: "Ship" → "Launch"' in result.output
    assert "moved: top level #3 → under T4 #2" in result.output
    assert "nothing was written" in result.output
    assert file_digest(db_path) == before


def test_a_missing_database_lists_no_projects_and_is_not_created(cli, db_path):
    assert cli("projects").output == "No projects yet.\n"
    result = cli("projects", "--json")
    assert result.exit_code == 0 and json.loads(result.output) == []
    assert not db_path.exists()


def test_dry_run_on_a_missing_database(cli, patch_file, db_path):
    result = cli("apply", "sample", str(patch_file), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+ a → T1  Design" in result.output
    assert "nothing was written" in result.output
    assert not db_path.exists()


def test_patch_from_stdin(cli, patch_file):
    result = cli("apply", "sample", "-", input=patch_file.read_text())
    assert result.exit_code == 0
    assert json.loads(cli("projects", "--json").output)[0]["tasks"] == 6


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", "not valid JSON"),
        ('{"project_id": "sample", "base_version": 1, "task_patches": [], "extra": 1}', "extra: unknown field"),
        (
            '{"project_id": "sample", "base_version": 1, "task_patches": '
            '[{"op": "update", "task_id": "T99", "body": {"title": "x"}}]}',
            "op 0 (update T99): task T99 is not a task in this project",
        ),
        (
            '{"project_id": "sample", "base_version": 1, "task_patches": [{"op": "delete", "task_id": "T1"}]}',
            "op 0 (delete T1): T1 has 2 sub-tasks",
        ),
        (
            '{"project_id": "sample", "base_version": 1, "task_patches": '
            '[{"op": "update", "task_id": "T1", "body": {"depends_on": ["T4"]}}]}',
            "cycle: T1 → T4 → T1",
        ),
        ('{"project_id": "other", "base_version": 1, "task_patches": []}', "not 'sample'"),
    ],
)
def test_rejected_patches_exit_1_with_one_line_and_change_nothing(cli, patch_file, db_path, body, expected):
    cli("apply", "sample", str(patch_file))
    before = file_digest(db_path)
    bad = db_path.parent / "bad.json"
    bad.write_text(body)
    result = cli("apply", "sample", str(bad))
    assert result.exit_code == 1
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("taskforge: ")
    assert file_digest(db_path) == before


def test_stale_base_version_exits_3(cli, patch_file, db_path):
    cli("apply", "sample", str(patch_file))
    before = file_digest(db_path)
    stale = {"project_id": "sample", "base_version": 0, "task_patches": [{"op": "delete", "task_id": "T6"}]}
    result = cli("apply", "sample", str(write_patch(db_path.parent, "stale.json", stale)))
    assert result.exit_code == 3
    assert "version conflict" in result.stderr
    assert file_digest(db_path) == before


def test_undo_redo_and_history(cli, patch_file):
    cli("apply", "sample", str(patch_file))
    assert cli("approve", "sample").exit_code == 0
    assert json.loads(cli("show", "sample", "--json").output)["project"]["status"] == "active"

    undo = cli("undo", "sample")
    assert undo.exit_code == 0 and "Undid #2" in undo.output
    assert json.loads(cli("show", "sample", "--json").output)["project"]["status"] == "draft"
    cli("undo", "sample")
    assert json.loads(cli("show", "sample", "--json").output)["tasks"] == []
    nothing = cli("undo", "sample")
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.stderr

    assert cli("redo", "sample").exit_code == 0
    assert len(json.loads(cli("show", "sample", "--json").output)["tasks"]) == 3

    history = json.loads(cli("history", "sample", "--json").output)
    assert [(r["seq"], r["kind"], r["target_seq"]) for r in history] == [
        (1, "apply", None), (2, "apply", None), (3, "undo", 2), (4, "undo", 1), (5, "redo", 1),
    ]
    assert history[0]["counts"] == {"create": 6, "update": 0, "delete": 0}
    assert history[0]["message"] == "apply seed.json" and history[0]["planner"] == "manual"
    assert history[1]["version_before"] == 1 and history[1]["version_after"] == 2
    human = cli("history", "sample").output
    assert "undo #2" in human and "+6 −0 ~0" in human  # the counts as the TUI shows them (present.counts_text)


def test_export_json_reimports_identically(cli, tmp_path, db_path):
    assert cli("import", str(EXAMPLE)).exit_code == 0
    exported = cli("export", "auth-flow", "--format", "json").output
    assert exported == EXAMPLE.read_text()

    other = CliRunner().invoke(app, ["import", "-", "--db", str(tmp_path / "other.db")], input=exported)
    assert other.exit_code == 0, other.output
    again = CliRunner().invoke(app, ["export", "auth-flow", "--db", str(tmp_path / "other.db")])
    assert again.output == exported


def test_import_is_one_audited_patch_that_can_be_undone(cli):
    cli("import", str(EXAMPLE))
    history = json.loads(cli("history", "auth-flow", "--json").output)
    assert len(history) == 1 and history[0]["mode"] == "import" and history[0]["counts"]["create"] == 8
    cli("undo", "auth-flow")
    assert json.loads(cli("show", "auth-flow", "--json").output)["tasks"] == []
    cli("redo", "auth-flow")
    assert cli("export", "auth-flow").output == EXAMPLE.read_text()


def test_import_twice_gets_a_fresh_id(cli):
    cli("import", str(EXAMPLE))
    result = cli("import", str(EXAMPLE), "--json")
    assert json.loads(result.output)["id"] == "auth-flow-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not a taskforge/1 JSON document"),
        ('{"format": "other"}', "not a taskforge/1 document"),
        (
            '{"format": "taskforge/1", "project": {"id": "p", "title": "P"}, "tasks": '
            '[{"key": "T1", "title": "a", "status": "finished"}]}',
            "tasks[0] (T1).status",
        ),
        (
            '{"format": "taskforge/1", "project": {"id": "p", "title": "P"}, "tasks": '
            '[{"key": "T1", "title": "a", "depends_on": ["T9"]}]}',
            "task T1: depends on T9",
        ),
        (
            '{"format": "taskforge/1", "project": {"id": "p", "title": "P"}, "tasks": '
            '[{"key": "T1", "title": "a", "depends_on": ["T2"]}, {"key": "T2", "title": "b", "depends_on": ["T1"]}]}',
            "cycle",
        ),
    ],
)
def test_bad_import_files_create_nothing(cli, tmp_path, text, expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert expected in result.stderr
    assert cli("projects", "--json").output.strip() == "[]"


def test_export_markdown_and_subtree(cli, tmp_path):
    cli("import", str(EXAMPLE))
    target = tmp_path / "plan.md"
    assert cli("export", "auth-flow", "-f", "md", "-o", str(target)).exit_code == 0
    text = target.read_text()
    assert text.startswith("# New user authentication flow\n")
    assert "- [x] **T1** Design the sign-up and login journeys" in text
    assert "  - [ ] **T8** Magic-link tokens · est 1d · after T7 · #backend" in text
    subtree = json.loads(cli("export", "auth-flow", "--task", "T2").output)
    assert [t["key"] for t in subtree["tasks"]] == ["T2"]
    assert [c["key"] for c in subtree["tasks"][0]["children"]] == ["T7", "T8"]


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["show", "nope"], 1, "no project 'nope'"),
        (["export", "auth-flow", "--task", "T99"], 1, "has no task T99"),
        (["export", "auth-flow", "--format", "pdf"], 2, "Invalid value"),
        (["apply", "auth-flow", "missing.json"], 1, "no such file: missing.json"),
        (["show"], 2, "Missing argument"),
    ],
)
def test_user_errors_are_one_line_without_traceback(cli, args, code, expected):
    cli("import", str(EXAMPLE))
    result = cli(*args)
    assert result.exit_code == code
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_corrupt_and_unwritable_databases(tmp_path):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite at all" * 100)
    result = CliRunner().invoke(app, ["projects", "--db", str(corrupt)])
    assert result.exit_code == 1
    assert "not a taskforge database" in result.stderr
    assert corrupt.read_bytes() == b"this is not sqlite at all" * 100

    nowhere = tmp_path / "missing-folder" / "x.db"
    result = CliRunner().invoke(app, ["import", str(EXAMPLE), "--db", str(nowhere)])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_newer_schema_is_refused(cli, db_path):
    import sqlite3

    cli("import", str(EXAMPLE))
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    result = cli("projects")
    assert result.exit_code == 1
    assert "newer taskforge" in result.stderr


def test_database_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKFORGE_DB", str(tmp_path / "env.db"))
    assert CliRunner().invoke(app, ["import", str(EXAMPLE)]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def entry_point() -> str:
    found = Path(sys.executable).parent / "taskforge"
    return str(found) if found.exists() else shutil.which("taskforge")


def test_installed_entry_point_round_trip(tmp_path):
    env = {**os.environ, "TASKFORGE_DB": str(tmp_path / "real.db")}
    run = lambda *args, **kw: subprocess.run(  # noqa: E731
        [entry_point(), *args], capture_output=True, text=True, env=env, timeout=60, **kw
    )
    assert run("import", str(EXAMPLE)).returncode == 0
    shown = run("show", "auth-flow")
    assert shown.returncode == 0 and "T8 ○ ◆ Magic-link tokens" in shown.stdout  # on the critical path
    bad = run("apply", "auth-flow", "-", input="{oops")
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and "not valid JSON" in bad.stderr
    assert run("--help").returncode == 0
    assert run("--version").stdout.startswith("taskforge ")


def test_bare_taskforge_goes_to_the_tui_without_the_parser():
    from taskforge.launch import tui_database

    assert tui_database([]) == (True, None)
    assert tui_database(["--db", "x.db"]) == (True, "x.db")
    assert tui_database(["--db=x.db"]) == (True, "x.db")
    for args in (["--help"], ["--version"], ["show", "p"], ["--db", "x.db", "projects"], ["--db", "--help"]):
        assert tui_database(args)[0] is False, args


def test_the_tui_without_a_terminal_is_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "taskforge", "--db", str(tmp_path / "t.db")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "taskforge: the TUI needs a terminal; `taskforge --help` lists the commands that do not"
    assert not (tmp_path / "t.db").exists()
