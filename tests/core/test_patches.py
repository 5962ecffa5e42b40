"""The patch engine: parsing, every invariant of the patch contract, apply/invert, and the diff."""

from __future__ import annotations

import json

import pytest

from taskforge.core.diff import diff, headline
from taskforge.core.models import Mode, Project, ProjectStatus, Status
from taskforge.core.patches import (
    Limits,
    PatchError,
    Problem,
    ProblemCode,
    apply,
    invert,
    parse_patch,
    validate,
)
from taskforge.core.tree import Tree
from tests.builders import chain, create, delete, patch, update
from tests.conftest import sample_tree

# sample_tree(): T1 Design (T2 Wireframes, T3 Review→T2), T4 Build→T1 (T5 API), T6 Ship; version 1.


def only_problem(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# -- parsing ------------------------------------------------------------------------------------------


def test_not_json_is_one_readable_problem():
    with pytest.raises(PatchError) as info:
        parse_patch('{"project_id": "sample", ')
    problem = only_problem(info.value.problems)
    assert problem.reason.startswith("not valid JSON")
    assert "line 1" in problem.reason
    assert info.value.exit_code == 1


def test_unknown_top_level_field_is_rejected():
    with pytest.raises(PatchError) as info:
        parse_patch({"project_id": "sample", "base_version": 1, "author": "me"})
    problem = only_problem(info.value.problems)
    assert problem.op_index is None
    assert problem.reason == "author: unknown field"


def test_unknown_body_field_names_the_operation():
    with pytest.raises(PatchError) as info:
        parse_patch(
            {"project_id": "sample", "base_version": 1,
             "task_patches": [create("n1"), {"op": "update", "task_id": "T2", "body": {"colour": "red"}}]}
        )
    problem = only_problem(info.value.problems)
    assert (problem.op_index, problem.op, problem.task_id) == (1, "update", "T2")
    assert problem.reason == "body.colour: unknown field"


def test_unknown_field_on_an_operation_and_in_meta_updates():
    with pytest.raises(PatchError) as info:
        parse_patch(
            {"project_id": "sample", "base_version": 1, "meta_updates": {"owner": "x"},
             "task_patches": [{"op": "delete", "task_id": "T6", "force": True}]}
        )
    reasons = sorted(str(p) for p in info.value.problems)
    assert reasons == ["meta_updates.owner: unknown field", "op 0 (delete T6): force: unknown field"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "finished"}, "body.status"), ({"priority": "urgent"}, "body.priority")],
)
def test_wrong_enum_value_is_rejected(body, field):
    with pytest.raises(PatchError) as info:
        parse_patch({"project_id": "sample", "base_version": 1, "task_patches": [create("n1", **body)]})
    problem = only_problem(info.value.problems)
    assert problem.op_index == 0
    assert problem.reason.startswith(field + ":")
    assert "'todo'" in problem.reason or "'low'" in problem.reason


def test_wrong_op_is_rejected():
    with pytest.raises(PatchError) as info:
        parse_patch({"project_id": "sample", "base_version": 1, "task_patches": [{"op": "rename", "task_id": "T1"}]})
    assert only_problem(info.value.problems).reason.startswith("op:")


def test_title_of_200_characters_is_accepted_and_201_is_not():
    assert parse_patch(patch(create("n1", "x" * 200)).to_dict()).task_patches[0].body.title == "x" * 200
    with pytest.raises(PatchError) as info:
        patch(create("n1", "x" * 201))
    problem = only_problem(info.value.problems)
    assert problem.op_index == 0
    assert "at most 200 characters (got 201)" in problem.reason


@pytest.mark.parametrize("title", ["", "   ", "\x1b\x07", "\t\n"])
def test_empty_title_is_rejected(title):
    with pytest.raises(PatchError) as info:
        patch(create("n1", title))
    assert only_problem(info.value.problems).reason == "body.title: must not be empty"


def test_control_characters_are_stripped_from_titles():
    parsed = patch(create("n1", "\x1b[31mRed\x1b[0m  alert\x07\u202e!\n"))
    assert parsed.task_patches[0].body.title == "[31mRed[0m alert!"
    result = apply(parsed, sample_tree())
    assert result.tree[result.key_map["n1"]].title == "[31mRed[0m alert!"


