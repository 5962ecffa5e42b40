"""The worker convention as a user meets it: start-up that cannot finish, writes in the order asked, and
errors nobody foresaw shown in one line while the app stays usable."""

from __future__ import annotations

from taskforge.core.errors import StoreError
from taskforge.tui.app import TaskforgeApp
from taskforge.tui.main_screen import MainScreen

from .conftest import notifications, settle


def _refusing(error: Exception):
    def opener(db: str | None):
        raise error

    return opener


async def test_an_unexpected_error_opening_the_store_ends_the_app_with_one_line():
    app = TaskforgeApp(opener=_refusing(PermissionError(13, "Permission denied", "/data/taskforge")))
    async with app.run_test() as pilot:
        await settle(pilot)
    assert app.return_code == 1
    assert not app.is_running


async def test_a_store_that_refuses_to_open_ends_the_app_with_its_reason():
    app = TaskforgeApp(opener=_refusing(StoreError("cannot create the data folder /x: Not a directory")))
    async with app.run_test() as pilot:
        await settle(pilot)
    assert app.return_code == 1


async def test_two_edits_and_an_undo_within_one_frame_apply_in_order(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.task_tree.focus()
        await pilot.pause()
        key = screen.task_tree.highlighted_key
        version = repo.load(seeded).project.version
        # No frame in between: each edit is computed on the tree the previous one left, not the one shown.
        screen.action_cycle_status()
        screen.action_cycle_status()
        app.action_undo()
        await settle(pilot)
        history = repo.history(seeded)[-3:]
        assert [record.kind.value for record in history] == ["apply", "apply", "undo"]
        assert [record.message for record in history[:2]] == [f"mark {key} doing", f"mark {key} blocked"]
        assert history[2].target_seq == history[1].seq
        assert [record.version_before for record in history] == [version, version + 1, version + 2]
        assert repo.load(seeded)[key].status.value == "doing"
        assert screen.project_tree[key].status.value == "doing"  # the screen follows, in place
        messages = notifications(app)
        assert not any("changed elsewhere" in m for m in messages), messages


async def test_a_write_that_fails_unexpectedly_is_one_line_and_the_app_goes_on(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main_screen

        def broken(repo, tree):
            raise RuntimeError("disk on fire\nsecond line")

        screen.write("edit", broken)
        await settle(pilot)
        messages = notifications(app)
        assert messages == ["Something went wrong: RuntimeError: disk on fire second line"]
        assert isinstance(app.screen, MainScreen) and app.is_running
        screen.action_cycle_status()  # the queue is not stuck
        await settle(pilot)
        assert repo.history(seeded)[-1].message.startswith("mark ")


async def test_a_malformed_setting_ends_the_app_with_one_line_instead_of_hanging(monkeypatch, repo):
    from taskforge.config import settings

    monkeypatch.setenv("TASKFORGE_FALLBACK_MODELS", "not-json")
    settings.cache_clear()
    try:
        app = TaskforgeApp(repo=repo)
        async with app.run_test() as pilot:
            await settle(pilot)
        assert app.return_code == 1
    finally:
        settings.cache_clear()


async def test_keys_that_arrive_together_are_carried_out_in_the_order_typed(make_app, repo, seeded):
    """As a terminal delivers them: three key events queued at once, not one per frame as the Pilot presses."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main_screen.task_tree.focus()
        await pilot.pause()
        key = app.main_screen.task_tree.highlighted_key
        for name, character in (("s", "s"), ("s", "s"), ("ctrl+z", "\x1a")):
            app.post_message(events.Key(name, character))
        await settle(pilot)
        await settle(pilot)
        history = repo.history(seeded)[-3:]
        assert [record.kind.value for record in history] == ["apply", "apply", "undo"]
        assert repo.load(seeded)[key].status.value == "doing"
