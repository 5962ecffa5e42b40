"""What next and the critical path: ranking, reasons, estimates through sub-trees, and odd trees."""

from __future__ import annotations

from taskforge.core.models import Project, Task
from taskforge.core.schedule import schedule
from taskforge.core.tree import Tree

DAY = 480


def tree_of(*tasks: Task) -> Tree:
    return Tree.build(Project(id="p", title="P"), tasks)


def t(key: str, parent: str | None = None, **fields) -> Task:
    return Task(key=key, parent_key=parent, title=fields.pop("title", f"Task {key}"), **fields)


def keys(found) -> list[str]:
    return [s.key for s in found.actionable]


def test_no_estimates_orders_by_priority_then_plan_order():
    found = schedule(tree_of(t("T1"), t("T2", priority="high"), t("T3"), t("T4", priority="low"), t("T5", priority="critical")))
    assert keys(found) == ["T5", "T2", "T1", "T3", "T4"]
    assert found.path == () and found.path_minutes == 0 and found.critical == frozenset()
    assert not any(s.critical for s in found.actionable)
    assert found.first.reason == "T5: critical priority, nothing to wait for"


def test_critical_path_through_a_chain_and_its_reason():
    found = schedule(tree_of(
        t("T1", status="done", estimate_minutes=DAY),
        t("T2", estimate_minutes=3 * DAY, depends_on=["T1"], priority="high"),
        t("T3", estimate_minutes=DAY, priority="critical"),  # parallel, shorter: not critical
        t("T4", estimate_minutes=5 * DAY, depends_on=["T2"]),
        t("T5", estimate_minutes=6 * DAY, depends_on=["T4"]),
    ))
    assert found.path == ("T2", "T4", "T5")
    assert found.path_minutes == 14 * DAY
    assert found.remaining_minutes == 15 * DAY
    assert found.critical == {"T2", "T4", "T5"}
    assert keys(found) == ["T2", "T3"]  # critical first, even against a higher priority
    assert found.first.reason == "T2: on the critical path, high priority, unblocked since T1 was done"
    assert found.first.to_json() == {
        "key": "T2", "title": "Task T2", "reason": found.first.reason, "critical": True,
    }
    assert found.actionable[1].critical is False


def test_a_parents_work_is_its_sub_tasks_and_dependencies_cross_sub_trees():
    # T1 (T2 2d, T3 4d)   T4 (T5 1d -> after T3, T6 1d)   T7 after T4: 3d
    found = schedule(tree_of(
        t("T1", estimate_minutes=DAY),  # the sub-tasks' estimates win over the parent's own
        t("T2", "T1", estimate_minutes=2 * DAY),
        t("T3", "T1", estimate_minutes=4 * DAY),
        t("T4"),
        t("T5", "T4", estimate_minutes=DAY, depends_on=["T3"]),
        t("T6", "T4", estimate_minutes=DAY),
        t("T7", estimate_minutes=3 * DAY, depends_on=["T4"]),
    ))
    assert found.path == ("T3", "T5", "T7")
    assert found.path_minutes == 8 * DAY
    assert found.remaining_minutes == 11 * DAY
    assert found.critical == {"T1", "T3", "T4", "T5", "T7"}  # the parents they lie in are marked too
    assert keys(found) == ["T3", "T2", "T6"]  # T5 waits for T3, T7 for T4; parents have undone sub-tasks


def test_a_dependency_of_a_parent_holds_back_its_sub_tasks():
    found = schedule(tree_of(t("T1"), t("T2", depends_on=["T1"]), t("T3", "T2")))
    assert keys(found) == ["T1"]
    done = schedule(tree_of(t("T1", status="done"), t("T2", depends_on=["T1"]), t("T3", "T2")))
    assert keys(done) == ["T3"]
    assert done.first.reason == "T3: medium priority, unblocked since T1 was done"


def test_a_parent_whose_sub_tasks_are_done_is_actionable():
    found = schedule(tree_of(t("T1"), t("T2", "T1", status="done"), t("T3", "T1", status="done")))
    assert keys(found) == ["T1"]


def test_an_unbroken_down_parents_estimate_is_shared_by_its_sub_tasks():
    found = schedule(tree_of(
        t("T1", estimate_minutes=4 * DAY), t("T2", "T1", status="done"), t("T3", "T1"), t("T4", "T1"), t("T5", "T1"),
    ))
    assert found.remaining_minutes == 3 * DAY
    assert found.path == ("T3",) or len(found.path) == 1
    assert found.path_minutes == DAY


def test_ties_go_to_plan_order_and_equal_chains_are_both_critical():
    found = schedule(tree_of(
        t("T1", estimate_minutes=DAY), t("T2", estimate_minutes=DAY, depends_on=["T1"]),
        t("T3", estimate_minutes=DAY), t("T4", estimate_minutes=DAY, depends_on=["T3"]),
    ))
    assert found.path == ("T1", "T2")
    assert found.critical == {"T1", "T2", "T3", "T4"}
    assert keys(found) == ["T1", "T3"]
    same = schedule(tree_of(t("T1"), t("T2"), t("T3")))
    assert keys(same) == ["T1", "T2", "T3"]