def test_patch_document_round_trips_and_keeps_explicit_nulls():
    original = patch(update("T1", estimate_minutes=None, title="Design v2"))
    document = json.loads(original.to_json())
    assert document["task_patches"][0]["body"] == {"estimate_minutes": None, "title": "Design v2"}
    assert parse_patch(original.to_json()) == original


# -- invariants: one test each -------------------------------------------------------------------------


def test_operations_apply_in_order():
    before = sample_tree()
    ordered = patch(create("n1", "Parent"), create("n2", "Child", parent_task_id="n1"),
                    update("T6", title="First"), update("T6", title="Second"))
    result = apply(ordered, before)
    assert result.tree.children[result.key_map["n1"]] == [result.key_map["n2"]]
    assert result.tree["T6"].title == "Second"
    assert result.key_map == {"n1": "T7", "n2": "T8"}

    # The same creates the other way round: the child names a parent that does not exist yet.
    problems = validate(patch(create("n2", "Child", parent_task_id="n1"), create("n1", "Parent")), before)
    problem = only_problem(problems)
    assert (problem.op_index, problem.task_id) == (0, "n2")
    assert problem.reason == "parent n1 is not a task in this project"


def test_reference_to_a_missing_key():
    problem = only_problem(validate(patch(update("T99", title="Ghost")), sample_tree()))
    assert (problem.op_index, problem.op, problem.task_id) == (0, "update", "T99")
    assert problem.reason == "task T99 is not a task in this project"


def test_reference_to_a_missing_dependency():
    problem = only_problem(validate(patch(create("n1", depends_on=["T42"])), sample_tree()))
    assert problem.reason == "dependency T42 is not a task in this project"


def test_reference_to_a_key_deleted_earlier_in_the_patch():
    problems = validate(
        patch(delete("T6"), update("T6", title="Too late"), create("n1", parent_task_id="T6")), sample_tree()
    )
    assert [(p.op_index, p.reason) for p in problems] == [
        (1, "task T6 was deleted by op 0"),
        (2, "parent T6 was deleted by op 0"),
    ]


def test_create_with_an_existing_key():
    problem = only_problem(validate(patch(create("T2", "Clash")), sample_tree()))
    assert (problem.op_index, problem.task_id) == (0, "T2")
    assert "already a task" in problem.reason


def test_same_temporary_id_created_twice():
    problems = validate(patch(create("n1", "One"), create("n1", "Two")), sample_tree())
    problem = only_problem(problems)
    assert (problem.op_index, problem.task_id) == (1, "n1")
    assert "already a task" in problem.reason


def test_parenthood_cycle_move_under_own_descendant():
    tree = sample_tree()
    problem = only_problem(validate(patch(update("T1", parent_task_id="T3")), tree))
    assert problem.op_index == 0
    assert problem.reason == "moving T1 under T3 would make it its own ancestor"
    problem = only_problem(validate(patch(update("T4", parent_task_id="T4")), tree))
    assert "its own ancestor" in problem.reason
    # Deeper: a task created below T3 in the same patch is a descendant of T1 too.
    problems = validate(patch(create("n1", parent_task_id="T3"), update("T1", parent_task_id="n1")), tree)
    assert only_problem(problems).op_index == 1


def test_dependency_cycle_is_reported_with_its_keys():
    tree = sample_tree()
    problem = only_problem(validate(patch(update("T1", depends_on=["T4"])), tree))
    assert problem.op_index == 0
    assert problem.code is ProblemCode.CYCLE and problem.code == "cycle"
    assert problem.cycle == ("T1", "T4")
    assert problem.reason == "dependencies would form a cycle: T1 → T4 → T1"

    # A longer cycle through existing dependencies (T3→T2, T4→T1): T2→T4→T1→T3→T2.
    problems = validate(patch(update("T2", depends_on=["T4"]), update("T1", depends_on=["T3"])), tree)
    problem = only_problem(problems)
    assert problem.op_index == 1  # the last operation that closed it
    assert problem.code is ProblemCode.CYCLE
    keys = [*problem.cycle, problem.cycle[0]]
    assert problem.reason == "dependencies would form a cycle: " + " → ".join(keys)
    assert set(keys) == {"T1", "T2", "T3", "T4"}
    proposed = {"T1": ["T3"], "T2": ["T4"], "T3": ["T2"], "T4": ["T1"]}
    assert all(b in proposed[a] for a, b in zip(keys, keys[1:], strict=False))


