"""The palette's "Pull from REMOTE" and "Push to REMOTE", against the fake GitLab."""

from __future__ import annotations

import pytest

from taskforge.sync import store
from taskforge.sync.adapter import CollectingReporter, Remote, RetryPolicy
from taskforge.sync.engine import open_sync, push
from tests.fakes.gitlab_server import FakeGitLab

from .conftest import notifications, settle

TOKEN = "glpat-tui-token"


@pytest.fixture
def gitlab(monkeypatch):
    fake = FakeGitLab().start()
    fake.token = TOKEN
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    yield fake
    fake.stop()


@pytest.fixture
def pushed(repo, seeded, gitlab) -> str:
    """The seeded project pushed to the fake; then, on GitLab, #1 renamed and #2 closed."""
    store.add_remote(repo.engine, Remote(seeded, "gl", "gitlab", gitlab.url, "team/app", "GITLAB_TOKEN"))
    sync = open_sync(repo, seeded, "gl", CollectingReporter(), RetryPolicy(sleep=lambda s: None))
    assert push(sync).failure is None
    gitlab.edit(1, title="Renamed on GitLab")
    gitlab.edit(2, state="closed")
    return seeded


async def palette(pilot, command: str) -> None:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    pilot.app.screen.query_one("Input").value = command
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


async def test_pull_opens_the_review_and_accepting_applies_exactly_the_remote_changes(make_app, repo, pushed, gitlab):
    from taskforge.tui.diff_review import DiffReview

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Pull from gl")
        review = app.screen
        assert isinstance(review, DiffReview)
        assert review.proposal.planner == "sync:gl"
        assert [(op.task_id, op.body.model_dump(exclude_unset=True)) for op in review.patch.task_patches] == [
            ("T1", {"title": "Renamed on GitLab"}), ("T2", {"status": "done"}),
        ]
        assert review.check_action("revise", ()) is False  # a pull has no agent to revise it
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DiffReview)
        assert any("Pulled from gl as change #" in text for text in notifications(app))
    tree = repo.load(pushed)
    assert tree["T1"].title == "Renamed on GitLab" and tree["T2"].status == "done"
    assert repo.history(pushed)[-1].author == "sync:gl"

    app = make_app()
    gitlab.clear()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Push to gl")
        assert any("Pushed to GitLab: nothing to push" in text for text in notifications(app))
    assert gitlab.write_calls() == []


async def test_push_reports_in_a_notification_and_errors_are_one_line(make_app, repo, seeded, gitlab, monkeypatch):
    store.add_remote(repo.engine, Remote(seeded, "gl", "gitlab", gitlab.url, "team/app", "GITLAB_TOKEN"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Push to gl")
        assert any(text.startswith("Pushed to GitLab:") and "created" in text for text in notifications(app))
        monkeypatch.delenv("GITLAB_TOKEN")
        await palette(pilot, "Pull from gl")
        assert any("needs a GitLab token in the environment variable GITLAB_TOKEN" in text for text in notifications(app))
    assert len(gitlab.project_issues()) == len(repo.load(seeded))


def test_pull_review_snapshot(snap_compare, make_app, repo, pushed, gitlab):
    """Two remote changes kept, and a title changed on both sides: shown with both values, off."""
    from taskforge import actions

    actions.rename(repo, repo.load(pushed), "T3", "Renamed here")
    gitlab.edit(3, title="Renamed there")

    async def pull(pilot) -> None:
        from textual.widgets import Footer

        await palette(pilot, "Pull from gl")
        pilot.app.clear_notifications()
        # The footer under the modal last drew whenever the palette's closing let it: a race with the pull's
        # worker. Drawing it once more with the review up makes the picture the same on every run.
        pilot.app.main_screen.query_one(Footer).refresh(recompose=True)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(110, 32), run_before=pull)