def test_blocked_tasks_and_what_lies_inside_them_are_not_actionable():
    found = schedule(tree_of(t("T1", status="blocked"), t("T2", "T1"), t("T3", depends_on=["T1"]), t("T4")))
    assert keys(found) == ["T4"]
    none = schedule(tree_of(t("T1", status="blocked"), t("T2", depends_on=["T1"])))
    assert none.first is None and none.actionable == ()
    assert none.none_reason == "nothing can start now: T1 is blocked; 1 task waits for dependencies that are not done"


def test_doing_tasks_are_actionable_and_say_so():
    found = schedule(tree_of(t("T1", status="doing")))
    assert found.first.reason == "T1: medium priority, already in progress, nothing to wait for"


def test_nothing_to_do():
    assert schedule(tree_of()).none_reason == "p has no tasks yet"
    assert schedule(tree_of(t("T1", status="done"), t("T2", "T1"))).none_reason == "every task is done"


def test_loops_the_rules_close_are_left_out_not_an_error():
    # A's sub-task waits for B's, and B's parent waits for A's sub-task: each parent waits for the other.
    found = schedule(tree_of(
        t("T1", depends_on=["T4"]), t("T2", "T1", estimate_minutes=DAY),
        t("T3", depends_on=["T2"]), t("T4", "T3", estimate_minutes=DAY),
        t("T5", estimate_minutes=DAY, depends_on=["T5"]),  # cannot pass validation, read anyway
    ))
    assert found.path_minutes >= DAY
    assert found.none_reason.startswith("nothing can start now") or found.actionable


def test_a_dependency_on_its_own_parent_or_sub_task_says_nothing():
    found = schedule(tree_of(t("T1", depends_on=["T2"], estimate_minutes=DAY), t("T2", "T1", depends_on=["T1"])))
    assert keys(found) == ["T2"]
    assert found.path == ("T2",)


def test_long_dependency_lists_are_counted():
    deps = [f"T{i}" for i in range(1, 6)]
    found = schedule(tree_of(*(t(key, status="done") for key in deps), t("T6", depends_on=deps)))
    assert found.first.reason == "T6: medium priority, unblocked since T1, T2, T3 and 2 more were done"


def test_what_lies_inside_a_done_task_is_settled():
    found = schedule(tree_of(t("T1", status="done", estimate_minutes=DAY), t("T2", "T1", estimate_minutes=DAY), t("T3")))
    assert keys(found) == ["T3"]
    assert found.remaining_minutes == 0 and found.path == ()


def test_a_task_without_estimate_after_the_path_ends_it():
    from tests.conftest import sample_tree

    # T1 Design (5h left in T3 Review: the parent's 10h shared by its two sub-tasks), T4 Build → T1 (T5 API).
    found = schedule(sample_tree())
    assert found.path == ("T3", "T5")
    assert found.path_minutes == 300
    assert found.critical == {"T1", "T3", "T4", "T5"}
    assert keys(found) == ["T3", "T6"]


def test_a_big_generated_plan_is_consistent():
    import random

    rng = random.Random(7)
    tasks = []
    for n in range(1, 400):
        parent = f"T{rng.randrange(1, n)}" if n > 5 and rng.random() < 0.7 else None
        deps = [f"T{rng.randrange(1, n)}"] if n > 2 and rng.random() < 0.2 else []
        tasks.append(t(f"T{n}", parent, estimate_minutes=rng.choice([None, 60, 240, 480]),
                       status=rng.choice(["todo", "todo", "doing", "done", "blocked"]), depends_on=deps))
    tree = Tree.build(Project(id="p", title="P"), tasks)  # dependencies both ways across sub-trees: loops
    found = schedule(tree)
    assert found.path_minutes <= found.remaining_minutes
    assert set(found.path) <= found.critical
    assert len({s.key for s in found.actionable}) == len(found.actionable)
    for suggestion in found.actionable:
        task = tree[suggestion.key]
        assert task.status in ("todo", "doing")
        assert suggestion.reason.startswith(f"{suggestion.key}: ")


def test_a_loop_drops_only_its_own_dependencies():
    # T1 and T3 wait for each other through their sub-tasks; T5 after T2 lies downstream and keeps its dependency.
    found = schedule(tree_of(
        t("T1", depends_on=["T4"]), t("T2", "T1", estimate_minutes=DAY),
        t("T3", depends_on=["T2"]), t("T4", "T3", estimate_minutes=DAY),
        t("T5", estimate_minutes=3 * DAY, depends_on=["T2"]),
    ))
    assert found.path[-2:] == ("T2", "T5")
    assert found.path_minutes == 4 * DAY