@pytest.mark.parametrize(
    ("ops", "code"),
    [
        ([update("T99", title="x")], ProblemCode.UNKNOWN_TASK),
        ([delete("T6"), update("T6", title="x")], ProblemCode.DELETED_TASK),
        ([update("T5", depends_on=["T5"])], ProblemCode.SELF_DEPENDENCY),
        ([update("T1", parent_task_id="T3")], ProblemCode.OWN_ANCESTOR),
        ([update("T1")], ProblemCode.EMPTY_UPDATE),
        ([delete("T1")], ProblemCode.HAS_SUBTASKS),
        ([delete("T2", cascade=True)], ProblemCode.DEPENDED_ON),
        ([create(f"n{i}") for i in range(7)], ProblemCode.TOO_MANY_ROOTS),
        ([update("T1", title=None)], ProblemCode.NULL_FIELD),
        ([create("n1", parent_task_id="T5"), create("n2", parent_task_id="n1"), create("n3", parent_task_id="n2"),
          create("n4", parent_task_id="n3")], ProblemCode.DEPTH),  # T5 is at depth 2: n4 would be at 6
    ],
)
def test_each_problem_carries_a_code(ops, code):
    problem = only_problem(validate(patch(*ops), sample_tree()))
    assert problem.code is code


def test_problems_made_from_a_reason_alone_are_invalid_and_a_conflict_is_coded_so():
    assert Problem("anything").code is ProblemCode.INVALID
    assert Problem("anything", conflict=True).code is ProblemCode.CONFLICT
    assert Problem.stale("sample", 0, 1).code is ProblemCode.CONFLICT


def test_dependency_cycle_broken_later_in_the_patch_is_fine():
    ops = patch(update("T1", depends_on=["T4"]), update("T4", depends_on=[]))
    assert validate(ops, sample_tree()) == []


def test_self_dependency():
    problem = only_problem(validate(patch(update("T5", depends_on=["T6", "T5"])), sample_tree()))
    assert (problem.op_index, problem.task_id) == (0, "T5")
    assert problem.reason == "a task cannot depend on itself"


def test_depth_limit_on_create():
    tree = sample_tree()  # T2 is at depth 2
    assert validate(patch(*chain("T2", ["n3", "n4", "n5"])), tree) == []
    problem = only_problem(validate(patch(*chain("T2", ["n3", "n4", "n5", "n6"])), tree))
    assert (problem.op_index, problem.task_id) == (3, "n6")
    assert problem.reason == "the task would be at depth 6; the limit is 5"


def test_depth_limit_on_moving_a_subtree():
    tree = sample_tree()  # T1's subtree is two levels high
    ops = chain("T6", ["n2", "n3", "n4"])  # n4 at depth 4
    assert validate(patch(*ops, update("T1", parent_task_id="n3")), tree) == []
    problem = only_problem(validate(patch(*ops, update("T1", parent_task_id="n4")), tree))
    assert (problem.op_index, problem.task_id) == (3, "T1")
    assert problem.reason == "the move would put tasks at depth 6; the limit is 5"


def test_project_mode_allows_six_new_roots_not_seven():
    tree = sample_tree()  # already has 3 roots: only the new ones count
    six = [create(f"n{i}", f"Root {i}") for i in range(6)]
    assert validate(patch(*six), tree, Mode.PROJECT) == []
    problem = only_problem(validate(patch(*six, create("n6", "Root 6")), tree, Mode.PROJECT))
    assert (problem.op_index, problem.op, problem.task_id) == (6, "create", "n6")
    assert "at most 6 new root tasks" in problem.reason and "makes 7" in problem.reason
    # Other modes have no such limit, and a new task moved to the top level counts as a new root.
    assert validate(patch(*six, create("n6", "Root 6")), tree, Mode.EDIT) == []
    moved_up = patch(*six, create("n6", "Child", parent_task_id="T1"), update("n6", parent_task_id=None))
    assert only_problem(validate(moved_up, tree, Mode.PROJECT)).op_index == 7


def test_task_mode_accepts_work_inside_the_focus():
    ops = patch(create("n1", "Sketch", parent_task_id="T2"), update("T1", title="Design v2"),
                update("T3", parent_task_id="T2"), delete("T3"))
    assert validate(ops, sample_tree(), Mode.TASK, focus="T1") == []


