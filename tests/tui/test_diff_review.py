"""The review modal, driven with the Pilot on real proposals from a temporary database."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.planner import Draft, PlanReply
from taskforge.agent.service import AgentService, Proposal
from taskforge.core.models import Mode
from taskforge.store.repository import SqlRepository
from taskforge.tui.diff_review import CONFLICT, Accepted, DiffReview, OperationList, Rejected, Revise
from taskforge.tui.writes import WriteQueue

GOAL = "Build a new user authentication flow"
HOSTILE = "[@click=app.quit]x [/b] [link=x]y"


class ScriptedPlanner:
    """A planner that answers with the operations it was given, for shapes the offline planner never makes."""

    name = "scripted"

    def __init__(self, *ops: dict):
        self.ops = list(ops)

    def plan(self, request, check, progress=None, cancel=None) -> Draft:
        return Draft(PlanReply.model_validate({"rationale": "Scripted.", "task_patches": self.ops}), model="script-1")


def create(task_id: str, title: str, parent: str | None = None) -> dict:
    return {"op": "create", "task_id": task_id, "body": {"title": title, "parent_task_id": parent}}


class Host(App):
    """Pushes the review on mount and records how it ended."""

    def __init__(self, service: AgentService, proposal: Proposal):
        super().__init__()
        self.service, self.proposal = service, proposal
        self.outcomes: list = []
        self.failures: list = []

    def on_mount(self) -> None:
        writes = WriteQueue(self, self.service.repo, self.failures.append)
        review = DiffReview(self.proposal, lambda kept: self.service.accept(self.proposal, kept), writes)
        self.push_screen(review, self.outcomes.append)


@pytest.fixture
def service(tmp_path: Path):
    repo = SqlRepository.open(str(tmp_path / "t.db"))
    yield AgentService(repo, OfflinePlanner())
    repo.close()


@pytest.fixture
def project(service: AgentService) -> str:
    """An existing project: the authentication plan, accepted as proposed."""
    return service.accept(service.propose(None, Mode.PROJECT, None, GOAL)).tree.project.id


def list_text(app: App) -> str:
    ops = app.screen.query_one(OperationList)
    return "\n".join(ops.render_line(y).text.rstrip() for y in range(ops.size.height))


def status(app: App) -> str:
    return app.screen.query_one("#review-status", Static).content.plain


def error(app: App) -> str:
    widget = app.screen.query_one("#review-error", Static)
    return widget.content.plain if widget.display else ""


async def settle(pilot) -> None:
    """Let the accept worker finish and its result reach the screen."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_accepts_every_operation(service: AgentService):
    proposal = service.propose(None, Mode.PROJECT, None, GOAL)
    app = Host(service, proposal)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert "Review proposal — 6 operations" in app.screen.query_one("#review-title", Static).content.plain
        assert "[x] #1  + new-journeys → T1  Design the sign-up and login journeys" in list_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, DiffReview)
    [outcome] = app.outcomes
    assert isinstance(outcome, Accepted)
    tree = service.repo.load(outcome.applied.tree.project.id)
    assert len(tree) == 6
    assert service.repo.history(tree.project.id)[-1].rejected_ops == []


async def test_turning_a_create_off_drags_what_needs_it_and_enter_writes_the_rest(service: AgentService):
    proposal = service.propose(None, Mode.PROJECT, None, GOAL)  # T2 needs T1, T3 needs T2, …
    app = Host(service, proposal)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("down", "down", "down", "space")  # row 0 is the project's metadata: this is #3
        assert "Turned off #3 and 3 operations that need it: #4, #5, #6" in status(app)
        assert "2 of 6 operations kept" in status(app)
        await pilot.press("space")  # the highlight is still on #3: on again, and only #3
        assert "Turned on #3" in status(app) and "6 of 6" not in status(app)
        await pilot.press("j", "j", "space")  # #5 needs #4: turning it on brings #4 back too
        assert "Turned on #5 and 1 operation it needs: #4" in status(app)
        await pilot.press("k", "k", "space", "enter")  # off again: #3, #4, #5, #6
        await settle(pilot)
    [outcome] = app.outcomes
    assert isinstance(outcome, Accepted)
    project_id = outcome.applied.tree.project.id
    titles = [task.title for task in service.repo.load(project_id).tasks.values()]
    assert titles == ["Design the sign-up and login journeys", "Build account storage and password handling"]
    assert [op.index for op in service.repo.history(project_id)[-1].rejected_ops] == [2, 3, 4, 5]


async def test_turning_off_a_parent_turns_off_its_children(service: AgentService, project: str):
    scripted = AgentService(service.repo, ScriptedPlanner(
        create("n1", "Parent"), create("n2", "Child A", "n1"), create("n3", "Child B", "n1"), create("n4", "Sibling"),
    ))
    proposal = scripted.propose(project, Mode.PROJECT, None, "Add a parent with two children")
    app = Host(scripted, proposal)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("space")
        assert "Turned off #1 and 2 operations that need it: #2, #3" in status(app)
        lines = list_text(app)
        assert "[ ] #1  + n1 → T7  Parent" in lines and "[ ] #3" in lines and "[x] #4" in lines
        await pilot.press("enter")
        await settle(pilot)
    assert isinstance(app.outcomes[0], Accepted)
    titles = {task.title for task in service.repo.load(project).tasks.values()}
    assert "Sibling" in titles and not titles & {"Parent", "Child A", "Child B"}
    assert [op.index for op in service.repo.history(project)[-1].rejected_ops] == [0, 1, 2]


