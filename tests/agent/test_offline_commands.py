"""The offline planner's command language, asserted on the tree a user sees after accepting the patch.

Trees (see test_offline_support): the sample project (T1 Design [T2 Wireframes, T3 Review→T2],
T4 Build→T1 [T5 API], T6 Ship), a flat one (T1 Alpha, T2 Beta→T1, T3 Gamma→T2, T4 Delta, T5 Epsilon),
a deep chain T1 > … > T5 plus a root T6, and freshly scaffolded goals.
"""

from __future__ import annotations

import pytest

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.planner import PlanReply, PlanRequest
from taskforge.core.models import Mode, Priority, Status
from taskforge.core.patches import Problem, ProblemCode
from tests.agent.test_offline_support import (
    ask,
    by_title,
    deep_tree,
    empty_tree,
    flat_tree,
    refused,
    scaffolded,
    titles,
)
from tests.conftest import sample_tree

# -- the product's own examples ------------------------------------------------------------------------


def test_combine_the_first_two_tasks():
    tree = sample_tree()
    answer = ask(tree, "Combine the first two tasks")
    after = answer.tree
    assert after.roots == ["T4", "T6"]  # the later key survives, in the first one's place
    assert after["T4"].title == "Design and build"
    assert after.children["T4"] == ["T2", "T3", "T5"]  # T1's sub-tasks first, as they were named
    assert after["T4"].priority is Priority.HIGH  # the higher of the two
    assert after["T4"].tags == ["ux"]
    assert after["T4"].depends_on == []  # T4 depended on T1, which it now is
    assert answer.rationale.startswith("Offline planner: combined T1 “Design” and T4 “Build” into T4")


def test_combine_the_first_two_tasks_of_a_scaffolded_goal_repoints_dependents_and_sums_estimates():
    tree = scaffolded()
    first, second, third = tree.roots[:3]
    after = ask(tree, "Combine the first two tasks").tree
    assert first not in after and after.roots[0] == second
    assert after[second].estimate_minutes == tree[first].estimate_minutes + tree[second].estimate_minutes
    assert after[third].depends_on == [second]
    assert set(tree[first].acceptance_criteria) | set(tree[second].acceptance_criteria) == set(
        after[second].acceptance_criteria
    )
    assert tree[first].description in after[second].description
    assert tree[second].description in after[second].description


def test_add_a_task_for_documentation():
    tree = sample_tree()
    answer = ask(tree, "Add a task for documentation")
    (new,) = [key for key in answer.tree.tasks if key not in tree]
    task = answer.tree[new]
    assert answer.tree.roots[-1] == new
    assert task.title == "Documentation"
    assert "documentation" in task.description.lower() and "Sample" in task.description
    assert task.acceptance_criteria and task.estimate_minutes
    assert answer.rationale == "Offline planner: added “Documentation” at the top level."


def test_add_a_task_for_documentation_in_task_mode_goes_under_the_focus():
    after = ask(sample_tree(), "Add a task for documentation", Mode.TASK, "T4").tree
    assert titles(after, "T4") == ["API", "Documentation"]


# -- add -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "parent", "expected"),
    [
        ("add Write tests under T4", "T4", ["API", "Write tests"]),
        ("add a task Polish", None, ["Design", "Build", "Ship", "Polish"]),
        ("add a task to write release notes", None, ["Design", "Build", "Ship", "Write release notes"]),
        ("Add a new task called “Beta feedback”", None, ["Design", "Build", "Ship", "Beta feedback"]),
        ("add tasks for docs, tests and release", None, ["Design", "Build", "Ship", "Docs", "Tests", "Release"]),
        ("add Kickoff before T1", None, ["Kickoff", "Design", "Build", "Ship"]),
        ("add Retro after the last task", None, ["Design", "Build", "Ship", "Retro"]),
        ("add a subtask for accessibility to the first task", "T1", ["Wireframes", "Review", "Accessibility"]),
        ("add Move data into warehouse", None, ["Design", "Build", "Ship", "Move data into warehouse"]),
    ],
)
def test_add_forms(message, parent, expected):
    assert titles(ask(sample_tree(), message).tree, parent) == expected


def test_add_below_the_deepest_level_is_refused():
    assert "deepest level" in refused(deep_tree(), "add Extra under T5")


def test_add_without_a_name_asks_for_one():
    assert "called" in refused(sample_tree(), "add a task")