@pytest.mark.parametrize(
    ("op", "reason"),
    [
        (create("n1", "Elsewhere", parent_task_id="T4"), "in task mode new tasks must go under T1 or its sub-tasks"),
        (create("n1", "Top"), "in task mode new tasks must go under T1 or its sub-tasks"),
        (update("T6", title="Outside"), "in task mode only T1 and its sub-tasks can change"),
        (update("T2", parent_task_id="T4"), "in task mode tasks can only move within T1"),
        (update("T2", parent_task_id=None), "in task mode tasks can only move within T1"),
        (delete("T5"), "in task mode only sub-tasks of T1 can be deleted"),
    ],
)
def test_task_mode_rejects_operations_outside_the_focused_subtree(op, reason):
    problem = only_problem(validate(patch(op), sample_tree(), Mode.TASK, focus="T1"))
    assert (problem.op_index, problem.reason) == (0, reason)


def test_task_mode_cannot_delete_or_move_the_focus_itself():
    tree = sample_tree()
    problem = only_problem(validate(patch(delete("T1", cascade=True)), tree, Mode.TASK, focus="T1"))
    assert problem.reason == "in task mode only sub-tasks of T1 can be deleted"
    problem = only_problem(validate(patch(update("T1", position=0)), tree, Mode.TASK, focus="T1"))
    assert problem.reason == "in task mode the focused task itself cannot move"
    problem = only_problem(validate(patch(update("T4", parent_task_id="T6")), tree, Mode.TASK, focus="T4"))
    assert problem.reason == "in task mode the focused task itself cannot move"


def test_task_mode_rejects_meta_updates():
    problem = only_problem(
        validate(patch(meta={"title": "Renamed"}), sample_tree(), Mode.TASK, focus="T1")
    )
    assert problem.op_index is None
    assert "task mode cannot change the project's title" in problem.reason


def test_task_mode_needs_an_existing_focus():
    problem = only_problem(validate(patch(update("T1", title="x")), sample_tree(), Mode.TASK, focus="T99"))
    assert "task mode needs an existing focused task" in problem.reason


def test_delete_with_children_needs_cascade():
    tree = sample_tree()
    problem = only_problem(validate(patch(delete("T4")), tree))
    assert (problem.op_index, problem.task_id) == (0, "T4")
    assert problem.reason == 'T4 has 1 sub-task; set "cascade": true to delete them too'
    assert validate(patch(delete("T4", cascade=True)), tree) == []


def test_delete_of_a_task_others_depend_on():
    tree = sample_tree()
    problem = only_problem(validate(patch(delete("T2")), tree))
    assert problem.reason == "other tasks still depend on what this deletes (T3 depends on T2)"
    # Through a cascade: T4 depends on T1 itself; T3→T2 lies inside the deleted subtree and is fine.
    problem = only_problem(validate(patch(delete("T1", cascade=True)), tree))
    assert problem.reason == "other tasks still depend on what this deletes (T4 depends on T1)"
    assert validate(patch(update("T4", depends_on=[]), delete("T1", cascade=True)), tree) == []


def test_stale_base_version_is_a_conflict():
    tree = sample_tree()
    problem = only_problem(validate(patch(update("T1", title="x"), base=0), tree))
    assert problem.conflict is True
    assert problem.reason == "version conflict: the patch is based on version 0 but 'sample' is at version 1"
    with pytest.raises(PatchError) as info:
        apply(patch(update("T1", title="x"), base=0), tree)
    assert info.value.conflict and info.value.exit_code == 3
    # Other problems are still listed, but the one-line summary leads with the conflict.
    with pytest.raises(PatchError) as info:
        apply(patch(update("T99", title="x"), base=5), tree)
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("version conflict")


def test_wrong_project_id():
    problem = only_problem(validate(patch(update("T1", title="x"), project="other"), sample_tree()))
    assert problem.op_index is None and not problem.conflict
    assert problem.reason == "this patch is for project 'other', not 'sample'"


def test_too_many_operations():
    ops = patch(update("T1", title="a"), update("T2", title="b"), update("T3", title="c"))
    assert validate(ops, sample_tree(), limits=Limits(max_ops=3)) == []
    problem = only_problem(validate(ops, sample_tree(), limits=Limits(max_ops=2)))
    assert problem.reason == "too many operations: 3 (at most 2)"


