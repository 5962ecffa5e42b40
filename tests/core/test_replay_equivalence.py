"""The engine gives the same answer however it is asked: with or without the per-operation steps the
diff needs (`replay(..., steps=False)` is what the repository runs), on valid and on invalid patches
alike (problems, their order and operation indexes, the cycle reported, the resolved patch, the inverse,
the keys handed out, the tree)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforge.core.models import Mode, Project
from taskforge.core.patches import Limits, ProjectPatch, apply, replay
from taskforge.core.tree import Tree
from tests.builders import create, patch
from tests.core.test_properties import patches, trees

IDS = ["T1", "T2", "T3", "T4", "T5", "T6", "T9", "n1", "n2", "n3", "x"]
ids = st.sampled_from(IDS)


@st.composite
def operations(draw) -> dict:
    """Any operation on a small set of ids: valid or not, cycles, moves, deletes with and without cascade."""
    op = draw(st.sampled_from(["create", "update", "delete"]))
    task_id = draw(ids)
    if op == "delete":
        return {"op": "delete", "task_id": task_id, **({"cascade": True} if draw(st.booleans()) else {})}
    body: dict = {}
    if op == "create" or draw(st.booleans()):
        body["title"] = draw(st.sampled_from(["A", "B  two", "C\tthree"]))
    if draw(st.booleans()):
        body["parent_task_id"] = draw(st.none() | ids)
    if draw(st.booleans()):
        body["position"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        body["depends_on"] = draw(st.lists(ids, max_size=3))
    if draw(st.booleans()):
        body["status"] = draw(st.sampled_from(["todo", "done"]))
    if draw(st.booleans()):
        body["tags"] = draw(st.none() | st.lists(st.sampled_from(["a", "b"]), max_size=2))
    return {"op": op, "task_id": task_id, "body": body}


def start_tree() -> Tree:
    seed = patch(
        create("a", "Root"), create("b", "Child", parent_task_id="a"), create("c", "Grandchild", parent_task_id="b"),
        create("d", "Second root", depends_on=["b"]), create("e", "Leaf", parent_task_id="d"),
        base=0, project="eq",
    )
    return apply(seed, Tree.empty(Project(id="eq", title="Equivalence")), Mode.IMPORT).tree


def outcome(patch_: ProjectPatch, tree: Tree, mode: Mode, focus: str | None, steps: bool):
    result = replay(patch_, tree, mode, focus, Limits(max_ops=50, max_new_roots=2), steps=steps)
    return (
        result.problems,
        result.resolved.to_dict() if result.resolved else None,
        result.inverse.to_dict() if result.inverse else None,
        result.key_map,
        result.tree.snapshot(),
        result.tree.project.next_key,
        result.meta_before,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), max_size=8), st.sampled_from(list(Mode)), st.sampled_from([None, "T1", "T2", "T4"]))
def test_with_and_without_steps_the_engine_gives_the_same_answer(ops, mode, focus):
    tree = start_tree()
    document = ProjectPatch.model_validate({"project_id": "eq", "base_version": tree.project.version, "task_patches": ops})
    with_steps = outcome(document, tree, mode, focus, True)
    assert outcome(document, tree, mode, focus, False) == with_steps
    if with_steps[1] is not None:  # valid: the inverse undoes it exactly
        done = replay(document, tree, mode, focus, Limits(max_ops=50, max_new_roots=2))
        undone = replay(done.inverse, done.tree, Mode.UNDO)
        assert undone.problems == [] and undone.tree.snapshot() == tree.snapshot()


def assert_drafts_are_their_models(result) -> None:
    """The resolved patch and the inverse, kept as plain documents (`Draft`): their JSON is the very text the
    models write (what the audit record stores), and the models built from them are the ones validating
    that text gives, with the same fields set."""
    for draft, model in ((result.resolved_draft, result.resolved), (result.inverse_draft, result.inverse)):
        text = draft.to_json()
        assert text == model.to_json()
        validated = ProjectPatch.model_validate_json(text)
        assert model == validated
        assert model.model_fields_set == validated.model_fields_set
        assert model.meta_updates.model_fields_set == validated.meta_updates.model_fields_set
        assert [(op.model_fields_set, op.body.model_fields_set if op.body else None) for op in model.task_patches] == [
            (op.model_fields_set, op.body.model_fields_set if op.body else None) for op in validated.task_patches
        ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), max_size=8), st.sampled_from(list(Mode)), st.sampled_from([None, "T1", "T2", "T4"]))
def test_the_drafts_write_what_the_models_write_in_every_mode(ops, mode, focus):
    tree = start_tree()
    document = ProjectPatch.model_validate({"project_id": "eq", "base_version": tree.project.version, "task_patches": ops})
    result = replay(document, tree, mode, focus, Limits(max_ops=50, max_new_roots=2), steps=False)
    if result.problems:
        assert result.resolved is None and result.inverse is None
        return
    assert_drafts_are_their_models(result)
    undone = replay(result.inverse, result.tree, Mode.UNDO)  # undo, then redo, write theirs the same way
    assert_drafts_are_their_models(undone)
    redone = replay(result.resolved.model_copy(update={"base_version": undone.tree.project.version}), undone.tree, Mode.REDO)
    assert_drafts_are_their_models(redone)
    assert redone.tree.snapshot() == result.tree.snapshot()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_drafts_write_what_the_models_write_for_valid_patches_of_every_kind(data):
    """Creates with every field, updates that clear fields, moves, deletes with cascade, dependencies, metadata."""
    before = data.draw(trees(), label="tree")
    proposed, _ = data.draw(patches(before, min_ops=1), label="patch")
    result = replay(proposed, before, Mode.EDIT, steps=False)
    assert result.problems == []
    assert_drafts_are_their_models(result)
    assert_drafts_are_their_models(replay(result.inverse, result.tree, Mode.UNDO))
