"""Round trips that must be exact: taskforge/1 JSON for any tree, and the formats at 10,000 tasks."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from taskforge.export import taskforge_json, taskwarrior
from tests.export.trees import big_tree, trees


def reimported(module, text: str) -> Tree:
    project, patch = module.read(text)
    return apply(patch, Tree.empty(project), "import").tree


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees())
def test_json_export_import_export_is_identical_for_any_tree(tree):
    text = taskforge_json.render(tree)
    again = reimported(taskforge_json, text)
    assert taskforge_json.render(again) == text
    assert again.snapshot() == tree.snapshot()


def test_ten_thousand_tasks_through_the_command_line(cli, store, tmp_path):
    tree = big_tree()
    project = store(tree)
    exported = cli("export", project, "--format", "json").stdout
    assert exported == taskforge_json.render(tree)

    first_md = cli("export", project, "--format", "md", "-o", str(tmp_path / "big.md"))
    assert first_md.exit_code == 0 and "10000 tasks" in first_md.stderr
    imported = cli("import", str(tmp_path / "big.md"), "--json")
    assert json.loads(imported.stdout)["tasks"] == 10_000
    again = cli("export", json.loads(imported.stdout)["id"], "--format", "md").stdout
    assert again == (tmp_path / "big.md").read_text(encoding="utf-8").replace("project `big`", "project `big-2`")


def test_ten_thousand_tasks_through_taskwarrior_json():
    tree = big_tree()
    again = reimported(taskwarrior, taskwarrior.render(tree))
    assert again.snapshot()[1:] == tree.snapshot()[1:]  # every task, field and sibling order; the title is the id
