"""How both shells word the critical path and the work left (present.py)."""

from __future__ import annotations

from taskforge.core.schedule import Schedule, Suggestion
from taskforge.present import critical_path_line, path_keys, project_bar_text, remaining_text

DAY = 480


def test_the_footer_names_the_path_and_its_work():
    plan = Schedule(path=("T2", "T5", "T9"), path_minutes=14 * DAY, remaining_minutes=20 * DAY)
    assert critical_path_line(plan).plain == "◆ critical path: T2 → T5 → T9, 14d of work left"
    assert critical_path_line(Schedule()) is None


def test_a_long_path_keeps_its_ends():
    keys = tuple(f"T{i}" for i in range(1, 31))
    assert path_keys(keys) == "T1 → T2 → T3 → T4 → … 22 more … → T27 → T28 → T29 → T30"
    assert path_keys(("T1",)) == "T1"


def test_the_work_left_says_the_critical_path_when_it_differs():
    assert remaining_text(Schedule(remaining_minutes=20 * DAY, path_minutes=14 * DAY + 90)) == (
        "20d of work left (14d 1h 30m on the critical path)"
    )
    assert remaining_text(Schedule(remaining_minutes=3 * DAY, path_minutes=3 * DAY)) == "3d of work left"
    assert remaining_text(Schedule()) == ""


def test_the_bar_ends_with_the_work_left(tmp_path):
    from tests.conftest import sample_tree

    tree = sample_tree()
    plan = Schedule(
        actionable=(Suggestion("T3", "Review", True, "T3: on the critical path"),), remaining_minutes=DAY, path_minutes=DAY,
    )
    text = project_bar_text(tree, "project", plan).plain
    assert text.endswith("draft · project · 1d of work left")
    assert project_bar_text(tree, "project").plain.endswith("draft · project")
