"""The app as a user drives it: goal → review → tree, refine, modes, edits, undo, history, errors."""

from __future__ import annotations

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode, ProjectStatus, Status
from taskforge.tui.diff_review import DiffReview
from taskforge.tui.history import HistoryScreen
from taskforge.tui.task_tree import TaskTree

from .conftest import GOAL, FailingPlanner, WaitingPlanner, root_titles, say, settle


async def test_first_run_a_goal_becomes_a_project_through_the_review(make_app, repo):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.focused is app.main_screen.chat.input  # ready for a goal
        await say(pilot, GOAL)
        assert isinstance(app.screen, DiffReview)
        assert repo.projects() == []  # nothing is written before the review
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, DiffReview)
        [summary] = repo.projects()
        tree = repo.load(summary.id)
        assert len(tree) == 6
        shown = root_titles(app)
        titles = [label.split(" ", 2)[2].removeprefix("◆ ").split("  ")[0] for label in shown]  # ◆: critical path
        assert [tree[k].title for k in tree.roots] == titles
        assert app.main_screen.project_id == summary.id
        assert "draft" in str(app.query_one("#project-bar").render())


async def test_refine_combines_the_first_two_tasks_in_place(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = repo.load(seeded)
        untouched = app.main_screen.task_tree._task_nodes[before.roots[4]]
        await say(pilot, "Combine the first two tasks")
        assert isinstance(app.screen, DiffReview)
        await pilot.press("a")
        await settle(pilot)
        after = repo.load(seeded)
        assert len(after.roots) == 5
        assert [node.data for node in app.main_screen.task_tree.root.children] == after.roots
        # the patch did not touch the last task: its node is the same object, not a rebuilt one
        assert app.main_screen.task_tree._task_nodes[before.roots[4]] is untouched


async def test_turning_one_operation_off_writes_the_rest_and_records_the_rejection(make_app, repo):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, GOAL)
        review = app.screen
        assert isinstance(review, DiffReview)
        await pilot.press("end", "space")  # the last task: nothing else needs it
        await pilot.press("enter")
        await settle(pilot)
        [summary] = repo.projects()
        assert summary.tasks == 5
        [record] = repo.history(summary.id)
        assert len(record.rejected_ops) == 1


async def test_rejecting_changes_nothing(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        version = repo.load(seeded).project.version
        await say(pilot, "Add a task for documentation")
        assert isinstance(app.screen, DiffReview)
        await pilot.press("escape")
        await settle(pilot)
        assert repo.load(seeded).project.version == version
        assert "Rejected" in _chat_text(app)


async def test_approve_then_decompose_two_levels_deep(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main_screen.task_tree.focus()
        await pilot.press("d")  # a draft plan cannot be broken down yet
        assert app.main_screen.focus_key is None
        await pilot.press("A")
        await settle(pilot)
        assert repo.load(seeded).project.status is ProjectStatus.ACTIVE
        app.main_screen.task_tree.focus()
        await pilot.press("d")
        first = repo.load(seeded).roots[0]
        assert app.main_screen.focus_key == first
        assert f"task {first}" in str(app.query_one("#project-bar").render())
        await say(pilot, "Break this down")
        await pilot.press("a")
        await settle(pilot)
        tree = repo.load(seeded)
        children = tree.children[first]
        assert children
        # one level further: the first sub-task, in its own task mode
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(children[0])
        await pilot.pause()
        assert app.main_screen.task_tree.highlighted_key == children[0]
        await pilot.press("d")
        assert app.main_screen.focus_key == children[0]
        await say(pilot, "Break this down")
        await pilot.press("a")
        await settle(pilot)
        tree = repo.load(seeded)
        assert tree.children[children[0]]
        assert tree.depth(tree.children[children[0]][0]) == 3
        # each task keeps its own conversation; escape goes back to the project's
        await pilot.press("escape")  # from the input: leaves task mode
        assert app.main_screen.focus_key is None
        assert "project" in str(app.query_one("#project-bar").render())


async def test_undo_and_redo_work_from_the_chat_input(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, "Combine the first two tasks")
        await pilot.press("a")
        await settle(pilot)
        assert len(repo.load(seeded).roots) == 5
        app.main_screen.chat.input.focus()
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert len(repo.load(seeded).roots) == 6
        assert len(app.main_screen.task_tree.root.children) == 6
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert len(repo.load(seeded).roots) == 5
        assert [node.data for node in app.main_screen.task_tree.root.children] == repo.load(seeded).roots
        assert app.main_screen.chat.input.value == ""  # the keys did not type into the input


async def test_history_screen_lists_the_changes(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main_screen.task_tree.focus()
        await pilot.press("h")  # a collapsed top-level task: nothing to collapse, so h is history
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HistoryScreen)


async def test_a_version_conflict_is_shown_in_the_modal_and_nothing_is_written(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, "Add a task for documentation")
        assert isinstance(app.screen, DiffReview)
        # another session changes the project while the review is open
        other = AgentService(repo, OfflinePlanner())
        other.accept(other.propose(seeded, Mode.PROJECT, None, "Add a task for testing"))
        version = repo.load(seeded).project.version
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)
        assert "conflict" in _screen_text(app).lower()
        assert repo.load(seeded).project.version == version
        assert not any(task.title == "Documentation" for task in repo.load(seeded).tasks.values())


async def test_a_planner_error_is_one_line_and_the_message_stays(make_app, repo, seeded):
    app = make_app(planner=FailingPlanner())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, "Add a task for documentation")
        assert "the model answered garbage three times" in _chat_text(app)
        assert app.main_screen.chat.input.value == "Add a task for documentation"
        assert app.screen is app.screen_stack[0]


