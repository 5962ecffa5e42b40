"""What next in the TUI: the critical path marked in the tree, the remaining work in the bar, and the `w` key."""

from __future__ import annotations

import asyncio
import time

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.core.patches import parse_patch
from taskforge.store.repository import SqlRepository

from .conftest import notifications, settle

DAY = 480


def _labels(app) -> dict[str, str]:
    tree = app.main_screen.task_tree
    return {key: str(node.label) for key, node in tree._task_nodes.items()}


def _marked(app) -> set[str]:
    return {key for key, label in _labels(app).items() if "◆" in label}


def _bar(app) -> str:
    from taskforge.tui.panels import ProjectBar

    return str(app.main_screen.query_one(ProjectBar).render())


def _seed_nested(repo, project: str = "launch") -> None:
    """T1 Backend (T2 schema 2d, T3 API 3d after T2), T4 Frontend (T5 screens 4d after T1), T6 Docs."""
    ops = [
        {"op": "create", "task_id": "b", "body": {"title": "Backend"}},
        {"op": "create", "task_id": "b1", "body": {"title": "Design the schema", "parent_task_id": "b",
                                                   "estimate_minutes": 2 * DAY}},
        {"op": "create", "task_id": "b2", "body": {"title": "Build the API", "parent_task_id": "b",
                                                   "estimate_minutes": 3 * DAY, "depends_on": ["b1"]}},
        {"op": "create", "task_id": "f", "body": {"title": "Frontend"}},
        {"op": "create", "task_id": "f1", "body": {"title": "Build the screens", "parent_task_id": "f",
                                                   "estimate_minutes": 4 * DAY, "depends_on": ["b"]}},
        {"op": "create", "task_id": "d", "body": {"title": "Write the docs", "priority": "critical"}},
    ]
    _create(repo, project, ops)


def _create(repo, project: str, ops: list[dict]) -> None:
    patch = parse_patch({"project_id": project, "base_version": 0, "task_patches": ops})
    repo.create_project(Project(id=project, title=project.title()), patch, Provenance(message="seed"), Mode.IMPORT)


async def test_the_tree_marks_the_critical_path_and_the_bar_says_the_work_left(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert _marked(app) == {"T1", "T2", "T3", "T4", "T5"}  # one chain; T6, the docs, waits only for T3
        assert "40d of work left (35d on the critical path)" in _bar(app)


async def test_w_moves_to_the_next_task_and_says_why(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.main_screen.task_tree
        tree.focus()
        await pilot.press("down", "down")
        assert tree.highlighted_key == "T3"
        await pilot.press("w")
        await settle(pilot)
        assert tree.highlighted_key == "T1"
        assert notifications(app)[-1] == "T1: on the critical path, high priority, nothing to wait for"


async def test_marks_and_bar_follow_every_patch_in_place(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.main_screen.task_tree
        tree.focus()
        first = tree.root.children[0]
        await pilot.press("s", "s", "s")  # T1: doing, blocked, done
        await settle(pilot)
        assert app.main_screen.project_tree["T1"].status == "done"
        assert _marked(app) == {"T2", "T3", "T4", "T5"}
        assert "35d of work left (30d on the critical path)" in _bar(app)
        assert tree.root.children[0] is first  # relabelled, not rebuilt
        await pilot.press("w")
        await settle(pilot)
        assert tree.highlighted_key == "T2"
        assert notifications(app)[-1] == "T2: on the critical path, high priority, unblocked since T1 was done"
        await pilot.press("ctrl+z")  # undo brings the mark back
        await settle(pilot)
        assert _marked(app) == {"T1", "T2", "T3", "T4", "T5"}
        assert "40d of work left (35d on the critical path)" in _bar(app)


async def test_w_opens_the_way_down_to_a_sub_task(make_app, repo):
    _seed_nested(repo)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.task_tree.focus()
        assert "T2" not in screen.task_tree._task_nodes  # collapsed: not built yet
        assert _marked(app) == {"T1", "T4"}  # the top level: the path runs inside both
        await pilot.press("w")
        await settle(pilot)
        assert screen.task_tree.highlighted_key == "T2"  # critical beats T6's critical priority
        assert notifications(app)[-1] == "T2: on the critical path, medium priority, nothing to wait for"
        assert {"T1", "T2", "T3", "T4"} <= _marked(app)
        assert "◆" not in _labels(app)["T6"]
        assert "9d of work left" in _bar(app)


async def test_w_with_nothing_to_start_says_why(make_app, repo):
    _create(repo, "stuck", [
        {"op": "create", "task_id": "a", "body": {"title": "Sign the contract", "status": "blocked"}},
        {"op": "create", "task_id": "b", "body": {"title": "Start", "depends_on": ["a"]}},
    ])
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.main_screen.task_tree.focus()
        await pilot.press("w")
        await settle(pilot)
        assert notifications(app)[-1] == (
            "Nothing to start: nothing can start now: T1 is blocked; 1 task waits for dependencies that are not done."
        )
        assert "work left" not in _bar(app)  # nothing is estimated


async def test_w_can_be_remapped_and_is_in_the_palette(make_app, seeded):
    from taskforge.tui.commands import COMMANDS

    assert "what_next" in [action for _, _, action in COMMANDS]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.set_keymap({"app.what_next": "f6"})
        tree = app.main_screen.task_tree
        tree.focus()
        await pilot.press("down", "down", "w")
        await settle(pilot)
        assert tree.highlighted_key == "T3"  # w no longer does it
        await pilot.press("f6")
        await settle(pilot)
        assert tree.highlighted_key == "T1"


async def test_a_change_made_elsewhere_moves_the_marks(make_app, seeded, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        with SqlRepository.open(str(tmp_path / "tui.db")) as other:
            tree = other.load(seeded)
            patch = parse_patch({"project_id": seeded, "base_version": tree.project.version, "task_patches": [
                {"op": "update", "task_id": "T1", "body": {"status": "done"}},
                {"op": "update", "task_id": "T2", "body": {"status": "done"}},
            ]})
            version = other.apply_patch(patch, mode=Mode.EDIT, provenance=Provenance(message="done")).tree.project.version
        started = time.monotonic()
        while _marked(app) != {"T3", "T4", "T5"}:
            assert time.monotonic() - started < 15, "not shown in time"
            await asyncio.sleep(0.05)
            await pilot.pause()
        assert app.main_screen.project_tree.project.version == version
        assert "27d of work left (22d on the critical path)" in _bar(app)
