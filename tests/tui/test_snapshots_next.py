"""Snapshots of what next: the critical path marked, the work left in the bar, and the `w` key's answers."""

from __future__ import annotations

from .conftest import settle
from .test_what_next import _create, _seed_nested


def test_what_next_on_a_nested_plan(snap_compare, make_app, repo):
    _seed_nested(repo)

    async def what_next(pilot) -> None:
        await settle(pilot)
        pilot.app.main_screen.task_tree.focus()
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=what_next)


def test_nothing_to_start(snap_compare, make_app, repo):
    _create(repo, "stuck", [
        {"op": "create", "task_id": "a", "body": {"title": "Sign the contract", "status": "blocked"}},
        {"op": "create", "task_id": "b", "body": {"title": "Start", "depends_on": ["a"]}},
    ])

    async def what_next(pilot) -> None:
        await settle(pilot)
        pilot.app.main_screen.task_tree.focus()
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 24), run_before=what_next)
