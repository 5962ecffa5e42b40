"""Fixtures for sync tests: a fake GitLab on a free port, a project to push, and the sync opened on both."""

from __future__ import annotations

import pytest

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.core.patches import parse_patch
from taskforge.sync import store
from taskforge.sync.adapter import CollectingReporter, Remote, RetryPolicy
from taskforge.sync.engine import open_sync
from tests.fakes.gitlab_server import FakeGitLab

TOKEN = "glpat-test-token"


@pytest.fixture
def gitlab():
    fake = FakeGitLab().start()
    fake.token = TOKEN
    yield fake
    fake.stop()


def make_project(repo, project_id: str = "demo", count: int = 5) -> str:
    """A project with a parent and its child, a dependency, an estimate and time spent (for count ≥ 3)."""
    ops = [
        {"op": "create", "task_id": "a", "body": {"title": "Design the schema", "description": "Tables and keys.",
                                                  "estimate_minutes": 120, "priority": "high"}},
        {"op": "create", "task_id": "b", "body": {"title": "Write the migration", "parent_task_id": "a",
                                                  "actual_minutes": 30}},
        {"op": "create", "task_id": "c", "body": {"title": "Build the API", "depends_on": ["a"], "status": "doing"}},
    ]
    ops += [{"op": "create", "task_id": f"x{n}", "body": {"title": f"Task number {n}"}} for n in range(4, count + 1)]
    repo.create_project(
        Project(id=project_id, title="Demo"), parse_patch({"project_id": project_id, "base_version": 0, "task_patches": ops[:count]}),
        Provenance(planner="import"), mode=Mode.IMPORT, rename_if_taken=False,
    )
    return project_id


def add_gitlab_remote(repo, gitlab, project_id: str = "demo", name: str = "gl") -> Remote:
    remote = Remote(project_id, name, "gitlab", gitlab.url, "team/app", "GITLAB_TOKEN")
    store.add_remote(repo.engine, remote)
    return remote


class Sleeps(list):
    """Records the waits instead of sleeping: tests never wait for real."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def synced(repo, gitlab, sleeps):
    """open() → a Sync on project 'demo' and remote 'gl' of the fake, with a collecting reporter."""
    def open_(project_id: str = "demo", name: str = "gl"):
        reporter = CollectingReporter()
        return open_sync(repo, project_id, name, reporter, RetryPolicy(sleep=sleeps), environ={"GITLAB_TOKEN": TOKEN})

    return open_