# -- rename and describe -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "key", "title"),
    [
        ("rename T6 to Launch", "T6", "Launch"),
        ("rename the first task to Discovery", "T1", "Discovery"),
        ("Please rename the last task to 'Go live'.", "T6", "Go live"),
        ("change the title of T4 to Build it", "T4", "Build it"),
        ("rename the second task to Build to spec", "T4", "Build to spec"),
    ],
)
def test_rename_forms(message, key, title):
    assert ask(sample_tree(), message).tree[key].title == title


@pytest.mark.parametrize(
    ("message", "description"),
    [
        ("describe T6 as ship it to the store", "Ship it to the store."),
        ("set the description of T6 to Publish to both app stores!", "Publish to both app stores!"),
        ("describe the last task: Release on Friday", "Release on Friday."),
    ],
)
def test_describe_forms(message, description):
    assert ask(sample_tree(), message).tree["T6"].description == description


# -- delete -------------------------------------------------------------------------------------------


def test_delete_a_leaf():
    after = ask(sample_tree(), "delete T6").tree
    assert after.roots == ["T1", "T4"] and "T6" not in after


def test_remove_the_last_task():
    assert titles(ask(flat_tree(), "remove the last task").tree) == ["Alpha", "Beta", "Gamma", "Delta"]


def test_delete_a_task_with_sub_tasks_that_others_depend_on():
    answer = ask(sample_tree(), "delete T1")
    after = answer.tree
    assert {"T1", "T2", "T3"}.isdisjoint(after.tasks)
    assert after["T4"].depends_on == []  # dropped before the delete, or the validator would refuse it
    assert answer.ops[-1].cascade
    assert "with 2 sub-tasks" in answer.rationale and "T4" in answer.rationale


def test_delete_several_tasks_by_position():
    after = ask(flat_tree(), "delete tasks 2 and 3").tree  # T3 waits on T2: it goes first
    assert titles(after) == ["Alpha", "Delta", "Epsilon"]


def test_delete_tasks_whose_sub_tasks_wait_on_each_other_both_ways():
    tree = ask(sample_tree(), "T2 depends on T5").tree  # T4 → T1 and T2 → T5: T1 and T4 wait on each other
    after = ask(tree, "delete T1 and T4").tree
    assert after.roots == ["T6"] and len(after) == 1


def test_delete_in_task_mode_counts_the_focused_tasks_children():
    after = ask(sample_tree(), "remove the last task", Mode.TASK, "T1").tree
    assert titles(after, "T1") == ["Wireframes"]
    assert "T6" in after


def test_delete_in_task_mode_cannot_touch_the_focus_or_anything_outside():
    tree = sample_tree()
    assert "outside T1" in refused(tree, "delete T6", Mode.TASK, "T1")
    assert "focused task T1" in refused(tree, "delete T1", Mode.TASK, "T1")


def test_delete_in_task_mode_refuses_when_a_task_outside_depends_on_it():
    tree = ask(sample_tree(), "T6 depends on T5").tree
    assert "T6" in refused(tree, "delete T5", Mode.TASK, "T4")


# -- combine ------------------------------------------------------------------------------------------------


def test_merge_into_keeps_the_target():
    after = ask(sample_tree(), "merge T6 into T4").tree
    assert after.roots == ["T1", "T4"]
    assert after["T4"].title == "Build and ship"


def test_merge_with_a_new_title():
    after = ask(sample_tree(), "merge T1 and T6 into Launch plan").tree
    assert after["T6"].title == "Launch plan" and "T1" not in after
    assert after.roots == ["T6", "T4"]


def test_merge_repoints_dependents_and_sums_estimates():
    after = ask(flat_tree(), "merge T2 and T3").tree
    assert titles(after) == ["Alpha", "Beta and gamma", "Delta", "Epsilon"]
    assert after["T3"].estimate_minutes == 960 + 240
    assert after["T3"].depends_on == ["T1"]
    assert after["T3"].tags == ["core"]


def test_merge_drops_a_dependency_that_would_become_circular():
    tree = ask(flat_tree(), "T4 depends on T3").tree  # T4 → T3 → T2 → T1
    answer = ask(tree, "merge T1 and T4")  # T1 would wait for T3, which waits for the merged T1
    assert answer.tree["T4"].depends_on == []
    assert "T4 no longer waits for T3" in answer.rationale


def test_merge_needs_two_separate_tasks():
    tree = sample_tree()
    assert "inside T1" in refused(tree, "merge T1 and T2")
    assert "at least two" in refused(tree, "merge T1")


