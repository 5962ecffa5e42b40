"""Keys typed while a message is sent, long errors, and a project whose every task was undone."""

from __future__ import annotations

from textual import events

from taskforge.agent.planner import PlannerError
from taskforge.core.limits import MESSAGE_MAX
from taskforge.tui.diff_review import DiffReview

from .conftest import WaitingPlanner, notifications, settle


async def test_keys_typed_right_after_enter_start_the_next_message(make_app, repo, seeded):
    planner = WaitingPlanner()
    app = make_app(planner=planner)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chat = app.main_screen.chat
        chat.input.focus()
        chat.input.value = "Add a task for documentation"
        await pilot.press("enter", "j", "k")  # no pause: typed while the message is being sent
        planner.started.wait(5)
        assert chat.input.value == "jk"  # not lost, and not run on into the message that was sent
        sent = [str(message.render()) for message in chat.log_view.children if "message" in message.classes]
        assert sent[-1] == "You: Add a task for documentation"
        await pilot.press("escape")  # cancel the planner: the unsent text the user typed stays as it is
        await settle(pilot)
        assert chat.input.value == "jk"


async def test_a_message_sent_while_the_planner_works_comes_back_to_the_input(make_app, seeded):
    planner = WaitingPlanner()
    app = make_app(planner=planner)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chat = app.main_screen.chat
        chat.input.focus()
        chat.input.value = "Add a task for documentation"
        await pilot.press("enter")
        planner.started.wait(5)
        chat.input.value = "Add a task for testing"
        await pilot.press("enter")
        await pilot.pause()
        assert chat.input.value == "Add a task for testing"  # refused while busy, and not lost
        await pilot.press("escape")
        await settle(pilot)


class LongFailure:
    name = "failing"

    def plan(self, request, check, progress=None, cancel=None):
        raise PlannerError("the model failed: " + "word " * 150 + "THE-END")


async def test_a_long_error_line_is_scrolled_into_view(make_app, seeded):
    app = make_app(planner=LongFailure())
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        chat = app.main_screen.chat
        chat.input.value = "Add a task for documentation"
        chat.input.focus()
        await pilot.press("enter")
        await settle(pilot)
        log = chat.log_view
        last = log.children[-1]
        assert "THE-END" in str(last.render())
        assert log.scroll_y == log.max_scroll_y > 0
        assert last.region.bottom <= log.region.bottom  # its last line is on screen


async def test_a_project_with_every_task_undone_is_still_the_project(make_app, repo, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")  # undo the plan: the project stays, with no tasks
        await settle(pilot)
        screen = app.main_screen
        assert len(repo.load(seeded)) == 0
        assert screen.project_id == seeded and len(screen.project_tree) == 0
        assert screen.task_tree.border_title == "Tasks (0)"
        for action in ("undo", "redo", "history", "export", "add_task"):
            assert screen.check_action(action, ()), action
        assert app.check_action("redo", ())
        chat = screen.chat
        chat.input.focus()
        chat.input.value = "Add a task for documentation"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DiffReview)
        assert app.screen.proposal.new_project is None  # a refinement of this project, not a new one
        await pilot.press("a")
        await settle(pilot)
        assert [task.title for task in repo.load(seeded).tasks.values()] == ["Documentation"]
        await pilot.press("ctrl+y")  # redo is refused (a new change came after the undo), and says so
        await settle(pilot)
        assert len(repo.projects()) == 1


async def test_a_paste_longer_than_a_message_is_refused_as_it_arrives_and_says_so(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chat = app.main_screen.chat
        chat.input.focus()
        chat.input.post_message(events.Paste("word " * 200_000))  # a megabyte, as a browser tab sends it
        await settle(pilot)
        assert chat.input.value == ""
        assert any(f"at most {MESSAGE_MAX:,} characters" in note for note in notifications(app))
        chat.input.post_message(events.Paste("Add a task for documentation"))
        await settle(pilot)
        assert chat.input.value == "Add a task for documentation"
