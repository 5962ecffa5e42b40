"""The history screen, driven for real: the records newest first, a record's diff, closing, hostile text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App
from textual.widgets import DataTable, Static

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.history import Provenance, RejectedOp
from taskforge.core.models import Mode
from taskforge.tui.history import HistoryScreen
from tests.builders import patch, update

HOSTILE = "[@click=app.quit]x [red]boom"


@pytest.fixture
def project(repo):
    """Five records: a plan, a combine, a rename, a hostile edit with two ops rejected, the edit's undo."""
    service = AgentService(repo, OfflinePlanner())
    applied = service.accept(service.propose(None, Mode.PROJECT, None, "Build a new user authentication flow"))
    pid = applied.tree.project.id
    for message in ("Combine the first two tasks", "Rename T3 to Login form"):
        service.accept(service.propose(pid, Mode.PROJECT, None, message))
    rejected = [RejectedOp(index=1, op={}), RejectedOp(index=2, op={})]
    repo.apply_patch(
        patch(update("T5", title="[b]Ship[/b] it"), base=3, project=pid),
        mode=Mode.EDIT,
        provenance=Provenance(message=HOSTILE, planner="litellm", model="openai/gpt-4o"),
        rejected=rejected,
    )
    repo.undo(pid)
    return repo.history(pid), repo.load(pid)


def utc_minutes(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


class Host(App[None]):
    def __init__(self, records, tree):
        super().__init__()
        self.history = records, tree

    def on_mount(self) -> None:
        self.push_screen(HistoryScreen(*self.history, format_time=utc_minutes))


def rows(app: App) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def diff_text(app: App) -> str:
    return app.screen.query_one("#history-diff", Static).content.plain


async def test_rows_are_newest_first_with_their_counts(project):
    async with Host(*project).run_test(size=(100, 30)) as pilot:
        table = rows(pilot.app)
        assert [(row[0], row[2], row[3], row[4]) for row in table] == [
            ("5", "undo #4", "undo", "+0 −0 ~1"),
            ("4", "apply", "edit", "+0 −0 ~1"),
            ("3", "apply", "project", "+0 −0 ~1"),
            ("2", "apply", "project", "+0 −1 ~1"),
            ("1", "apply", "project", "+6 −0 ~0"),
        ]
        assert [row[7] for row in table] == ["undo", "litellm · openai/gpt-4o", "offline", "offline", "offline"]
        assert all(row[6] for row in table)  # who made each change (the OS login in these tests)
        assert table[1][5] == f"(undone) {HOSTILE}"  # undone, and literal
        assert table[2][5] == "Rename T3 to Login form"


async def test_enter_on_a_record_shows_its_diff_before_and_after(project):
    async with Host(*project).run_test(size=(100, 30)) as pilot:
        assert diff_text(pilot.app).startswith("#5 undo #4")  # the newest record, highlighted on opening
        await pilot.press("down", "down", "enter")
        text = diff_text(pilot.app)
        assert text.startswith("#3 apply · project · 20")
        assert "Rename T3 to Login form" in text
        assert '~ T3  Login form\n    title: "Implement login, sessions and logout" → "Login form"' in text
        assert pilot.app.screen.query_one("#history-detail").has_focus
        await pilot.press("enter")
        assert pilot.app.screen.query_one(DataTable).has_focus


async def test_rejected_operations_and_undone_changes_are_told(project):
    async with Host(*project).run_test(size=(100, 30)) as pilot:
        await pilot.press("down")
        text = diff_text(pilot.app)
        assert "2 operations rejected in review" in text
        assert "Undone: this change is not in the project now." in text
        assert '"Security-test, monitor and roll out" → "[b]Ship[/b] it"' in text


async def test_hostile_text_is_shown_literally(project):
    async with Host(*project).run_test(size=(100, 30)) as pilot:
        await pilot.press("down")
        assert f"\n{HOSTILE}\n" in diff_text(pilot.app)
        screen = pilot.app.export_screenshot()
        assert screen.count("[@click=app.quit]x") == 3  # two rows and the diff pane, as typed


@pytest.mark.parametrize("key", ["escape", "h", "q"])
async def test_the_screen_closes(project, key):
    async with Host(*project).run_test(size=(80, 24)) as pilot:
        assert isinstance(pilot.app.screen, HistoryScreen)
        await pilot.press(key)
        assert not isinstance(pilot.app.screen, HistoryScreen)


async def test_an_empty_history(project):
    _, tree = project
    async with Host([], tree).run_test(size=(80, 24)) as pilot:
        assert rows(pilot.app) == []
        assert diff_text(pilot.app) == "No changes yet."


def test_snapshot(project, snap_compare):
    records, tree = project
    start = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)
    pinned = [r.model_copy(update={"created_at": start + timedelta(minutes=7 * r.seq)}) for r in records]
    assert snap_compare(Host(pinned, tree), terminal_size=(100, 30), press=["down", "down"])


async def test_a_history_that_does_not_match_the_tree_is_told_not_crashed(project):
    records, tree = project
    async with Host(records[:-1], tree).run_test(size=(80, 24)) as pilot:
        assert "This change cannot be shown: version conflict" in diff_text(pilot.app)
        await pilot.press("down")
        assert "This change cannot be shown: version conflict" in diff_text(pilot.app)
