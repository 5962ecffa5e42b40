"""Backlog.md: a folder that the real `backlog` CLI (npm backlog.md) reads, and tasks it writes read back.

The CLI is installed once with the machine's npm into benchmarks/.data/tools (shared with the benchmarks,
git-ignored); where npm or its registry is unavailable these tests are skipped with the reason, never faked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from taskforge.core.errors import BadInput
from taskforge.core.models import Status
from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from taskforge.export import backlog
from tests.export.conftest import projects
from tests.export.trees import awkward_tree

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
PACKAGE = "backlog.md@1.52.0"  # the version these tests were written against
TOOLS = Path(__file__).resolve().parents[2] / "benchmarks" / ".data" / "tools" / "backlog.md"


@pytest.fixture(scope="session")
def backlog_cli() -> Path:
    """The real `backlog` binary; installed once per machine, or the tests are skipped saying why."""
    found = TOOLS / "node_modules" / ".bin" / "backlog"
    if not found.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.skip("npm/node are not installed, so the Backlog.md CLI cannot be installed")
        TOOLS.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(TOOLS), PACKAGE],
            capture_output=True, text=True, timeout=600,
        )
        if result.returncode != 0 or not found.exists():
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            pytest.skip(f"npm install {PACKAGE} failed (no registry?): {last[:160]}")
    return found


@pytest.fixture
def run_backlog(backlog_cli, tmp_path):
    def run(folder: Path, *args: str) -> str:
        env = {**os.environ, "HOME": str(tmp_path / "home"), "NO_COLOR": "1", "CI": "1"}
        result = subprocess.run([str(backlog_cli), *args], cwd=folder, env=env, capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    return run


def reimported(folder: Path, notes: list[str] | None = None) -> Tree:
    project, patch = backlog.read_folder(folder, notes)
    return apply(patch, Tree.empty(project), "import").tree


def test_the_files_are_named_and_shaped_as_backlog_md_writes_them(tmp_path):
    tree = awkward_tree()
    notes: list[str] = []
    written = backlog.write(tree, None, tmp_path, notes, now=NOW)
    tasks = tmp_path / "backlog" / "tasks"
    assert (tmp_path / "backlog" / "config.yml") in written and len(written) == len(tree) + 1
    sub = next(key for key in tree.tasks if tree[key].parent_key)
    parent = tree[sub].parent_key
    (path,) = tasks.glob(f"task-{parent[1:]}.{sub[1:]} - *.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"---\nid: TASK-{parent[1:]}.{sub[1:]}\n")
    assert f"parent_task_id: TASK-{parent[1:]}\n" in text and "created_date: 2025-03-01 12:00\n" in text
    assert backlog.filename_title('Design login: form (v2)!') == "Design-login-form-v2"


def test_export_import_export_is_identical(tmp_path):
    tree = awkward_tree()
    backlog.write(tree, None, tmp_path / "a", now=NOW)
    again = reimported(tmp_path / "a")
    backlog.write(again, None, tmp_path / "b", now=NOW)
    first = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "a" / "backlog" / "tasks").iterdir()}
    second = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "b" / "backlog" / "tasks").iterdir()}
    assert first == second
    for key, task in tree.tasks.items():  # what Backlog.md holds comes back; estimates and critical are noted losses
        got = again[key]
        assert (got.title, got.description, got.status, got.acceptance_criteria, got.depends_on, got.parent_key) == (
            task.title, task.description, task.status, task.acceptance_criteria, task.depends_on, task.parent_key)


def test_an_export_never_replaces_tasks_already_there(tmp_path):
    backlog.write(awkward_tree(), None, tmp_path, now=NOW)
    before = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "backlog" / "tasks").iterdir())
    with pytest.raises(BadInput, match="already holds TASK-"):
        backlog.write(awkward_tree(), None, tmp_path, now=NOW)
    assert sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "backlog" / "tasks").iterdir()) == before


def test_the_command_line_writes_a_folder_and_reads_it_back(cli, store, tmp_path):
    project = store(awkward_tree())
    assert cli("export", project, "--format", "backlog").exit_code == 2  # a folder needs -o
    result = cli("export", project, "--format", "backlog", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "backlog: no place for estimates (" in result.stderr
    imported = cli("import", str(tmp_path / "out"), "--json")  # a folder: the format is told by its shape
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["tasks"] == len(awkward_tree())
    assert len(projects(cli)) == 2


@pytest.mark.usefixtures("backlog_cli")
def test_backlog_lists_our_export(run_backlog, tmp_path):
    tree = awkward_tree()
    backlog.write(tree, None, tmp_path, now=NOW)
    listed = json.loads(run_backlog(tmp_path, "task", "list", "--json"))["tasks"]
    assert sorted(item["title"] for item in listed) == sorted(task.title for task in tree.tasks.values())
    plain = run_backlog(tmp_path, "task", "list", "--plain")
    for task in tree.tasks.values():
        assert task.title in plain
    by_title = {item["title"]: item for item in listed}
    for task in tree.tasks.values():
        parent = by_title[tree[task.parent_key].title]["id"] if task.parent_key else None
        assert by_title[task.title]["parentTaskId"] == parent
        assert by_title[task.title]["status"] == backlog.STATUSES[task.status]
    key = next(k for k in tree.tasks if tree[k].depends_on)
    view = json.loads(run_backlog(tmp_path, "task", "view", by_title[tree[key].title]["id"], "--json"))["task"]
    assert sorted(view["dependencies"]) == sorted(by_title[tree[dep].title]["id"] for dep in tree[key].depends_on)


@pytest.mark.usefixtures("backlog_cli")
def test_tasks_made_with_the_real_cli_import(run_backlog, tmp_path):
    run_backlog(tmp_path, "init", "Shed", "--defaults", "--integration-mode", "none", "--no-git")
    run_backlog(tmp_path, "task", "create", "Pick a site", "-d", "Flat ground.\n- [ ] not a box", "-s", "Done",
                "-l", "planning", "--priority", "high", "--ac", "Ground is level", "-a", "@sam", "--plain")
    run_backlog(tmp_path, "task", "create", "Build the base", "--dep", "task-1", "--notes", "Gravel ordered.", "--plain")
    run_backlog(tmp_path, "task", "create", "Lay the slabs", "-p", "task-2", "--due-date", "2025-06-01", "--plain")
    notes: list[str] = []
    tree = reimported(tmp_path, notes)
    assert tree.project.title == "Shed"
    site, base = (tree[key] for key in tree.roots)
    assert (site.title, site.status, site.tags, site.acceptance_criteria) == (
        "Pick a site", Status.DONE, ["planning"], ["Ground is level"])
    assert site.description == 'Flat ground.\n- [ ] not a box\n\nOther Backlog.md fields:\n- assignee: ["@sam"]'
    assert base.depends_on == [site.key] and "- Implementation Notes: Gravel ordered." in base.description
    (slabs,) = (tree[key] for key in tree.children[base.key])
    assert slabs.title == "Lay the slabs" and "- due_date: 2025-06-01" in slabs.description
    assert notes == ["kept Implementation Notes, assignee, due_date in the descriptions (taskforge has no field for them)"]