def test_merge_in_task_mode_combines_children():
    after = ask(sample_tree(), "combine the first two tasks", Mode.TASK, "T1").tree
    assert titles(after, "T1") == ["Wireframes and review"]
    assert after["T3"].status is Status.DOING  # one was done, one was not


# -- split -----------------------------------------------------------------------------------------------------


def test_split_puts_the_parts_at_the_tasks_place_and_moves_its_children():
    after = ask(sample_tree(), "split T4 into API design, API build and API tests").tree
    assert titles(after) == ["Design", "API design", "API build", "API tests", "Ship"]
    first = by_title(after, "API design")
    assert titles(after, first) == ["API"]
    assert all(after[by_title(after, name)].depends_on == ["T1"] for name in ("API design", "API build", "API tests"))
    assert "T4" not in after


def test_split_repoints_dependents_to_every_part_and_shares_the_estimate():
    after = ask(flat_tree(), "split T2 into backend and frontend").tree
    backend, frontend = by_title(after, "Backend"), by_title(after, "Frontend")
    assert after["T3"].depends_on == [backend, frontend]
    assert after[backend].estimate_minutes + after[frontend].estimate_minutes == 960
    assert after[backend].acceptance_criteria == ["Beta works"]


def test_split_needs_two_parts_and_not_the_focus():
    assert "at least two parts" in refused(sample_tree(), "split T6 into Shipping")
    assert "focused task" in refused(sample_tree(), "split T1 into A and B", Mode.TASK, "T1")


# -- move --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "roots", "children"),
    [
        ("move T6 under T1", ["T1", "T4"], {"T1": ["T2", "T3", "T6"]}),
        ("move T6 before T1", ["T6", "T1", "T4"], {}),
        ("move T1 after T4", ["T4", "T1", "T6"], {}),
        ("move T5 to the top level", ["T1", "T4", "T5", "T6"], {"T4": []}),
        ("move T6 to the top", ["T6", "T1", "T4"], {}),
        ("move the first task to the bottom", ["T4", "T6", "T1"], {}),
        ("move T6 up", ["T1", "T6", "T4"], {}),
        ("move T3 before T2", ["T1", "T4", "T6"], {"T1": ["T3", "T2"]}),
        ("indent T4", ["T1", "T6"], {"T1": ["T2", "T3", "T4"]}),
        ("outdent T5", ["T1", "T4", "T5", "T6"], {}),
        ("move T2 and T3 under T6", ["T1", "T4", "T6"], {"T6": ["T2", "T3"], "T1": []}),
        ("move the last task to the top level", ["T1", "T4", "T6"], {}),
    ],
)
def test_move_forms(message, roots, children):
    tree = sample_tree()
    if message == "move the last task to the top level":
        assert "already there" in refused(tree, message)
        return
    after = ask(tree, message).tree
    assert after.roots == roots
    for parent, keys in children.items():
        assert after.children[parent] == keys


def test_move_refuses_cycles_depth_and_no_ops():
    assert "inside T1" in refused(sample_tree(), "move T1 under T2")
    assert "depth 6" in refused(deep_tree(), "move T1 under T6")
    assert "already under T1" in refused(sample_tree(), "move T2 under T1")


def test_move_in_task_mode_stays_inside_the_focus():
    tree = sample_tree()
    after = ask(tree, "move T3 to the top", Mode.TASK, "T1").tree
    assert after.children["T1"] == ["T3", "T2"]
    assert "outside T1" in refused(tree, "move T2 under T6", Mode.TASK, "T1")


# -- mark, estimate, log time, priority ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "keys", "status"),
    [
        ("mark T6 done", ["T6"], Status.DONE),
        ("mark the first two tasks done", ["T1", "T4"], Status.DONE),
        ("mark T3 as in progress", ["T3"], Status.DOING),
        ("mark T3 doing", ["T3"], Status.DOING),
        ("T3 is blocked", ["T3"], Status.BLOCKED),
        ("mark T2 todo", ["T2"], Status.TODO),
        ("mark T2 as to do.", ["T2"], Status.TODO),
        ("start T6", ["T6"], Status.DOING),
        ("finish the last task", ["T6"], Status.DONE),
        ("mark all tasks done", ["T1", "T4", "T6"], Status.DONE),
        ("set the status of T6 to blocked", ["T6"], Status.BLOCKED),
    ],
)
def test_mark_forms(message, keys, status):
    after = ask(sample_tree(), message).tree
    assert [after[key].status for key in keys] == [status] * len(keys)


