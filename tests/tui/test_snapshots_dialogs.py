"""Snapshots of every dialog and of the error states, grouped by feature.

Each starts from the real app on a seeded project and gets there with the keys a user presses.
"""

from __future__ import annotations

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode

from .conftest import FailingPlanner, say, settle


async def _on_tree(pilot) -> None:
    await settle(pilot)
    pilot.app.main_screen.task_tree.focus()
    await pilot.pause()


# -- direct edits ---------------------------------------------------------------------------------


def test_rename_prompt(snap_compare, make_app, seeded):
    async def rename(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=rename)


def test_add_prompt(snap_compare, make_app, seeded):
    async def add(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("n")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=add)


def test_delete_confirmation(snap_compare, make_app, repo, seeded):
    service = AgentService(repo, OfflinePlanner())
    service.accept(service.propose(seeded, Mode.PROJECT, None, "add Write tests under T1"))

    async def delete(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("x")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=delete)


# -- projects and export ----------------------------------------------------------------------------


def test_project_picker(snap_compare, make_app, repo, seeded):
    service = AgentService(repo, OfflinePlanner())
    service.accept(service.propose(None, Mode.PROJECT, None, "Launch our product on Product Hunt"))

    async def picker(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(make_app(project=seeded), terminal_size=(100, 30), run_before=picker)


def test_export_dialog(snap_compare, make_app, seeded):
    async def export(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=export)


def test_command_palette(snap_compare, make_app, seeded):
    async def palette(pilot) -> None:
        await _on_tree(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"ex")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=palette)


# -- error states -------------------------------------------------------------------------------------


def test_planner_error(snap_compare, make_app, seeded):
    async def fail(pilot) -> None:
        await settle(pilot)
        await say(pilot, "Add a task for documentation")

    assert snap_compare(make_app(planner=FailingPlanner()), terminal_size=(100, 30), run_before=fail)


def test_a_paste_longer_than_a_message(snap_compare, make_app, seeded):
    async def paste(pilot) -> None:
        from textual import events

        await settle(pilot)
        chat = pilot.app.main_screen.chat
        chat.input.focus()
        chat.input.post_message(events.Paste("word " * 3_000))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=paste)


def test_version_conflict_in_review(snap_compare, make_app, repo, seeded):
    async def conflict(pilot) -> None:
        await settle(pilot)
        await say(pilot, "Add a task for documentation")
        service = AgentService(repo, OfflinePlanner())  # another session moves the project on
        service.accept(service.propose(seeded, Mode.PROJECT, None, "Add a task for testing"))
        await pilot.press("a")
        await settle(pilot)

    # Not live: the conflict is met on accepting, not announced a moment before by the change watcher.
    # Tall enough that the chat behind the modal never scrolls: where a scroll ends is a matter of timing.
    assert snap_compare(make_app(live=False), terminal_size=(100, 40), run_before=conflict)


def test_stale_edit_reloads_and_says_so(snap_compare, make_app, repo, seeded):
    async def stale(pilot) -> None:
        await _on_tree(pilot)
        service = AgentService(repo, OfflinePlanner())
        service.accept(service.propose(seeded, Mode.PROJECT, None, "Add a task for testing"))
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(make_app(live=False), terminal_size=(100, 30), run_before=stale)  # a session that missed it


def test_store_failure_during_a_write(snap_compare, make_app, seeded):
    async def broken(pilot) -> None:
        await _on_tree(pilot)

        def write(repo, tree):
            raise OSError(5, "Input/output error")

        pilot.app.main_screen.write("edit", write)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=broken)


def test_new_project_from_a_file_prompt(snap_compare, make_app, seeded):
    async def prompt(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"from a file")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"docs/PRD.md")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=prompt)


def test_new_project_from_a_missing_file(snap_compare, make_app, seeded):
    async def missing(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"from a file")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"no/such/brief.md", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=missing)