async def test_escape_cancels_a_slow_planner(make_app, repo, seeded):
    planner = WaitingPlanner()
    app = make_app(planner=planner)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main_screen.chat.input.focus()
        app.main_screen.chat.input.value = "Add a task for documentation"
        await pilot.press("enter")
        planner.started.wait(5)
        await pilot.pause(0.2)
        assert "Planning" in str(app.query_one("#chat-status").render())
        assert "7 tokens" in str(app.query_one("#chat-status").render())
        await pilot.press("escape")
        await settle(pilot)
        assert "Cancelled" in _chat_text(app)
        assert not app.main_screen.busy


async def test_direct_edits_go_through_patches(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(TaskTree)
        tree.focus()
        first = repo.load(seeded).roots[0]
        await pilot.press("s")
        assert repo.load(seeded)[first].status is Status.DOING
        await pilot.press("r")
        await pilot.press("ctrl+a")  # select the old title... then type over it
        app.screen.query_one("Input").value = "Login journeys"
        await pilot.press("enter")
        await settle(pilot)
        assert repo.load(seeded)[first].title == "Login journeys"
        assert "Login journeys" in str(tree.root.children[0].label)
        await pilot.press("n")
        app.screen.query_one("Input").value = "Draw the flows"
        await pilot.press("enter")
        await settle(pilot)
        [child] = repo.load(seeded).children[first]
        assert repo.load(seeded)[child].title == "Draw the flows"
        assert tree.highlighted_key == child
        tree.move_cursor(tree.root.children[0])
        await pilot.pause()
        await pilot.press("x")  # it has a child: asks first
        await pilot.press("n")
        assert first in repo.load(seeded)
        await pilot.press("x", "y")
        await settle(pilot)
        assert first not in repo.load(seeded)
        assert [r.planner for r in repo.history(seeded)][-4:] == ["user"] * 4


async def test_hostile_titles_display_literally_and_trigger_nothing(make_app, repo, seeded):
    from taskforge import actions

    hostile = "[@click=app.quit]x [/b] [link=x]y \x1b]8;;http://evil\x07z\x1b[31m"
    tree = repo.load(seeded)
    actions.rename(repo, tree, tree.roots[0], hostile)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        label = str(app.main_screen.task_tree.root.children[0].label)
        assert "[@click=app.quit]x [/b] [link=x]y" in label
        assert "\x1b" not in label and "\x07" not in label
        await pilot.click(TaskTree, offset=(10, 0))
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running
        assert "[@click=app.quit]x" in _screen_text(app)


def _chat_text(app) -> str:
    return "\n".join(str(widget.render()) for widget in app.query("#chat-log .message"))


def _screen_text(app) -> str:
    """What the current screen's text widgets show (labels, statuses), as plain text."""
    from textual.widgets import Static

    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


async def test_tree_keys_expand_lazily_and_collapse(make_app, repo, seeded):
    from taskforge import actions

    actions.approve(repo, seeded)
    service = AgentService(repo, OfflinePlanner())
    first = repo.load(seeded).roots[0]
    service.accept(service.propose(seeded, Mode.TASK, first, "Break this down"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = app.main_screen.task_tree
        tree.focus()
        assert first not in tree._filled  # children are built on first expand, not before
        await pilot.press("l")
        assert tree.root.children[0].is_expanded and first in tree._filled
        await pilot.press("l")  # on an expanded node: down to its first child
        assert tree.highlighted_key == repo.load(seeded).children[first][0]
        assert "Depends on" in str(app.query_one("#detail").render()) or tree.highlighted_key in str(
            app.query_one("#detail").render()
        )
        await pilot.press("h")  # on a child: up to the parent
        assert tree.highlighted_key == first
        await pilot.press("h")  # expanded: collapse
        assert not tree.root.children[0].is_expanded
        await pilot.press("j", "k")
        assert tree.highlighted_key == first
        await pilot.press("E")
        assert len(tree._task_nodes) == len(repo.load(seeded))
        await pilot.press("C")
        assert not any(node.is_expanded for node in tree.root.children)


async def test_project_picker_switches_and_starts_new_projects(make_app, repo, seeded):
    service = AgentService(repo, OfflinePlanner())
    other = service.accept(service.propose(None, Mode.PROJECT, None, "Plan a company offsite event")).tree.project
    app = make_app(project=seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main_screen.project_id == seeded
        app.main_screen.task_tree.focus()
        target = other.id
        await pilot.press("p")
        await pilot.pause()
        picker = app.screen
        from textual.widgets import OptionList

        options = picker.query_one(OptionList)
        options.highlighted = [options.get_option_at_index(i).id for i in range(options.option_count)].index(target)
        await pilot.press("enter")
        await settle(pilot)
        assert app.main_screen.project_id == target
        assert "offsite" in str(app.query_one("#project-bar").render()).lower()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("home", "enter")  # + New project from a goal
        await settle(pilot)
        assert app.main_screen.project_id is None and app.focused is app.main_screen.chat.input
        await say(pilot, "Write a research report on battery recycling")
        await pilot.press("a")
        await settle(pilot)
        assert len(repo.projects()) == 3
        assert app.main_screen.project_id not in (seeded, other.id)


async def test_palette_exports_the_project_to_a_file(make_app, repo, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one("Input").value = "Export"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#export-path").value = "plan.md"
        await pilot.press("enter")
        await pilot.pause()
    text = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert repo.load(seeded)[repo.load(seeded).roots[0]].title in text


async def test_exporting_over_a_file_asks_first_and_never_over_the_database(make_app, repo, seeded, tmp_path, monkeypatch):
    from taskforge.tui.dialogs import Confirm

    from .conftest import notifications

    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.md").write_text("keep me\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        async def export_to(name: str) -> None:
            app.main_screen.task_tree.focus()
            await pilot.press("ctrl+e")
            await pilot.pause()
            app.screen.query_one("#export-path").value = name
            await pilot.press("enter")
            await settle(pilot)

        await export_to("plan.md")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert (tmp_path / "plan.md").read_text(encoding="utf-8") == "keep me\n"
        await export_to("plan.md")
        await pilot.press("y")
        await settle(pilot)
        assert repo.load(seeded)[repo.load(seeded).roots[0]].title in (tmp_path / "plan.md").read_text(encoding="utf-8")

        database = tmp_path / "tui.db"
        before = database.read_bytes()
        app.db = str(database)
        await export_to(str(database))
        await pilot.press("y")
        await settle(pilot)
        assert "is the database in use" in notifications(app)[-1]
        assert database.read_bytes() == before


async def test_keys_are_remapped_by_binding_id_from_the_config_file(make_app, repo, seeded, tmp_path, monkeypatch):
    from taskforge.config import settings

    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"tree.status" = "t"\n', encoding="utf-8")
    monkeypatch.setenv("TASKFORGE_CONFIG", str(config))
    settings.cache_clear()
    try:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.main_screen.task_tree.focus()
            first = repo.load(seeded).roots[0]
            await pilot.press("s")
            assert repo.load(seeded)[first].status is Status.TODO
            await pilot.press("t")
            assert repo.load(seeded)[first].status is Status.DOING
    finally:
        settings.cache_clear()