def test_mark_this_in_task_mode_is_the_focus():
    assert ask(sample_tree(), "mark this done", Mode.TASK, "T4").tree["T4"].status is Status.DONE


@pytest.mark.parametrize(
    ("message", "minutes"),
    [
        ("estimate T6 at 2 days", 960),
        ("T6 will take 90 minutes", 90),
        ("estimate T6 at 3 hours", 180),
        ("estimate T6 at 1 week", 2400),
        ("T6 should take half a day", 240),
        ("estimate T6 at 1h30m", 90),
        ("set the estimate of the last task to 2.5 hours", 150),
        ("T6 takes a day and a half", 720),
    ],
)
def test_estimate_forms(message, minutes):
    answer = ask(sample_tree(), message)
    assert answer.tree["T6"].estimate_minutes == minutes


@pytest.mark.parametrize(
    ("message", "minutes"),
    [
        ("log 2 hours on T6", 120),
        ("spent 90 minutes on T6", 90),
        ("I spent 1 day on the last task", 480),
        ("add 30 minutes to T6", 30),
        ("T6 took 45 minutes", 45),
    ],
)
def test_log_time_forms(message, minutes):
    assert ask(sample_tree(), message).tree["T6"].actual_minutes == minutes


def test_logged_time_adds_up():
    tree = ask(sample_tree(), "log 2 hours on T6").tree
    assert ask(tree, "log 30 minutes on T6").tree["T6"].actual_minutes == 150


@pytest.mark.parametrize(
    ("message", "priority"),
    [
        ("set priority of T6 to high", Priority.HIGH),
        ("set the priority of the last task to urgent", Priority.CRITICAL),
        ("T6 is critical", Priority.CRITICAL),
        ("make T6 low priority", Priority.LOW),
        ("T6 is a high priority task", Priority.HIGH),
        ("mark T6 as critical", Priority.CRITICAL),
        ("prioritize T6", Priority.HIGH),
        ("deprioritise T6", Priority.LOW),
    ],
)
def test_priority_forms(message, priority):
    assert ask(sample_tree(), message).tree["T6"].priority is priority


# -- dependencies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["T6 depends on T4", "make T6 depend on T4", "T6 needs the second task",
                                     "T6 is blocked by T4", "T6 waits for Build"])
def test_dependency_forms(message):
    assert ask(sample_tree(), message).tree["T6"].depends_on == ["T4"]


def test_dependency_cycles_are_refused_with_a_clear_reply():
    reason = refused(sample_tree(), "T1 depends on T4")
    assert "circular" in reason and "T1 → T4 → T1" in reason
    assert "cannot depend on itself" in refused(sample_tree(), "T4 depends on T4")
    assert "already depends" in refused(sample_tree(), "T4 depends on T1")


def test_a_dependency_that_closes_a_cycle_gets_a_reply_naming_the_cycle():
    # In the sample tree T3 waits for T2, so T2 waiting for T3 would go round in a circle.
    assert refused(sample_tree(), "T2 depends on T3") == (
        "Offline planner: That would make the dependencies circular (T2 → T3 → T2), so I left the plan unchanged."
    )


def test_the_reply_to_a_cycle_comes_from_the_problem_code_and_keys_not_its_wording():
    def check(reply: PlanReply) -> list[Problem]:
        return [Problem("worded any way at all", 0, "update", "T1", code=ProblemCode.CYCLE, cycle=("T1", "T4"))]

    request = PlanRequest(sample_tree(), Mode.PROJECT, None, "T1 depends on T4")
    draft = OfflinePlanner().plan(request, check)
    assert not draft.understood and not draft.reply.task_patches
    assert draft.reply.rationale == (
        "Offline planner: That would make the dependencies circular (T1 → T4 → T1), so I left the plan unchanged."
    )


def test_removing_a_dependency():
    assert ask(sample_tree(), "T4 no longer depends on T1").tree["T4"].depends_on == []
    assert ask(sample_tree(), "remove the dependency of T4 on T1").tree["T4"].depends_on == []
    assert "does not depend" in refused(sample_tree(), "T6 no longer depends on T1")


def test_in_task_mode_a_child_may_depend_on_a_task_outside_the_focus():
    after = ask(sample_tree(), "T5 depends on T6", Mode.TASK, "T4").tree
    assert after["T5"].depends_on == ["T6"]