def test_validate_returns_every_problem():
    ops = patch(
        update("T99", title="Ghost"),  # 0: missing key
        create("n1", "Fine", parent_task_id="T6"),  # 1: valid
        update("T1", depends_on=["T1"]),  # 2: self-dependency
        update("n1", title="Also fine"),  # 3: valid
        delete("T4"),  # 4: children without cascade
    )
    problems = validate(ops, sample_tree())
    assert [p.op_index for p in problems] == [0, 2, 4]
    assert [p.task_id for p in problems] == ["T99", "T1", "T4"]
    with pytest.raises(PatchError) as info:
        apply(ops, sample_tree())
    assert str(info.value).startswith("3 problems: op 0 (update T99)")


def test_a_rejected_create_is_named_by_later_references():
    problems = validate(patch(create("n1", parent_task_id="T99"), create("n2", parent_task_id="n1")), sample_tree())
    assert [p.reason for p in problems] == [
        "parent T99 is not a task in this project",
        "parent n1 refers to op 0, which was rejected",
    ]


def test_validate_and_apply_leave_the_tree_untouched():
    tree = sample_tree()
    snapshot = tree.snapshot()
    apply(patch(delete("T4", cascade=True), update("T1", title="x"), meta={"title": "New"}), tree)
    validate(patch(update("T99", title="x")), tree)
    assert tree.snapshot() == snapshot and tree.project.version == 1


# -- keys ---------------------------------------------------------------------------------------------------


def test_keys_are_never_reused_and_retired_keys_can_be_restored():
    after_delete = apply(patch(delete("T6")), sample_tree()).tree
    recreated = apply(patch(create("n1", "Ship again"), base=2), after_delete)
    assert recreated.key_map == {"n1": "T7"}  # not T6
    restored = apply(patch(create("T6", "Ship"), base=2), after_delete)
    assert "T6" in restored.tree and restored.key_map == {}
    assert restored.tree.project.next_key == 7
    # A key this project never had is only a temporary id.
    fresh = apply(patch(create("T9", "Later"), base=2), after_delete)
    assert fresh.key_map == {"T9": "T7"}


def test_restating_the_parent_keeps_the_position():
    result = apply(patch(update("T2", parent_task_id="T1", title="Wireframes v2")), sample_tree())
    assert result.tree.children["T1"] == ["T2", "T3"]
    assert result.tree["T2"].title == "Wireframes v2"


# -- apply and invert ---------------------------------------------------------------------------------------

INVERTIBLE = {
    "creates": patch(
        create("n1", "Docs", description="Write them\nall", estimate_minutes=90, tags=["docs"],
               acceptance_criteria=["Reviewed"], depends_on=["T6"], position=1, status="doing"),
        create("n2", "API reference", parent_task_id="n1", depends_on=["n1", "T5"]),
        create("n3", "First child of T1", parent_task_id="T1", position=0, priority="critical"),
        create("n4", "At the end", position=99),
    ),
    "updates": patch(
        update("T1", title="Design v2", description="More", status="done", priority="low",
               estimate_minutes=None, actual_minutes=45, tags=None, acceptance_criteria=["A", "B"]),
        update("T3", depends_on=[]),
        update("T6", depends_on=["T4", "T2"], description=None),
        update("T6", status="blocked"),
    ),
    "moves within siblings": patch(update("T6", position=0), update("T3", position=0), update("T1", position=5)),
    "moves across parents": patch(
        update("T3", parent_task_id="T4", position=0),
        update("T5", parent_task_id=None, position=1),
        update("T2", parent_task_id="T5"),
        update("T6", parent_task_id="T2", position=0),
    ),
    "cascade delete with inner dependencies": patch(
        update("T4", depends_on=[]),
        delete("T1", cascade=True),
    ),
    "delete everything": patch(
        delete("T4", cascade=True), delete("T1", cascade=True), delete("T6"),
    ),
    "create then delete and move": patch(
        create("n1", "Temp", parent_task_id="T4", position=0),
        update("T5", parent_task_id="n1"),
        update("T4", depends_on=["T6"]),
        delete("T1", cascade=True),
    ),
    "meta updates": patch(meta={"title": "Renamed", "summary": "", "status": "active"}),
}


