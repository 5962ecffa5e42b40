"""Live refresh: an open TUI shows what another session changes, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
import time

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.history import Provenance
from taskforge.core.models import Mode
from taskforge.core.patches import ProjectPatch, TaskPatch
from taskforge.store.repository import SqlRepository
from taskforge.tui.app import TaskforgeApp
from taskforge.tui.diff_review import CONFLICT, DiffReview

from .conftest import GOAL, say, settle


def _seed(url: str) -> str:
    with SqlRepository.open(url) as repo:
        service = AgentService(repo, OfflinePlanner())
        return service.accept(service.propose(None, Mode.PROJECT, None, GOAL)).tree.project.id


def _add_as_bob(url: str, project: str, title: str) -> int:
    """Another person, in another session, adds a task; returns the new version."""
    with SqlRepository.open(url) as repo:
        tree = repo.load(project)
        patch = ProjectPatch(
            project_id=project, base_version=tree.project.version, rationale=f"add {title}",
            task_patches=[TaskPatch.model_validate({"op": "create", "task_id": "n1", "body": {"title": title}})],
        )
        applied = repo.apply_patch(patch, mode=Mode.EDIT,
                                   provenance=Provenance(message=f"add {title}", planner="user", author="bob"))
        return applied.tree.project.version


async def _until(pilot, condition, timeout: float = 15.0) -> float:
    """Wait (without the Pilot's worker settling: the watcher runs as long as the app) until `condition`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("not shown in time")
        await asyncio.sleep(0.05)
        await pilot.pause()
    return time.monotonic() - started


def _chat(app) -> str:
    return "\n".join(str(child.render()) for child in app.main_screen.chat.log_view.children)


async def test_a_change_made_elsewhere_appears_in_place_with_its_author(store):
    project = _seed(store.url)
    repo = SqlRepository.open(store.url)
    app = TaskforgeApp(repo=repo, planner=OfflinePlanner())
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.main_screen
            untouched = screen.task_tree.root.children[0]
            version = _add_as_bob(store.url, project, "Write the runbook")
            await _until(pilot, lambda: screen.project_tree.project.version == version)  # how soon: benchmarks/
            titles = [screen.project_tree[node.data].title for node in screen.task_tree.root.children]
            assert titles[-1] == "Write the runbook"
            assert screen.task_tree.root.children[0] is untouched  # updated in place, not rebuilt
            assert f"bob applied change #{version}: add Write the runbook" in _chat(app)
    finally:
        repo.close()


async def test_two_apps_on_one_database_see_each_others_changes(store):
    project = _seed(store.url)
    one, two = SqlRepository.open(store.url), SqlRepository.open(store.url)
    first = TaskforgeApp(repo=one, planner=OfflinePlanner())
    second = TaskforgeApp(repo=two, planner=OfflinePlanner())
    try:
        async with first.run_test(size=(120, 40)) as p1, second.run_test(size=(120, 40)) as p2:
            await settle(p1)
            await settle(p2)
            await say(p1, "Add a task for documentation")
            await p1.press("a")
            await settle(p1)
            version = one.load(project).project.version
            await _until(p2, lambda: second.main_screen.project_tree.project.version == version)
            assert "Documentation" in [task.title for task in second.main_screen.project_tree.tasks.values()]
            assert "applied change" in _chat(second)
    finally:
        one.close()
        two.close()


async def test_an_open_review_says_at_once_that_it_was_overtaken(store):
    project = _seed(store.url)
    repo = SqlRepository.open(store.url)
    app = TaskforgeApp(repo=repo, planner=OfflinePlanner())
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await say(pilot, "Add a task for documentation")
            review = app.screen
            assert isinstance(review, DiffReview)
            _add_as_bob(store.url, project, "Write the runbook")
            await _until(pilot, lambda: review.conflict)
            error = review.query_one("#review-error")
            assert error.display and CONFLICT in str(error.render())
            assert not review.check_action("accept_all", ())  # said before the user tries
    finally:
        repo.close()


async def test_a_dropped_connection_is_said_and_the_app_catches_up_when_it_is_back(pg_server, pg_url):
    project = _seed(pg_url)
    repo = SqlRepository.open(pg_url)
    app = TaskforgeApp(repo=repo, planner=OfflinePlanner())
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            database = pg_url.split("@/", 1)[1].split("?", 1)[0]
            assert pg_server.terminate_clients(database) >= 1  # the watcher's connection among them
            version = _add_as_bob(pg_url, project, "Written while the watcher was cut off")
            await _until(pilot, lambda: app.main_screen.project_tree.project.version == version)
            assert app.is_running
    finally:
        repo.close()


async def test_losing_and_regaining_the_database_is_one_notice_each(make_app, seeded):
    from taskforge.tui.messages import StoreChanged

    from .conftest import notifications

    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.main_screen.project_tree
        app.post_message(StoreChanged([], connected=False))
        app.post_message(StoreChanged([], connected=False))
        await pilot.pause()
        assert notifications(app) == ["Lost the connection to the database: showing the last state; reconnecting…"]
        assert app.main_screen.project_tree is shown  # the last state stays on screen
        app.post_message(StoreChanged([("*", -1)], connected=True))
        await settle(pilot)
        assert notifications(app)[-1] == "Connected to the database again."
