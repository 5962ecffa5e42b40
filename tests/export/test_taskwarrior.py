"""Taskwarrior: exports that the real `task import` takes, and `task export` output read back.

These tests drive the installed `task` (Debian's taskwarrior, installed by .ci/run) in a temporary
TASKDATA with a temporary TASKRC, so nothing of the developer's own tasks is read or touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from taskforge.core.errors import BadInput
from taskforge.core.models import Priority, Status
from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from taskforge.export import taskwarrior
from taskforge.export.common import stable_uuid
from tests.export.conftest import projects
from tests.export.trees import awkward_tree, empty_tree, trees

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
needs_task = pytest.mark.skipif(shutil.which("task") is None, reason="Taskwarrior (`task`) is not installed")


@pytest.fixture
def task(tmp_path: Path):
    """Run the real `task` against a fresh, private database; never prompts."""
    home = tmp_path / "taskwarrior"
    (home / "data").mkdir(parents=True)
    (home / "taskrc").write_text("", encoding="utf-8")
    env = {**os.environ, "TASKRC": str(home / "taskrc"), "TASKDATA": str(home / "data")}

    def run(*args: str) -> str:
        result = subprocess.run(
            ["task", "rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off", "rc.gc=off", "rc.json.array=on", *args],
            env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def reimported(text: str, notes: list[str] | None = None) -> Tree:
    project, patch = taskwarrior.read(text, notes)
    return apply(patch, Tree.empty(project), "import").tree


def comparable(tree: Tree) -> dict:
    """Each task as a user sees it; Taskwarrior keeps tags as a set, so they compare sorted."""
    return {key: task.model_dump() | {"tags": sorted(task.tags)} for key, task in tree.tasks.items()} | {
        "order": {parent: list(keys) for parent, keys in tree.children.items() if keys}}


@needs_task
def test_task_import_takes_every_task_status_dependency_and_the_hierarchy(task, tmp_path):
    tree = awkward_tree()
    path = tmp_path / "export.json"
    path.write_text(taskwarrior.render(tree, now=NOW), encoding="utf-8")
    task("import", str(path))
    exported = {item["uuid"]: item for item in json.loads(task("export"))}

    assert len(exported) == len(tree)
    for key, original in tree.tasks.items():
        item = exported[stable_uuid("awkward", key)]
        assert item["description"] == original.title
        assert item["status"] == ("completed" if original.status is Status.DONE else "pending")
        assert ("start" in item) == (original.status is Status.DOING)
        expected_project = ".".join(["awkward", *reversed(tree.ancestors(key))])
        assert item["project"] == expected_project
        assert sorted(item.get("depends", [])) == sorted(stable_uuid("awkward", dep) for dep in original.depends_on)
        assert sorted(item.get("tags", [])) == sorted(original.tags)
        assert item["taskforge_key"] == key
    notes = [a["description"] for a in exported[stable_uuid("awkward", "T1")]["annotations"]]
    assert notes == [tree["T1"].description, "Acceptance: Works with «ünïcode»", 'Acceptance: Says "hello, world"; twice']

    # Taskwarrior's own idea of the tree and of dependencies agrees with ours.
    below_t1 = {item["taskforge_key"] for item in json.loads(task("project:awkward.T1", "export"))}
    assert below_t1 == set(tree.walk("T1"))
    blocked = {item["taskforge_key"] for item in json.loads(task("+BLOCKED", "export"))}
    assert blocked == {"T7"}  # T7 waits on T6 and T3 (pending); T3 waits on a finished task, T5 is finished

    # And what Taskwarrior gives back is the project we started from.
    again = reimported(task("export"))
    assert comparable(again) == comparable(tree)


@needs_task
def test_reimporting_an_export_updates_the_same_tasks(task, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(taskwarrior.render(awkward_tree(), now=NOW), encoding="utf-8")
    task("import", str(path))
    task("import", str(path))
    assert len(json.loads(task("export"))) == len(awkward_tree())


@needs_task
def test_tasks_made_in_taskwarrior_import_as_a_tree(task, cli, tmp_path):
    task("add", "Buy paint", "project:Home.Garage", "priority:H", "+shopping")
    task("add", "Paint the walls", "project:Home.Garage", "depends:1")
    task("add", "File taxes", "project:Home.Admin", "priority:L")
    task("add", "Old idea", "project:Home")
    task("add", "Ask a neighbour", "project:Home.Garage")
    task("2", "annotate", "Two coats, white")
    task("2", "start")
    task("4", "delete")
    task("1", "done")
    task("5", "done")
    path = tmp_path / "tasks.json"
    path.write_text(task("export"), encoding="utf-8")

    result = cli("import", str(path), "--json")  # the format is told from the content
    assert result.exit_code == 0, result.output
    assert "left out 1 deleted task(s)" in result.stderr
    shown = json.loads(cli("show", "home", "--json").stdout)
    assert shown["project"]["title"] == "Home"
    garage, admin = shown["tasks"]
    assert (garage["title"], admin["title"]) == ("Garage", "Admin")
    paint, walls, neighbour = garage["children"]
    assert (paint["title"], paint["status"], paint["priority"], paint["tags"]) == ("Buy paint", "done", "high", ["shopping"])
    assert (walls["title"], walls["status"], walls["description"]) == ("Paint the walls", "doing", "Two coats, white")
    assert walls["depends_on"] == [paint["key"]]
    assert neighbour["status"] == "done" and garage["status"] == "todo"  # one thing in the garage is not done yet
    assert [(t["title"], t["priority"]) for t in admin["children"]] == [("File taxes", "low")]


def test_older_taskwarrior_one_object_per_line_with_comma_lists():
    text = (
        '{"uuid":"a","description":"First","status":"pending","entry":"20200101T000000Z","tags":"x,y"}\n'
        '{"uuid":"b","description":"Second","status":"waiting","entry":"20200101T000001Z","depends":"a"}\n'
    )
    tree = reimported(text)
    first, second = (tree[key] for key in tree.roots)
    assert first.tags == ["x", "y"] and second.depends_on == [first.key]
    assert tree.project.title == "Taskwarrior tasks"  # tasks without a project share none


def test_entry_order_gives_sibling_order_back():
    text = json.dumps([
        {"uuid": "c", "description": "Third", "entry": "20200101T000003Z", "project": "p"},
        {"uuid": "a", "description": "First", "entry": "20200101T000001Z", "project": "p"},
        {"uuid": "b", "description": "Second", "entry": "20200101T000002Z", "project": "p"},
    ])
    tree = reimported(text)
    assert [tree[key].title for key in tree.roots] == ["First", "Second", "Third"]


def test_an_empty_project_and_a_subtree():
    assert taskwarrior.render(empty_tree(), now=NOW) == "[\n]\n"
    assert json.loads(taskwarrior.render(empty_tree(), now=NOW)) == []
    subtree = json.loads(taskwarrior.render(awkward_tree(), "T6", now=NOW))
    assert [(item["taskforge_key"], item["project"]) for item in subtree] == [("T6", "awkward"), ("T7", "awkward.T6")]
    assert subtree[1]["depends"] == [stable_uuid("awkward", "T6")]  # T3 is outside the subtree


def test_critical_and_blocked_survive_through_attributes_taskwarrior_keeps():
    items = {item["taskforge_key"]: item for item in json.loads(taskwarrior.render(awkward_tree(), now=NOW))}
    assert (items["T1"]["priority"], items["T1"]["taskforge_priority"]) == ("H", "critical")
    assert items["T3"]["taskforge_status"] == "blocked" and items["T3"]["status"] == "pending"
    tree = reimported(json.dumps(list(items.values())))
    assert tree["T1"].priority is Priority.CRITICAL and tree["T3"].status is Status.BLOCKED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[{", "not a Taskwarrior export: Expecting property name"),
        ('{"a": 1}', "line 1: no description"),
        ("[1]", "record 1: expected a task object, not int"),
        ('[{"uuid": "a", "description": "A", "status": "lost"}]', "record 1: unknown status “lost”"),
        ('[{"uuid": "a", "description": ""}]', "record 1: no description"),
        ('[{"uuid": "a", "description": "A", "taskforge_estimate": "soon"}]', "taskforge_estimate must be whole minutes"),
        ('[{"uuid": "a", "description": "A", "priority": "X"}]', "unknown priority “X”"),
        ('[{"uuid": "a", "description": "A", "project": "p.b.c.d.e.f.g"}]', "nested 6 levels deep"),
    ],
)
def test_bad_exports_name_the_record(text, expected):
    with pytest.raises(BadInput) as caught:
        taskwarrior.read(text)
    assert expected in str(caught.value)


def test_bad_export_through_the_command_line_creates_nothing(cli, tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text('[{"uuid": "a", "description": "A", "status": "lost"}]', encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("taskforge: record 1: unknown status “lost”")
    assert projects(cli) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"description": "A"}]', ['record 1 ("A"): has no uuid; gave it one, as `task import` does']),
        ('[{"uuid": "a", "description": "A"}, {"uuid": "a", "description": "B"}]',
         ['record 2 ("B"): its uuid a repeats record 1; the later one wins, as in `task import`']),
        ('[{"uuid": "a", "description": "A", "depends": ["zz"]}]',
         ['record 1 ("A"): depends on zz, which is not in the file; dropped that dependency']),
        ('[{"uuid": "a", "description": "A", "depends": ["a"]}]', ['record 1 ("A"): depends on itself; dropped that dependency']),
        ('[{"uuid": "a", "description": "A", "depends": ["b"]}, {"uuid": "b", "description": "B", "depends": "a"}]',
         ['record 2 ("B"): its dependencies form a cycle ("A" → "B" → "A"); dropped its dependency on "A"']),
        ('[{"uuid": "a", "description": "A", "due": "20250301T120000Z", "wait": "x", "estimate": 3}]',
         ["kept due, estimate, wait in the descriptions (taskforge has no field for them)"]),
    ],
)
def test_what_task_import_takes_is_repaired_with_a_note_naming_the_record(text, expected):
    notes: list[str] = []
    tree = reimported(text, notes)
    assert notes == expected and len(tree) >= 1


def test_kept_attributes_and_the_later_duplicate():
    text = json.dumps([
        {"uuid": "a", "description": "First", "annotations": [{"entry": "20250101T000000Z", "description": "Call Kim"}]},
        {"uuid": "a", "description": "Second", "due": "20250301T120000Z",
         "annotations": [{"entry": "20250101T000000Z", "description": "Call Kim"}]},
    ])
    tree = reimported(text)
    assert [task.title for task in tree.tasks.values()] == ["Second"]
    assert tree["T1"].description == "Call Kim\n\nOther Taskwarrior fields:\n- due: 2025-03-01 12:00 UTC"


@needs_task
def test_the_quirks_import_as_task_import_takes_them(task, tmp_path):
    """What the real `task import` keeps from a quirky file is what taskforge keeps: same tasks, same links."""
    quirky = [
        {"description": "No uuid", "status": "pending", "due": "20250301T120000Z"},
        {"uuid": "11111111-1111-4111-8111-111111111111", "description": "First", "status": "pending"},
        {"uuid": "11111111-1111-4111-8111-111111111111", "description": "Second", "status": "pending"},
        {"uuid": "22222222-2222-4222-8222-222222222222", "description": "Dangling", "status": "pending",
         "depends": ["33333333-3333-4333-8333-333333333333", "11111111-1111-4111-8111-111111111111"]},
    ]
    path = tmp_path / "quirky.json"
    path.write_text(json.dumps(quirky), encoding="utf-8")
    task("import", str(path))
    theirs = json.loads(task("export"))
    tree = reimported(path.read_text(encoding="utf-8"))
    assert sorted(item["description"] for item in theirs) == sorted(t.title for t in tree.tasks.values())
    by_title = {t.title: t for t in tree.tasks.values()}
    assert [tree[dep].title for dep in by_title["Dangling"].depends_on] == ["Second"]  # the later duplicate won
    assert next(item for item in theirs if item["description"] == "No uuid")["due"] == "20250301T120000Z"
    assert "- due: 2025-03-01 12:00 UTC" in by_title["No uuid"].description


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees())
def test_any_tree_survives_the_taskwarrior_format(tree):
    assert comparable(reimported(taskwarrior.render(tree, now=NOW))) == comparable(tree)
