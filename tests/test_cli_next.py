"""`taskforge next` and the critical path in `taskforge show`, as a user at a terminal or a script sees them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DAY = 480


def task(temp: str, title: str, **body) -> dict:
    return {"op": "create", "task_id": temp, "body": {"title": title, **body}}


def seed(cli, tmp_path: Path, *ops: dict, project: str = "launch") -> None:
    path = tmp_path / f"{project}.json"
    path.write_text(json.dumps({"project_id": project, "base_version": 0, "task_patches": list(ops)}), encoding="utf-8")
    result = cli("apply", project, str(path))
    assert result.exit_code == 0, result.output


@pytest.fixture
def chained(cli, tmp_path):
    """T1 done; T2 → T5 → T9 carry 14d, across two sub-trees; T3 is parallel and high priority."""
    seed(
        cli, tmp_path,
        task("t1", "Agree the scope", status="done", estimate_minutes=DAY),
        task("t2", "Design the schema", estimate_minutes=3 * DAY, depends_on=["t1"], priority="high"),
        task("t3", "Write the announcement", estimate_minutes=DAY, priority="critical"),
        task("t4", "Backend"),
        task("t5", "Build the API", parent_task_id="t4", estimate_minutes=5 * DAY, depends_on=["t2"]),
        task("t6", "Frontend"),
        task("t7", "Polish the icons", parent_task_id="t6", priority="low"),
        task("t8", "Blocked on legal", parent_task_id="t6", status="blocked"),
        task("t9", "Build the screens", parent_task_id="t6", estimate_minutes=6 * DAY, depends_on=["t4"]),
    )


def test_next_names_the_task_and_the_reason(cli, chained):
    result = cli("next", "launch")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "T2 ○ ◆ Design the schema",
        "  T2: on the critical path, high priority, unblocked since T1 was done",
    ]


def test_next_all_lists_every_actionable_task_best_first(cli, chained):
    result = cli("next", "launch", "--all")
    assert result.exit_code == 0
    heads = [line for line in result.output.splitlines() if not line.startswith("  ")]
    assert heads == ["T2 ○ ◆ Design the schema", "T3 ○ Write the announcement", "T7 ○ Polish the icons"]


def test_next_json_and_all_json(cli, chained):
    one = json.loads(cli("next", "launch", "--json").stdout)
    assert one == {
        "key": "T2", "title": "Design the schema",
        "reason": "T2: on the critical path, high priority, unblocked since T1 was done", "critical": True,
    }
    every = json.loads(cli("next", "launch", "--all", "--json").stdout)
    assert [item["key"] for item in every] == ["T2", "T3", "T7"]
    assert [item["critical"] for item in every] == [True, False, False]
    assert every[1]["reason"] == "T3: critical priority, nothing to wait for"
    assert all(set(item) == {"key", "title", "reason", "critical"} for item in every)


def test_nothing_actionable_is_null_or_empty_with_the_reason_on_stderr(cli, tmp_path):
    seed(cli, tmp_path, task("a", "Sign the contract", status="blocked"), task("b", "Start", depends_on=["a"]))
    single = cli("next", "launch", "--json")
    assert single.exit_code == 0
    assert json.loads(single.stdout) is None
    assert single.stderr.strip() == (
        "taskforge: nothing can start now: T1 is blocked; 1 task waits for dependencies that are not done"
    )
    every = cli("next", "launch", "--json", "--all")
    assert every.exit_code == 0 and json.loads(every.stdout) == [] and "T1 is blocked" in every.stderr
    text = cli("next", "launch")
    assert text.exit_code == 0
    assert text.stdout.strip() == (
        "Nothing to start: nothing can start now: T1 is blocked; 1 task waits for dependencies that are not done."
    )


def test_next_when_everything_is_done(cli, tmp_path):
    seed(cli, tmp_path, task("a", "Ship", status="done"))
    result = cli("next", "launch", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) is None
    assert "every task is done" in result.stderr


def test_next_without_estimates_orders_by_priority_then_plan_order(cli, tmp_path):
    seed(cli, tmp_path, task("a", "First"), task("b", "Second", priority="high"), task("c", "Third"))
    every = json.loads(cli("next", "launch", "--all", "--json").stdout)
    assert [item["key"] for item in every] == ["T2", "T1", "T3"]
    assert not any(item["critical"] for item in every)


def test_next_on_an_unknown_project_is_one_line_and_status_1(cli, chained):
    result = cli("next", "nope")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "nope" in result.stderr


def test_show_marks_the_critical_path_and_sums_it_up(cli, chained):
    lines = cli("show", "launch").output.splitlines()
    assert lines[-1] == "◆ critical path: T2 → T5 → T9, 14d of work left"
    marked = [line for line in lines if "◆" in line and "critical path:" not in line]
    assert [line.split("○ ◆ ")[1].split("  ")[0] for line in marked] == [
        "Design the schema", "Backend", "Build the API", "Frontend", "Build the screens",
    ]
    assert not any("◆" in line for line in lines if "Write the announcement" in line)


def test_show_has_no_footer_without_estimated_work(cli, tmp_path):
    seed(cli, tmp_path, task("a", "First"), task("b", "Second", depends_on=["a"]))
    output = cli("show", "launch").output
    assert "critical path" not in output and "◆" not in output
