"""What a write sends to the database: `_changes` looks only at the tasks and sibling lists a patch changed,
and finds the same rows as comparing every task and indexing every list of both trees (the definition, kept
here as the reference); new rows come parents first, as the parent_id key needs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforge.core.models import Mode
from taskforge.core.patches import Limits, ProjectPatch, replay
from taskforge.core.tree import Tree
from taskforge.store.repository import _changes
from tests.core.test_properties import patches, trees
from tests.core.test_replay_equivalence import operations, start_tree


def reference(before: Tree, after: Tree):
    def positions(tree: Tree) -> dict[str, int]:
        return {key: index for keys in tree.children.values() for index, key in enumerate(keys)}

    old_positions, new_positions = positions(before), positions(after)
    created = [key for key in after.walk() if key not in before.tasks]
    old = before.tasks
    changed = [
        key for key, task in after.tasks.items()
        if key in old and (task is not old[key] and task != old[key] or new_positions[key] != old_positions[key])
    ]
    removed = [key for key in old if key not in after.tasks]
    removed.sort(key=before.depth, reverse=True)
    return created, changed, removed, new_positions


def _check(before: Tree, after: Tree) -> None:
    created, changed, shifted, removed, positions = _changes(before, after)
    expected = reference(before, after)
    assert sorted(created) == sorted(expected[0])
    assert sorted(changed + shifted) == sorted(expected[1])
    for key in shifted:  # only its place changed
        assert after[key] is before[key]
        assert after[key].parent_key == before[key].parent_key
    assert sorted(removed) == sorted(expected[2])
    depths = [before.depth(key) for key in removed]
    assert depths == sorted(depths, reverse=True)  # children before their parents
    for key in created + changed + shifted:
        assert positions[key] == expected[3][key]
    placed = set()
    for key in created:
        assert after[key].parent_key not in created or after[key].parent_key in placed
        placed.add(key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), max_size=10))
def test_only_the_changed_lists_are_indexed_and_the_same_rows_are_written(ops):
    before = start_tree()
    document = ProjectPatch.model_validate({"project_id": "eq", "base_version": before.project.version, "task_patches": ops})
    result = replay(document, before, Mode.EDIT, None, Limits(max_ops=50, max_new_roots=50), steps=False)
    if result.problems:
        return
    _check(before, result.tree)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_on_valid_patches_of_every_kind_the_same_rows_are_written(data):
    """Creates, field updates, moves and deletes drawn by the property tests' model: always valid."""
    before = data.draw(trees(), label="tree")
    proposed, _ = data.draw(patches(before, min_ops=1), label="patch")
    result = replay(proposed, before, Mode.EDIT, steps=False)
    assert result.problems == []
    _check(before, result.tree)


def test_a_task_moved_under_one_made_later_in_the_same_patch_is_written_after_it():
    before = start_tree()
    document = ProjectPatch.model_validate({
        "project_id": "eq", "base_version": before.project.version, "task_patches": [
            {"op": "create", "task_id": "a", "body": {"title": "Made first"}},
            {"op": "create", "task_id": "b", "body": {"title": "Made second"}},
            {"op": "update", "task_id": "a", "body": {"parent_task_id": "b"}},
        ],
    })
    result = replay(document, before, Mode.EDIT, steps=False)
    assert result.problems == []
    first, second = result.key_map["a"], result.key_map["b"]
    created, changed, shifted, removed, _ = _changes(before, result.tree)
    assert created == [second, first]
    assert (changed, shifted, removed) == ([], [], [])
    _check(before, result.tree)