async def test_escape_rejects_and_writes_nothing(service: AgentService, project: str):
    version = service.repo.load(project).project.version
    proposal = service.propose(project, Mode.PROJECT, None, "Combine the first two tasks")
    app = Host(service, proposal)
    async with app.run_test() as pilot:
        await pilot.press("space", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, DiffReview)
    assert app.outcomes == [Rejected()]
    assert service.repo.load(project).project.version == version
    assert len(service.repo.projects()) == 1


async def test_e_asks_for_a_revision(service: AgentService, project: str):
    proposal = service.propose(project, Mode.PROJECT, None, "Add a task for documentation")
    app = Host(service, proposal)
    async with app.run_test() as pilot:
        await pilot.press("e")
        followup = app.screen.query_one("#review-followup", Input)
        assert followup.display and followup.has_focus
        await pilot.press("enter")  # nothing typed: the input stays open
        assert isinstance(app.screen, DiffReview) and followup.display
        await pilot.press("escape")  # closes the input, not the modal
        assert isinstance(app.screen, DiffReview) and not followup.display
        assert app.screen.query_one(OperationList).has_focus
        await pilot.press("e", *"also a space and enter", "enter")  # keys of the modal type text here
        await pilot.pause()
    assert app.outcomes == [Revise("also a space and enter")]
    assert service.repo.load(project).project.version == 1


async def test_a_version_conflict_is_shown_and_nothing_is_written(service: AgentService, project: str):
    stale = service.propose(project, Mode.PROJECT, None, "Combine the first two tasks")
    other = service.propose(project, Mode.PROJECT, None, "Add a task for documentation")
    app = Host(service, stale)
    async with app.run_test() as pilot:
        service.accept(other)  # the project moves on while the review is open
        version = service.repo.load(project).project.version
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)
        assert error(app) == CONFLICT
        assert not app.screen.check_action("accept_all", ()) and not app.screen.check_action("accept_selected", ())
        await pilot.press("enter", "a")  # accepting is off: nothing is tried again
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)
        await pilot.press("escape")
        await pilot.pause()
    assert app.outcomes == [Rejected()]
    assert service.repo.load(project).project.version == version
    assert len(service.repo.history(project)) == 2


async def test_other_errors_are_shown_and_the_review_stays_open(service: AgentService, project: str):
    proposal = service.propose(project, Mode.PROJECT, None, "Add a task for documentation")
    app = Host(service, proposal)
    async with app.run_test() as pilot:
        await pilot.press("space", "enter")  # its only operation turned off
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)
        assert "every operation was turned off" in error(app)
        await pilot.press("space", "enter")  # fixable: turn it back on and accept
        await settle(pilot)
    assert isinstance(app.outcomes[0], Accepted)
    assert "Documentation" in {task.title for task in service.repo.load(project).tasks.values()}


async def test_hostile_titles_show_literally_and_do_nothing(service: AgentService, project: str):
    proposal = service.propose(project, Mode.PROJECT, None, f'Add a task "{HOSTILE}"')
    app = Host(service, proposal)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.pause()
        assert f"+ new-1 → T7  {HOSTILE}" in list_text(app)
        assert HOSTILE in app.screen.query_one("#review-rationale", Static).content.plain
        await pilot.click(OperationList, offset=(39, 0))  # on the title's "x": toggles the row, nothing else
        await pilot.click("#review-rationale", offset=(35, 0))
        await pilot.click("#review-title", offset=(5, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DiffReview)
        assert "[ ] #1" in list_text(app)
    assert app.return_code in (None, 0) and app.outcomes == []


async def test_a_thousand_operations_scroll_and_toggle(service: AgentService, project: str):
    ops = []
    for root in range(4):  # at most 6 new roots per patch: 4 parents of 249 children each
        ops.append(create(f"p{root}", f"Parent {root}"))
        ops += [create(f"c{root}-{n}", f"Child {root}.{n}", f"p{root}") for n in range(249)]
    scripted = AgentService(service.repo, ScriptedPlanner(*ops))
    proposal = scripted.propose(project, Mode.PROJECT, None, "Lots of tasks")
    app = Host(scripted, proposal)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        assert "Turned off #1 and 249 operations that need it: #2, #3, #4" in status(app)
        assert "and 239 more" in status(app)
        await pilot.press("end")
        assert "#1000" in list_text(app)  # scrolled to the bottom
        await pilot.press("pageup", "k", "space")
        assert "749 of 1000 operations kept" in status(app)  # a child: it goes off alone
        await pilot.press("escape")
    assert app.outcomes == [Rejected()]


# -- snapshots ----------------------------------------------------------------------------------------


def test_snapshot_new_project(snap_compare, tmp_path: Path):
    repo = SqlRepository.open(str(tmp_path / "t.db"))
    service = AgentService(repo, OfflinePlanner())
    app = Host(service, service.propose(None, Mode.PROJECT, None, GOAL))
    assert snap_compare(app, terminal_size=(100, 32), press=["down", "down", "space"])


def test_snapshot_update_at_80x24(snap_compare, tmp_path: Path):
    repo = SqlRepository.open(str(tmp_path / "t.db"))
    service = AgentService(repo, OfflinePlanner())
    project = service.accept(service.propose(None, Mode.PROJECT, None, GOAL)).tree.project.id
    app = Host(service, service.propose(project, Mode.PROJECT, None, "Combine the first two tasks"))
    assert snap_compare(app, terminal_size=(80, 24))
