"""Every format is reachable from the command line, loads lazily, and never pulls in the TUI or a model client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from taskforge.export import EXPORTERS, IMPORTERS, guess_import_format
from tests.export.conftest import projects
from tests.export.trees import awkward_tree, empty_tree
from tests.test_import_hygiene import EXAMPLE, loaded_after


def test_every_export_loads_neither_textual_nor_litellm(tmp_path):
    db = str(tmp_path / "x.db")
    subprocess.run([sys.executable, "-m", "taskforge", "import", str(EXAMPLE), "--db", db], check=True, capture_output=True)
    runs = "".join(
        f"sys.argv = ['taskforge', 'export', 'auth-flow', '--format', {fmt!r}, '--db', {db!r}]\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        for fmt in EXPORTERS
    )
    modules = loaded_after(f"import sys\nfrom taskforge.cli import app\n{runs}", cwd=tmp_path)
    assert not modules & {"textual", "litellm", "alembic"}


def test_the_registry_loads_no_format_until_one_is_used():
    probe = "import sys, json, taskforge.cli\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded = {name for name in json.loads(result.stdout) if name.startswith("taskforge.export.")}
    assert loaded == set()


def test_every_format_exports_awkward_and_empty_projects(cli, store, tmp_path):
    for tree in (awkward_tree(), empty_tree()):
        project = store(tree)
        for fmt in EXPORTERS:
            target = tmp_path / f"{project}.{fmt}"
            result = cli("export", project, "--format", fmt, "-o", str(target))
            assert result.exit_code == 0, (fmt, result.output)
            assert target.stat().st_size > 0 or (fmt == "todotxt" and not tree.tasks)
            assert "\x1b" not in target.read_text(encoding="utf-8")


def test_import_format_is_guessed_from_the_name_and_the_text():
    assert guess_import_format("plan.md", "anything") == "md"
    assert guess_import_format("-", "# Plan\n- [ ] a") == "md"
    assert guess_import_format("-", "- [ ] a") == "md"
    assert guess_import_format("x.json", '{\n  "format": "taskforge/1"') == "json"
    assert guess_import_format("x.json", "{oops") == "json"
    assert guess_import_format("tasks.json", '{"master": {"tasks": []}}') == "taskmaster"
    assert guess_import_format("tasks.json", '{"tasks": [{"id": 1}]}') == "taskmaster"
    assert guess_import_format("t.json", '[{"uuid": "x"}]') == "taskwarrior"
    assert guess_import_format("t.data", '{"uuid": "x", "description": "a"}\n') == "taskwarrior"
    assert guess_import_format("notes.txt", "hello") is None
    assert set(IMPORTERS) <= set(EXPORTERS)


def test_an_unknown_import_format_is_a_clear_error(cli, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1 and "cannot tell the format of notes.txt; pass --format" in result.stderr
    assert projects(cli) == []


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("md", '{"format": "taskforge/1", "project": {}}', "not a Markdown checklist"),
        ("taskwarrior", '{"format": "taskforge/1",\n "project": {}}', "line 1: not a Taskwarrior task"),
        ("taskmaster", '[{"uuid": "a", "description": "A"}]', "not a Task Master tasks.json"),
        ("json", "# Plan\n- [ ] a\n", "not a taskforge/1 JSON document"),
    ],
)
def test_a_file_that_is_not_the_format_it_claims(cli, tmp_path, fmt, text, expected):
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8")
    result = cli("import", str(path), "--format", fmt)
    assert result.exit_code == 1
    assert expected in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert projects(cli) == []


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
def test_each_import_is_one_audited_patch_that_undo_removes(cli, store, tmp_path, fmt):
    project = store(awkward_tree())
    path = tmp_path / f"export.{fmt}"
    assert cli("export", project, "--format", fmt, "-o", str(path)).exit_code == 0
    result = cli("import", str(path), "--format", fmt, "--json")
    assert result.exit_code == 0, result.output
    new = json.loads(result.stdout)["id"]
    history = json.loads(cli("history", new, "--json").stdout)
    assert [(record["kind"], record["mode"]) for record in history] == [("apply", "import")]
    assert history[0]["counts"]["create"] == json.loads(result.stdout)["tasks"] > 0
    assert cli("undo", new).exit_code == 0
    assert json.loads(cli("show", new, "--json").stdout)["tasks"] == []


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
def test_each_format_imports_an_empty_project(cli, store, tmp_path, fmt):
    project = store(empty_tree())
    path = tmp_path / f"empty.{fmt}"
    assert cli("export", project, "--format", fmt, "-o", str(path)).exit_code == 0
    result = cli("import", str(path), "--format", fmt, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tasks"] == 0
