"""Fixtures for driving the real app: a temporary database, the offline planner, and a settle helper."""

from __future__ import annotations

import threading

import pytest

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.planner import Cancelled, Draft, PlannerError
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode
from taskforge.store.repository import SqlRepository
from taskforge.tui.app import TaskforgeApp

GOAL = "Build a new user authentication flow"


@pytest.fixture(autouse=True)
def _a_fixed_author(monkeypatch):
    """Every change in these tests is by `tester`, whoever runs them: the snapshots show authors."""
    from taskforge.config import settings

    monkeypatch.setenv("TASKFORGE_USER", "tester")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def repo(tmp_path):
    with SqlRepository.open(str(tmp_path / "tui.db")) as repository:
        yield repository


@pytest.fixture
def make_app(repo):
    def make(planner=None, **kwargs) -> TaskforgeApp:
        return TaskforgeApp(repo=repo, planner=planner or OfflinePlanner(), **kwargs)

    return make


@pytest.fixture
def seeded(repo) -> str:
    """An accepted offline plan for the goal; returns the project id."""
    service = AgentService(repo, OfflinePlanner())
    return service.accept(service.propose(None, Mode.PROJECT, None, GOAL)).tree.project.id


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up with what they did."""
    for _ in range(3):
        await finish_work(pilot.app)
        await pilot.pause()


async def finish_work(app) -> None:
    """Wait for the app's workers, but the change watcher: it runs as long as the app does."""
    running = [worker for worker in app.workers if worker.group != "watch"]
    if running:  # an empty list would mean every worker to Textual
        await app.workers.wait_for_complete(running)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def say(pilot, text: str) -> None:
    """Type a chat message into the input and send it, then wait for the planner."""
    pilot.app.main_screen.chat.input.focus()
    await pilot.pause()
    pilot.app.main_screen.chat.input.value = text
    await pilot.press("enter")
    await settle(pilot)


def notifications(app) -> list[str]:
    """The notifications the app has shown, oldest first."""
    return [str(notification.message) for notification in app._notifications]


def root_titles(app: TaskforgeApp) -> list[str]:
    return [str(node.label) for node in app.main_screen.task_tree.root.children]


class FailingPlanner:
    name = "failing"

    def plan(self, request, check, progress=None, cancel=None) -> Draft:
        raise PlannerError("the model answered garbage three times")


class WaitingPlanner:
    """Works until cancelled, reporting progress: stands in for a slow model."""

    name = "waiting"

    def __init__(self) -> None:
        self.started = threading.Event()

    def plan(self, request, check, progress=None, cancel=None) -> Draft:
        from taskforge.agent.planner import Progress

        self.started.set()
        if progress:
            progress(Progress(elapsed=0.1, received_chars=42, completion_tokens=7, model="slow-model"))
        assert cancel is not None
        cancel.wait(10)
        raise Cancelled()
