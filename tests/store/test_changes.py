"""What a write sends to the database: `_changes` indexes only the sibling lists a patch changed, and
finds the same rows as indexing every list of both trees (the definition, kept here as the reference)."""

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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), max_size=10))
def test_only_the_changed_lists_are_indexed_and_the_same_rows_are_written(ops):
    before = start_tree()
    document = ProjectPatch.model_validate({"project_id": "eq", "base_version": before.project.version, "task_patches": ops})
    result = replay(document, before, Mode.EDIT, None, Limits(max_ops=50, max_new_roots=50), steps=False)
    if result.problems:
        return
    created, changed, removed, positions = _changes(before, result.tree)
    expected = reference(before, result.tree)
    assert (created, changed, removed) == expected[:3]
    for key in created + changed:
        assert positions[key] == expected[3][key]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_on_valid_patches_of_every_kind_the_same_rows_are_written(data):
    """Creates, field updates, moves and deletes drawn by the property tests' model: always valid."""
    before = data.draw(trees(), label="tree")
    proposed, _ = data.draw(patches(before, min_ops=1), label="patch")
    result = replay(proposed, before, Mode.EDIT, steps=False)
    assert result.problems == []
    created, changed, removed, positions = _changes(before, result.tree)
    expected = reference(before, result.tree)
    assert (created, changed, removed) == expected[:3]
    for key in created + changed:
        assert positions[key] == expected[3][key]
