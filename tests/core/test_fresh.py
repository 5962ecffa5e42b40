"""`first_patch` is the replay of an import's patch on its empty project, worked out in one pass: held to
the replay byte for byte (the stored patch and its inverse) and task for task, and it gives up on any
patch the replay would treat otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from taskforge.core.fresh import first_patch
from taskforge.core.models import Mode, Project
from taskforge.core.patches import Limits, ProjectPatch, replay
from taskforge.core.tree import Tree
from taskforge.export import exporter, importer
from tests.export.trees import awkward_tree, big_tree, sample_tree, trees

REAL = Path(__file__).parent.parent / "fixtures" / "real"


def imported(fmt: str, text: str) -> tuple[Project, ProjectPatch]:
    return importer(fmt).read(text, [])


def assert_same_as_replay(project: Project, patch: ProjectPatch) -> None:
    first = first_patch(project, patch)
    assert first is not None
    result = replay(patch, Tree.empty(project), Mode.IMPORT, limits=Limits(max_ops=10**7), steps=False)
    assert result.ok
    assert first.documents(project.id) == (result.resolved.to_json(), result.inverse.to_json())
    assert first.next_key == result.tree.project.next_key
    tree = result.tree
    assert [task.key for task in first.tasks] == list(tree.tasks)
    for task in first.tasks:
        stored = tree[task.key].model_dump(mode="json")
        assert task.parent == stored.pop("parent_key")
        assert task.depends_on == stored.pop("depends_on")
        assert task.position == tree.position(task.key)
        assert {name: stored[name] for name in task.values} == task.values
        defaults = {"description": "", "status": "todo", "priority": "medium", "estimate_minutes": None,
                    "actual_minutes": None, "acceptance_criteria": [], "tags": []}
        assert {name: value for name, value in stored.items() if name not in task.values and name != "key"} == {
            name: value for name, value in defaults.items() if name not in task.values
        }


@pytest.mark.parametrize("fmt", ["json", "md", "taskwarrior"])
@pytest.mark.parametrize("tree", [awkward_tree, sample_tree], ids=["awkward", "sample"])
def test_an_import_of_every_format_is_what_the_replay_makes(fmt, tree):
    assert_same_as_replay(*imported(fmt, exporter(fmt).render(tree())))


def test_the_real_taskwarrior_quirks_file_is_what_the_replay_makes():
    assert_same_as_replay(*imported("taskwarrior", (REAL / "taskwarrior-quirks.json").read_text()))


def test_ten_thousand_tasks_with_dependencies_are_what_the_replay_makes():
    assert_same_as_replay(*imported("taskwarrior", exporter("taskwarrior").render(big_tree())))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_any_tree_through_our_own_format_is_what_the_replay_makes(tree):
    project, patch = imported("json", exporter("json").render(tree))
    if patch.task_patches:
        assert_same_as_replay(project, patch)


def _patch(*ops: dict) -> ProjectPatch:
    return ProjectPatch.model_validate({"project_id": "p", "base_version": 0, "task_patches": list(ops)})


def _create(key: str, parent: str | None = None, **body) -> dict:
    return {"op": "create", "task_id": key, "body": {"title": f"Task {key}", "parent_task_id": parent, **body}}


@pytest.mark.parametrize(
    "ops",
    [
        [_create("n1")],  # a temporary id: the replay numbers it
        [_create("T9")],  # beyond the project's next key
        [_create("T1"), _create("T1")],  # the same key twice
        [_create("T2", "T1"), _create("T1")],  # a parent after its child
        [_create("T1", position=0)],  # a position given
        [_create("T1", status=None)],  # a null where none may be
        [_create("T1"), {"op": "update", "task_id": "T1", "body": {"title": "Renamed"}}],  # not a dependency update
        [_create("T1"), _create("T2"), {"op": "update", "task_id": "T1", "body": {"depends_on": ["T2"]}},
         {"op": "update", "task_id": "T2", "body": {"depends_on": ["T1"]}}],  # a cycle
        [_create("T1"), {"op": "update", "task_id": "T1", "body": {"depends_on": ["T1"]}}],  # itself
        [_create("T1"), {"op": "update", "task_id": "T1", "body": {"depends_on": ["T5"]}}],  # unknown
        [_create("T1"), {"op": "delete", "task_id": "T1"}],
        [_create("T1"), _create("T2", "T1"), _create("T3", "T2"), _create("T4", "T3"), _create("T5", "T4"),
         _create("T6", "T5")],  # six levels deep
    ],
)
def test_anything_but_an_import_shaped_valid_patch_goes_to_the_replay(ops):
    assert first_patch(Project(id="p", title="P", next_key=7), _patch(*ops)) is None


def test_a_patch_for_another_project_or_version_goes_to_the_replay():
    project = Project(id="p", title="P", next_key=2)
    assert first_patch(project, _patch(_create("T1"))) is not None
    assert first_patch(project.model_copy(update={"id": "q"}), _patch(_create("T1"))) is None
    moved = _patch(_create("T1")).model_copy(update={"base_version": 1})
    assert first_patch(project, moved) is None