@pytest.mark.parametrize("name", list(INVERTIBLE))
def test_inverse_restores_the_exact_tree(name):
    proposed = INVERTIBLE[name]
    before = sample_tree()
    result = apply(proposed, before, Mode.EDIT)
    assert result.tree.snapshot() != before.snapshot()
    inverse = invert(proposed, before)
    assert inverse == result.inverse
    assert inverse.base_version == 2
    undone = apply(inverse, result.tree, Mode.UNDO)
    assert undone.tree.snapshot() == before.snapshot()
    # The resolved patch (real keys) replays to the same state: that is what redo stores.
    assert apply(result.resolved, before, Mode.REDO).tree.snapshot() == result.tree.snapshot()
    # And the stored form of both survives a JSON round trip unchanged.
    assert parse_patch(inverse.to_json()) == inverse
    assert parse_patch(result.resolved.to_json()) == result.resolved


def test_undo_of_a_cascade_delete_restores_keys_order_and_dependencies():
    before = sample_tree()
    result = apply(INVERTIBLE["cascade delete with inner dependencies"], before)
    assert set(result.tree.tasks) == {"T4", "T5", "T6"}
    undone = apply(result.inverse, result.tree, Mode.UNDO).tree
    assert undone.children["T1"] == ["T2", "T3"]
    assert undone["T3"].depends_on == ["T2"] and undone["T4"].depends_on == ["T1"]
    assert undone.roots == ["T1", "T4", "T6"]


def test_meta_updates_change_the_project():
    result = apply(patch(meta={"title": "Renamed", "status": "active"}), sample_tree())
    project = result.tree.project
    assert (project.title, project.status, project.summary) == ("Renamed", ProjectStatus.ACTIVE, "A sample project")
    assert project.version == 2


def test_meta_update_cannot_null_the_title():
    problem = only_problem(validate(patch(meta={"title": None}), sample_tree()))
    assert problem.reason == "meta_updates: title cannot be null"


def test_update_fields_and_clearing_nullable_ones():
    result = apply(patch(update("T1", estimate_minutes=None, tags=None, status="done")), sample_tree())
    task = result.tree["T1"]
    assert (task.estimate_minutes, task.tags, task.status) == (None, [], Status.DONE)
    problem = only_problem(validate(patch(update("T1", title=None)), sample_tree()))
    assert problem.reason == "title cannot be null"


# -- the diff -------------------------------------------------------------------------------------------------


def test_diff_entries_for_each_kind_of_operation():
    proposed = patch(
        create("n1", "Docs", parent_task_id="T1", estimate_minutes=90, tags=["docs"]),
        update("T6", title="Ship it", status="doing"),
        update("T3", parent_task_id="T4", position=0),
        delete("T4", cascade=True),
        meta={"title": "Renamed"},
    )
    found = diff(proposed, sample_tree())
    kinds = [(e.index, e.kind, e.task_id, e.key) for e in found]
    assert kinds == [
        (None, "meta", "sample", "sample"),
        (0, "create", "n1", "T7"),
        (1, "update", "T6", "T6"),
        (2, "update", "T3", "T3"),
        (3, "delete", "T4", "T4"),
    ]
    meta, created, updated, moved, deleted = found
    assert [(c.name, c.before, c.after) for c in meta.changes] == [("title", '"Sample"', '"Renamed"')]
    assert created.title == "Docs"
    assert [(c.name, c.after) for c in created.changes] == [
        ("parent", "under T1 #3"), ("estimate_minutes", "1h 30m"), ("tags", "docs"),
    ]
    assert [(c.name, c.before, c.after) for c in updated.changes] == [
        ("status", "todo", "doing"), ("title", '"Ship"', '"Ship it"'),
    ]
    assert [(c.name, c.before, c.after) for c in moved.changes] == [("moved", "under T1 #2", "under T4 #1")]
    assert deleted.removed == ("T4", "T3", "T5")  # the task first, then its subtree in order
    assert headline(deleted) == "- T4  Build  (and 2 sub-tasks)"
    assert headline(created) == "+ n1 → T7  Docs"


def test_diff_leaves_out_invalid_operations():
    found = diff(patch(update("T99", title="x"), update("T6", title="Ok")), sample_tree())
    assert [(e.index, e.key) for e in found] == [(1, "T6")]


def test_empty_tree_accepts_a_first_patch():
    empty = Tree.empty(Project(id="sample", title="Sample"))
    result = apply(patch(create("a", "One"), create("b", "Two", parent_task_id="a"), base=0), empty)
    assert result.key_map == {"a": "T1", "b": "T2"}
    assert result.tree.project.version == 1 and result.tree.project.next_key == 3
