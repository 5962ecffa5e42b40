"""Agents' proposals in the TUI: the badge in the project bar, and reviewing them one by one in the review modal."""

from __future__ import annotations

from taskforge.agent.offline import OfflinePlanner
from taskforge.core.proposals import ProposalState
from taskforge.mcp import queue
from taskforge.store.repository import SqlRepository
from taskforge.tui.app import TaskforgeApp
from taskforge.tui.dialogs import Confirm
from taskforge.tui.diff_review import DiffReview
from taskforge.tui.panels import ProjectBar

from .conftest import notifications, settle
from .test_live_refresh import _chat, _seed, _until

DOCS = {"task_patches": [
    {"op": "create", "task_id": "n1", "body": {"title": "Write the docs", "estimate_minutes": 240}},
    {"op": "create", "task_id": "n2", "body": {"title": "Record a demo"}},
]}


def propose(repo, project: str, body: dict = DOCS, author: str = "claude-code", rationale: str = "Docs and a demo."):
    return queue.propose_patch(repo, project, body, rationale, author).queued


def bar(app) -> str:
    return str(app.main_screen.query_one(ProjectBar).render())


async def test_the_badge_counts_waiting_proposals_and_only_shows_when_some_wait(make_app, repo, seeded):
    app = make_app(live=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "proposal" not in bar(app)
        assert not app.main_screen.check_action("review_proposals", ())
    propose(repo, seeded)
    propose(repo, seeded, rationale="Another")
    app = make_app(live=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert " 2 proposals " in bar(app)
        assert app.main_screen.check_action("review_proposals", ())


async def test_a_proposal_from_another_process_shows_up(store):
    project = _seed(store.url)
    repo = SqlRepository.open(store.url)
    app = TaskforgeApp(repo=repo, planner=OfflinePlanner())
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            assert "proposal" not in bar(app)
            with SqlRepository.open(store.url) as agent_side:  # `taskforge mcp`, in its own process
                queued = propose(agent_side, project)
            await _until(pilot, lambda: " 1 proposal " in bar(app))
            with SqlRepository.open(store.url) as cli_side:  # `taskforge review --reject` elsewhere
                queue.reject(cli_side, queued.id, "", by="bob")
            await _until(pilot, lambda: "proposal" not in bar(app))
    finally:
        repo.close()


async def test_review_one_by_one_accepting_half_and_rejecting_with_a_note(make_app, repo, seeded):
    first = propose(repo, seeded)
    second = propose(repo, seeded, {"task_patches": [{"op": "update", "task_id": "T1", "body": {"priority": "low"}}]},
                     rationale="Lower T1.")
    app = make_app(live=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, DiffReview) and review.proposal.author == "claude-code"
        await pilot.press("down", "space", "enter")  # turn the demo off, accept the docs
        await settle(pilot)
        status = queue.status(repo, first.id)
        assert status["state"] == "accepted" and status["kept_ops"] == [0] and status["rejected_ops"] == [1]
        assert "Write the docs" in [task.title for task in app.main_screen.project_tree.tasks.values()]
        assert f"Proposal #{first.id} from claude-code: Applied as change #2 (1 of 2 operations kept)." in _chat(app)

        review = app.screen  # the next one opens by itself
        assert isinstance(review, DiffReview) and review.patch.task_patches[0].task_id == "T1"
        await pilot.press("e")
        await pilot.press(*"later")
        await pilot.press("enter")  # "revise": the agent reads the note
        await settle(pilot)
        assert queue.status(repo, second.id) | {"author": None} == {
            "id": second.id, "project": seeded, "state": "rejected", "author": None, "operations": 1,
            "base_version": 1, "project_version": 2, "note": "later"}
        assert app.screen is app.main_screen and "proposal" not in bar(app)
        assert "No more proposals waiting." in notifications(app)
    history = repo.history(seeded)
    assert history[-1].author == "claude-code" and [op.index for op in history[-1].rejected_ops] == [1]


async def test_a_stale_proposal_that_no_longer_applies_is_offered_for_rejection(make_app, repo, seeded):
    stale = propose(repo, seeded, {"task_patches": [{"op": "update", "task_id": "T5", "body": {"title": "Ship it"}}]},
                    rationale="Rename the rollout.")
    fresh = propose(repo, seeded)
    from taskforge.actions import delete

    delete(repo, repo.load(seeded), "T5")  # the user removed T5 meanwhile: both are stale, one still applies
    app = make_app(live=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "no longer applies" in str(app.screen.question) and "T5" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        assert queue.status(repo, stale.id)["state"] == ProposalState.REJECTED
        assert isinstance(app.screen, DiffReview)  # the other one, re-based on the current version
        assert app.screen.patch.base_version == 2
        await pilot.press("a")
        await settle(pilot)
        assert queue.status(repo, fresh.id)["change"] == 3


async def test_the_palette_offers_the_review_when_proposals_wait(make_app, repo, seeded):
    propose(repo, seeded)
    app = make_app(live=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Review prop")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)


# -- snapshots ------------------------------------------------------------------------------------------


def test_badge_snapshot(snap_compare, make_app, repo, seeded):
    propose(repo, seeded)
    propose(repo, seeded, rationale="Again")

    async def shown(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(live=False), terminal_size=(120, 30), run_before=shown)


def test_review_of_an_agents_proposal_snapshot(snap_compare, make_app, repo, seeded):
    propose(repo, seeded, author="claude-code [b]x[/b]", rationale="Docs and a demo, [red]as asked[/red].")

    async def opened(pilot) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("down", "space")
        await pilot.pause()

    assert snap_compare(make_app(live=False), terminal_size=(120, 30), run_before=opened)


def test_stale_proposal_confirmation_snapshot(snap_compare, make_app, repo, seeded):
    from taskforge.actions import delete

    propose(repo, seeded, {"task_patches": [{"op": "update", "task_id": "T5", "body": {"title": "Ship it"}}]},
            rationale="Rename the rollout.")
    delete(repo, repo.load(seeded), "T5")

    async def opened(pilot) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)

    assert snap_compare(make_app(live=False), terminal_size=(120, 30), run_before=opened)
