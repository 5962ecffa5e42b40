"""Snapshots of the main screen: a seeded project, task mode, the first run, and the 80×24 layout."""

from __future__ import annotations

from .conftest import settle


async def _opened(pilot) -> None:
    await settle(pilot)


def test_main_screen_with_a_seeded_project(snap_compare, make_app, seeded):
    async def expand(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "E")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=expand)


def test_first_run_is_ready_for_a_goal(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=_opened)


def test_task_mode(snap_compare, make_app, repo, seeded):
    from taskforge import actions

    actions.approve(repo, seeded)

    async def task_mode(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "d")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=task_mode)


def test_layout_at_80_by_24(snap_compare, make_app, seeded):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_opened)