# -- references, errors and tolerance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "mode", "focus", "words"),
    [
        ("delete T99", Mode.PROJECT, None, ["T99", "no task"]),
        ("rename the fifth task to X", Mode.PROJECT, None, ["fifth", "only 3 top-level tasks", "T1, T4, T6"]),
        ("mark task 7 done", Mode.PROJECT, None, ["seventh", "only 3"]),
        ("mark task 12 done", Mode.PROJECT, None, ["#12", "only 3"]),
        ("combine the first four tasks", Mode.PROJECT, None, ["first 4", "only 3"]),
        ("delete the third task", Mode.TASK, "T4", ["third", "T4 “Build” has only 1 sub-task (T5)"]),
        ("mark this done", Mode.PROJECT, None, ["focused task"]),
    ],
)
def test_unknown_keys_and_out_of_range_ordinals_get_a_clear_reply(message, mode, focus, words):
    reason = refused(sample_tree(), message, mode, focus)
    for word in words:
        assert word in reason


def test_a_deleted_key_is_named_as_deleted():
    tree = ask(sample_tree(), "delete T6").tree
    assert "T6 was deleted" in refused(tree, "rename T6 to Back")


def test_ordinals_count_what_the_user_sees():
    tree = sample_tree()
    assert ask(tree, "rename task 2 to Second").tree["T4"].title == "Second"
    assert ask(tree, "rename task 2 to Second", Mode.TASK, "T1").tree["T3"].title == "Second"
    assert ask(tree, "mark tasks 1 and 3 done").tree["T6"].status is Status.DONE
    assert ask(tree, "mark the first and the last task done").tree["T1"].status is Status.DONE
    assert ask(tree, "delete the second to last task").tree.roots == ["T1", "T6"]


@pytest.mark.parametrize(
    "message",
    ["Combine the first two tasks", "COMBINE THE FIRST TWO TASKS!", "Please combine the first two tasks.",
     "can you combine the first two tasks please?", "  combine   the first two tasks  ", "merge T1 and T4",
     "combine the first two tasks into one"],
)
def test_commands_are_tolerant_of_case_courtesy_and_punctuation(message):
    assert ask(sample_tree(), message).draft.reply == ask(sample_tree(), "Combine the first two tasks").draft.reply


def test_a_message_it_does_not_understand_gets_the_command_list_and_no_patch():
    reason = refused(sample_tree(), "make it better somehow")
    assert "did not understand" in reason
    for example in ("Combine the first two tasks", "Add a task for documentation", "T7 depends on T6",
                    "log 2 hours on T3", "split T3 into"):
        assert example in reason
    assert "TASKFORGE_MODEL" in reason


def test_the_help_in_task_mode_says_positions_count_sub_tasks():
    assert "sub-tasks of T1" in refused(sample_tree(), "whatever", Mode.TASK, "T1")


# -- every form on several shapes validates as a patch ---------------------------------------------------------------

FORMS = [
    "Add a task for documentation", "add Notes under the first task", "rename the last task to Final",
    "describe the first task as The start.", "delete the last task", "remove the first task",
    "Combine the first two tasks", "split the first task into A and B", "move the last task before the first task",
    "move the last task under the first task", "mark the first two tasks done", "estimate the first task at 3 days",
    "log 2 hours on the first task", "make the first task critical", "the last task depends on the first task",
    "break down the first task",
]
SHAPES = {"sample": sample_tree, "flat": flat_tree, "deep": deep_tree, "scaffolded": scaffolded}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("message", FORMS)
def test_every_form_on_every_shape_validates_or_is_refused_with_a_reason(shape, message):
    tree = SHAPES[shape]()
    answer = ask(tree, message)  # asserts the reply validates with replay before applying it
    if not answer.understood:
        assert "did not understand" not in answer.rationale, answer.rationale


@pytest.mark.parametrize("message", FORMS)
def test_every_form_in_task_mode_stays_inside_the_focus(message):
    tree = scaffolded()
    focus = tree.roots[1]
    tree = ask(tree, "break this down", Mode.TASK, focus).tree
    answer = ask(tree, message, Mode.TASK, focus)  # replayed in task mode with the focus
    if not answer.understood:
        assert "did not understand" not in answer.rationale, answer.rationale
    outside = [key for key in tree.tasks if not tree.is_within(key, focus)]
    assert all(answer.tree[key] == tree[key] for key in outside)


def test_an_empty_project_with_a_command_that_needs_tasks_says_so():
    tree = empty_tree()
    tree.project.version = 2
    assert "no top-level tasks yet" in refused(tree, "Combine the first two tasks")
