"""Accepting part of a patch: dependent operations follow the ones they need."""

from __future__ import annotations

from taskforge.core.patches import replay
from taskforge.core.selection import consistent, subset, turned_off_with, turned_on_with
from tests.builders import create, delete, patch, update
from tests.conftest import sample_tree

PROPOSAL = patch(
    create("n1", "Docs"),  # 0
    create("n2", "API reference", parent_task_id="n1"),  # 1 needs 0
    create("n3", "Tutorial", parent_task_id="n1", depends_on=["n2"]),  # 2 needs 0 and 1
    update("T6", depends_on=["n3"]),  # 3 needs 2
    update("T1", title="Design v2"),  # 4 needs nothing
    delete("T5"),  # 5 needs nothing
)


def test_turning_a_create_off_turns_off_everything_that_uses_its_id():
    assert turned_off_with(PROPOSAL, 0) == {0, 1, 2, 3}
    assert turned_off_with(PROPOSAL, 1) == {1, 2, 3}
    assert turned_off_with(PROPOSAL, 4) == {4}


def test_turning_a_dependent_on_turns_on_what_it_needs():
    assert turned_on_with(PROPOSAL, 3) == {0, 1, 2, 3}
    assert turned_on_with(PROPOSAL, 5) == {5}


def test_the_kept_part_always_applies_and_the_rest_is_recorded():
    tree = sample_tree()
    for kept in ({4, 5}, {0, 1, 4}, {1, 2, 3}, {3}, set(range(6))):
        partial, rejected = subset(PROPOSAL, kept)
        assert not replay(partial, tree).problems, kept
        assert sorted(r.index for r in rejected) == sorted(set(range(6)) - consistent(PROPOSAL, kept))
    partial, rejected = subset(PROPOSAL, {1, 2, 3, 4})
    assert [op.task_id for op in partial.task_patches] == ["T1"]
    assert rejected[0].op == {"op": "create", "task_id": "n1", "body": {"title": "Docs"}}
