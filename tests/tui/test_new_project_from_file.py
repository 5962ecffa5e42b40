"""The palette's "New project from a file…": a path, a worker reads the brief, the plan is reviewed as usual."""

from __future__ import annotations

import shutil
from pathlib import Path

from taskforge.tui.dialogs import TextPrompt
from taskforge.tui.diff_review import DiffReview

from .conftest import notifications, root_titles, settle

PRD = Path(__file__).parent.parent / "fixtures" / "briefs" / "team-workspaces-prd.md"


async def _open_prompt(pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    pilot.app.screen.query_one("Input").value = "from a file"
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def _submit(pilot, path: str) -> None:
    pilot.app.screen.query_one("Input").value = path
    await pilot.press("enter")
    await settle(pilot)


async def test_a_brief_becomes_a_new_project_after_review(make_app, repo, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(PRD, tmp_path / "PRD.md")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_prompt(pilot)
        assert isinstance(app.screen, TextPrompt)
        await _submit(pilot, "PRD.md")
        assert isinstance(app.screen, DiffReview)
        await pilot.press("a")
        await settle(pilot)
        assert app.main_screen.project_id == "team-workspaces"
        assert root_titles(app)[:2] == ["T1 ○ Workspace creation  0/4", "T6 ○ Invitations and membership  0/3"]
    assert repo.load("team-workspaces").project.title == "Team workspaces"
    assert len(repo.projects()) == 2


async def test_a_bad_path_is_a_notification_and_changes_nothing(make_app, repo, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.md").write_text("  \n")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for path, said in (("missing.md", "no such file: missing.md"), (".", ". is a directory"),
                           ("empty.md", "empty.md is empty")):
            await _open_prompt(pilot)
            await _submit(pilot, path)
            assert not isinstance(app.screen, DiffReview)
            assert any(said in note for note in notifications(app)), notifications(app)
        assert app.main_screen.project_id == seeded
    assert [project.id for project in repo.projects()] == [seeded]


async def test_escape_cancels_the_prompt(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_prompt(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt) and app.main_screen.project_id == seeded
