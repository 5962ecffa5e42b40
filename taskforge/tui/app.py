"""TaskforgeApp: the tree, the chat and the review modal, over the same service functions as the CLI.

Data flows one way: a key or a chat message goes to the agent service (in a thread worker, so that
no model library ever loads on the UI thread), the proposal is reviewed in the modal, the accepted
operations go through the repository, and the tree updates the nodes the patch touched.

The database opens in a thread worker too: the ORM costs a quarter of a second to import, and the
screen paints before it is ready.
"""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal
from textual.widgets import Footer

from taskforge.core.errors import TaskforgeError
from taskforge.core.text import clean_block
from taskforge.tui.chat import ChatPane, progress_text
from taskforge.tui.commands import TaskforgeCommands
from taskforge.tui.panels import ProjectBar, TaskDetail
from taskforge.tui.task_tree import TaskTree

# The domain models (pydantic) load in the store worker, not before the first paint.
if TYPE_CHECKING:
    from textual.timer import Timer

    from taskforge.agent.planner import Planner, Progress
    from taskforge.agent.service import AgentService, Proposal
    from taskforge.core.models import Mode
    from taskforge.core.tree import Tree
    from taskforge.store.interface import Applied, Repository


class TaskforgeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "taskforge"
    COMMANDS = App.COMMANDS | {TaskforgeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+z", "undo", "Undo", id="app.undo", priority=True),
        Binding("ctrl+y", "redo", "Redo", id="app.redo", priority=True),
        Binding("A", "approve", "Approve", id="app.approve"),
        Binding("h", "history", "History", id="app.history"),
        Binding("p", "projects", "Projects", show=False, id="app.projects"),
        Binding("i", "focus_chat", "Chat", show=False, id="app.focus_chat"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("ctrl+e", "export", "Export", show=False, id="app.export"),
    ]

    def __init__(
        self,
        db: str | None = None,
        *,
        repo: Repository | None = None,
        planner: Planner | None = None,
        project: str | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.repo: Repository | None = repo
        self.planner = planner
        self.service: AgentService | None = None
        self.requested_project = project
        self.project_id: str | None = None
        self.project_tree: Tree | None = None
        self.focus_key: str | None = None  # task mode when set
        self.cancel_event: threading.Event | None = None
        self._progress: Progress | None = None
        self._started = 0.0
        self._tick = 0
        self._key_state: tuple = ()
        self._spinner: Timer | None = None

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ProjectBar(id="project-bar")
        with Horizontal(id="panes"):
            yield TaskTree(id="tree")
            yield ChatPane(id="chat")
        yield TaskDetail(id="detail")
        yield Footer(compact=True)

    @property
    def task_tree(self) -> TaskTree:
        return self.query_one(TaskTree)

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    def on_mount(self) -> None:
        self.task_tree.border_title = "Tasks · loading…"
        self.chat.border_title = "Chat"
        self.query_one(ProjectBar).show(None, "opening the database…")
        self.chat.input.focus()
        self.chat.input.disabled = True
        self._open_store()

    # -- opening the database and a project ------------------------------------------------------

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def _open_store(self) -> None:
        try:
            repo = self.repo
            if repo is None:
                from taskforge.actions import open_repository

                repo = open_repository(self.db)
            from taskforge.agent.service import AgentService
            from taskforge.config import settings

            keymap = settings().keymap
            service = AgentService(repo, self.planner)
            projects = repo.projects()
            chosen = self.requested_project or (max(projects, key=lambda p: p.updated_at).id if projects else None)
            tree = repo.load(chosen) if chosen else None
            messages = repo.messages(chosen, None) if chosen else []
        except TaskforgeError as exc:
            self.call_from_thread(self.exit, None, 1, f"taskforge: {exc}")
            return
        self.call_from_thread(self._store_ready, repo, service, tree, messages, keymap)

    def _store_ready(
        self, repo: Repository, service: AgentService, tree: Tree | None, messages: list, keymap: dict[str, str]
    ) -> None:
        self.set_keymap(keymap)
        self.repo, self.service = repo, service
        self.chat.input.disabled = False
        self._show_project(tree, messages)
        if tree is not None and len(tree):
            self.task_tree.focus()
        else:
            self.chat.input.focus()
        # What is loaded now lives as long as the app: keep the collector from rescanning it on every pass.
        gc.freeze()

    def _show_project(self, tree: Tree | None, messages: list) -> None:
        self.project_tree = tree
        self.project_id = tree.project.id if tree else None
        self.focus_key = None
        self.task_tree.focus_key = None
        self.task_tree.show(tree)
        self.chat.show_conversation(messages)
        if tree is None:
            self.chat.add("note", "No project yet. Describe a goal, e.g. “Build a new user authentication flow”.")
        self._refresh_chrome()

    def _load(self, project_id: str) -> None:
        assert self.repo is not None
        self._show_project(self.repo.load(project_id), self.repo.messages(project_id, None))

    def _refresh_chrome(self) -> None:
        """The bar, the pane titles, the placeholder and the detail: everything that follows the mode."""
        tree = self.project_tree
        if self.focus_key and tree and self.focus_key in tree:
            mode = f"task {self.focus_key}: {tree[self.focus_key].title}"
            self.chat.border_title = f"Chat · task {self.focus_key}"
            self.chat.input.placeholder = f"How should {self.focus_key} be broken down? (e.g. “Break this down”)"
        else:
            mode = "project"
            self.chat.border_title = "Chat · project"
            self.chat.input.placeholder = (
                "Describe a goal…" if tree is None else "Refine the plan (e.g. “Add a task for documentation”)"
            )
        self.query_one(ProjectBar).show(tree, mode)
        tasks = len(tree) if tree else 0
        self.task_tree.border_title = f"Tasks ({tasks})" if tree else "Tasks"
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        key = self.task_tree.highlighted_key
        self.query_one(TaskDetail).show(self.project_tree, key, self.task_tree.rollup(key))

    def on_tree_node_highlighted(self) -> None:
        self._show_detail()
        self._refresh_keys()

    def on_tree_node_expanded(self) -> None:
        self._refresh_keys()

    def on_tree_node_collapsed(self) -> None:
        self._refresh_keys()

    def on_task_tree_all_toggled(self) -> None:
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Redraw the footer only when the keys it offers change: rebuilding it costs a layout."""
        node = self.task_tree.cursor_node
        state = (node is not None, self.task_tree.check_action("collapse", ()))
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()

    # -- planning --------------------------------------------------------------------------------

    def on_chat_pane_submitted(self, event: ChatPane.Submitted) -> None:
        if self.service is None:
            self.notify("The database is still opening.", severity="warning")
            return
        if self.cancel_event is not None:
            self.notify("The planner is still working on the last message (escape cancels it).", severity="warning")
            return
        message = clean_block(event.text)  # what the planner gets, and all a terminal should see
        self.chat.add("user", message)
        self._plan(message)

    def _plan(self, message: str, *, goal: str | None = None) -> None:
        from taskforge.core.models import Mode

        mode = Mode.TASK if self.focus_key else Mode.PROJECT
        project = self.project_id if goal is None else None
        self.cancel_event = threading.Event()
        self._progress = None
        self._started = time.monotonic()
        self.chat.busy = True
        self.refresh_bindings()
        self._spinner = self.set_interval(0.1, self._spin)
        self._spin()
        self._propose(project, mode, self.focus_key, goal or message, message, self.cancel_event)

    def _spin(self) -> None:
        self._tick += 1
        self.chat.set_status(progress_text(self._tick, time.monotonic() - self._started, self._progress))

    @work(thread=True, group="planner", exit_on_error=False)
    def _propose(
        self, project: str | None, mode: Mode, focus: str | None, text: str, typed: str, cancel: threading.Event
    ) -> None:
        from taskforge.agent.planner import Cancelled

        assert self.service is not None

        def progress(update: Progress) -> None:
            self._progress = update  # read by the spinner on the UI thread; a plain attribute swap

        try:
            proposal = self.service.propose(project, mode, focus, text, progress=progress, cancel=cancel)
        except Cancelled:
            self.call_from_thread(self._planning_failed, typed, "Cancelled: nothing was proposed.", "note")
        except TaskforgeError as exc:
            self.call_from_thread(self._planning_failed, typed, str(exc), "error")
        except Exception as exc:  # a model library failing in a way nobody foresaw: one line, never a traceback
            self.call_from_thread(self._planning_failed, typed, f"the planner failed: {type(exc).__name__}: {exc}", "error")
        else:
            self.call_from_thread(self._proposed, typed, proposal)

    def _stop_spinner(self) -> None:
        self.cancel_event = None
        self.chat.busy = False
        self.refresh_bindings()
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _planning_failed(self, typed: str, reason: str, role: str) -> None:
        self._stop_spinner()
        self.chat.add(role, reason)
        if not self.chat.input.value:  # the message stays, so that the user can edit and resend it
            self.chat.input.value = typed

    def _proposed(self, typed: str, proposal: Proposal) -> None:
        self._stop_spinner()
        if self.chat.input.value == typed:
            self.chat.input.value = ""
        self.chat.add("agent", proposal.rationale)
        self.chat.add("note", proposal.provenance_line())
        if not proposal.has_patch:
            return
        from taskforge.tui.diff_review import DiffReview

        assert self.service is not None
        service = self.service
        self.push_screen(
            DiffReview(proposal, lambda kept: service.accept(proposal, kept)),
            lambda outcome: self._reviewed(proposal, outcome),
        )

    def _reviewed(self, proposal: Proposal, outcome) -> None:
        from taskforge.agent.service import REJECTED_NOTE, accepted_note
        from taskforge.tui.diff_review import Accepted, Revise

        assert self.service is not None
        if isinstance(outcome, Accepted):
            applied = outcome.applied
            if proposal.new_project is not None or self.project_id != applied.tree.project.id:
                self._load(applied.tree.project.id)  # the conversation it loads ends with the note
            else:
                self._applied(applied)
                self.chat.add("note", accepted_note(proposal, applied))
            return
        self.service.reject(proposal)
        if isinstance(outcome, Revise):
            self.chat.add("user", clean_block(outcome.message))
            goal = f"{proposal.message}\n{outcome.message}" if proposal.new_project is not None else None
            self._plan(outcome.message, goal=goal)
        else:
            self.chat.add("note", REJECTED_NOTE)

    def action_cancel_planning(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.chat.set_status(Text("cancelling…", style="dim"))

    # -- applying changes ------------------------------------------------------------------------

    def _applied(self, applied: Applied) -> None:
        """Show a write: in place when it follows the tree on screen, by reloading when it does not."""
        before = self.project_tree
        if before is None or before.project.id != applied.tree.project.id or applied.record.version_before != before.project.version:
            self._load(applied.tree.project.id)
            return
        self.project_tree = applied.tree
        self.task_tree.apply(applied, before)
        if self.focus_key and self.focus_key not in applied.tree:
            self.focus_key = None
            self.task_tree.set_focus_key(None)
        elif self.focus_key:  # show what the decomposition made
            self.task_tree.expand_key(self.focus_key)
        self._refresh_chrome()

    def _write(self, action, *args, success: str | None = None) -> Applied | None:
        """Run a direct write; errors become one notification and a conflict reloads the project."""
        from taskforge.core.patches import PatchError

        try:
            applied = action(*args)
        except PatchError as exc:
            if exc.conflict and self.project_id:
                self.notify("The project changed elsewhere; showing the latest version. Try again.", severity="warning")
                self._load(self.project_id)
            else:
                self.notify(str(exc), severity="error", markup=False)
            return None
        except TaskforgeError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        self._applied(applied)
        if success:
            self.notify(success, markup=False)
        return applied

    def _version(self) -> int | None:
        return self.project_tree.project.version if self.project_tree else None

    def action_undo(self) -> None:
        applied = self._write(self.repo.undo, self.project_id, self._version())  # type: ignore[union-attr]
        if applied:
            self.notify(f"Undid change #{applied.record.target_seq}.")

    def action_redo(self) -> None:
        applied = self._write(self.repo.redo, self.project_id, self._version())  # type: ignore[union-attr]
        if applied:
            self.notify(f"Redid change #{applied.record.target_seq}.")

    def action_approve(self) -> None:
        from taskforge.actions import approve

        if self._write(approve, self.repo, self.project_id):
            self.notify("Plan approved. Highlight a task and press d to break it down.")

    # -- direct edits on the highlighted task -----------------------------------------------------

    def action_cycle_status(self) -> None:
        from taskforge import actions

        key = self.task_tree.highlighted_key
        self._write(actions.cycle_status, self.repo, self.project_tree, key)

    def action_rename_task(self) -> None:
        from taskforge.tui.dialogs import TextPrompt

        key = self.task_tree.highlighted_key
        assert self.project_tree is not None and key is not None

        def renamed(title: str | None) -> None:
            from taskforge import actions

            if title is not None:
                self._write(actions.rename, self.repo, self.project_tree, key, title)

        self.push_screen(TextPrompt(f"Rename {key}", self.project_tree[key].title), renamed)

    def action_add_task(self) -> None:
        from taskforge.core.models import MAX_DEPTH
        from taskforge.tui.dialogs import TextPrompt

        parent = self.task_tree.highlighted_key
        if parent is not None and self.project_tree is not None and self.project_tree.depth(parent) >= MAX_DEPTH:
            self.notify(f"{parent} is at depth {MAX_DEPTH}, the deepest a task can be.", severity="warning")
            return

        def added(title: str | None) -> None:
            from taskforge import actions

            if title is not None:
                applied = self._write(actions.add_child, self.repo, self.project_tree, parent, title)
                if applied is not None:
                    self.task_tree.reveal(applied.key_map.get("new", ""))

        question = f"New sub-task of {parent}" if parent else "New top-level task"
        self.push_screen(TextPrompt(question, placeholder="Title"), added)

    def action_delete_task(self) -> None:
        from taskforge import actions
        from taskforge.tui.dialogs import Confirm

        key = self.task_tree.highlighted_key
        tree = self.project_tree
        assert tree is not None and key is not None
        below = len(tree.subtree(key)) - 1
        if not below:
            self._write(actions.delete, self.repo, tree, key)
            return
        question = Text()
        question.append(f"Delete {key} ", style="bold")
        question.append(tree[key].title)
        question.append(f" and its {below} sub-task{'s' if below > 1 else ''}?", style="bold")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._write(actions.delete, self.repo, self.project_tree, key)

        self.push_screen(Confirm(question), confirmed)

    # -- modes -----------------------------------------------------------------------------------

    def action_task_mode(self) -> None:
        from taskforge.core.models import MAX_DEPTH, ProjectStatus

        key = self.task_tree.highlighted_key
        tree = self.project_tree
        assert tree is not None and key is not None and self.repo is not None
        if tree.project.status is ProjectStatus.DRAFT:
            self.notify("Approve the plan first (A): task mode breaks down an approved plan.", severity="warning")
            return
        if tree.depth(key) >= MAX_DEPTH:
            self.notify(f"{key} is at depth {MAX_DEPTH}, the deepest a task can be.", severity="warning")
            return
        self.focus_key = key
        self.task_tree.set_focus_key(key)
        self.chat.show_conversation(self.repo.messages(tree.project.id, key))
        if not self.chat.log_view.children:
            self.chat.add("note", f"Task mode for {key}. Say how to break it down, or just “Break this down”.")
        self._refresh_chrome()
        self.chat.input.focus()

    def action_project_mode(self) -> None:
        if self.focus_key is None or self.repo is None or self.project_id is None:
            return
        self.focus_key = None
        self.task_tree.set_focus_key(None)
        self.chat.show_conversation(self.repo.messages(self.project_id, None))
        self._refresh_chrome()

    def action_back(self) -> None:
        """Escape: out of task mode first; from the chat input, back to the tree."""
        if self.focus_key is not None:
            self.action_project_mode()
        elif self.focused is self.chat.input and self.project_tree is not None:
            self.task_tree.focus()

    def action_focus_chat(self) -> None:
        self.chat.input.focus()

    # -- screens ---------------------------------------------------------------------------------

    def action_history(self) -> None:
        from taskforge.tui.history import HistoryScreen

        assert self.repo is not None and self.project_id is not None
        self.push_screen(HistoryScreen(self.repo.history(self.project_id), self.repo.load(self.project_id)))

    def action_projects(self) -> None:
        from taskforge.tui.projects import NEW_PROJECT, ProjectPicker

        assert self.repo is not None

        def picked(choice: str | None) -> None:
            if choice == NEW_PROJECT:
                self.action_new_project()
            elif choice is not None and choice != self.project_id:
                try:
                    self._load(choice)
                except TaskforgeError as exc:
                    self.notify(str(exc), severity="error", markup=False)

        self.push_screen(ProjectPicker(self.repo.projects(), self.project_id), picked)

    def action_new_project(self) -> None:
        self._show_project(None, [])
        self.chat.input.focus()

    def action_export(self) -> None:
        from taskforge.tui.export_dialog import ExportDialog

        assert self.project_id is not None

        def chosen(choice: tuple[str, Path] | None) -> None:
            if choice is not None:
                self._export(*choice)

        self.push_screen(ExportDialog(self.project_id), chosen)

    def _export(self, fmt: str, path: Path) -> None:
        from taskforge.actions import export_text

        assert self.repo is not None and self.project_id is not None
        try:
            text = export_text(self.repo.load(self.project_id), fmt)
            path.write_text(text, encoding="utf-8")
        except TaskforgeError as exc:
            self.notify(str(exc), severity="error", markup=False)
        except OSError as exc:
            self.notify(f"cannot write {path}: {exc.strerror}", severity="error", markup=False)
        else:
            self.notify(f"Exported {fmt} to {path}", markup=False)

    def action_expand_all(self) -> None:
        self.task_tree.action_expand_all()

    def action_collapse_all(self) -> None:
        self.task_tree.action_collapse_all()

    # -- which keys apply now --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The palette is a screen too: what it offers is what the main screen can do.
        on_main = len(self.screen_stack) == 1 or (len(self.screen_stack) == 2 and isinstance(self.screen, CommandPalette))
        has_project = self.repo is not None and self.project_id is not None and self.project_tree is not None
        has_task = has_project and self.task_tree.highlighted_key is not None
        planning = self.cancel_event is not None
        if action in ("undo", "redo", "approve", "history", "export"):
            if not (on_main and has_project):
                return False
            if action == "approve":
                return self.project_tree.project.status == "draft" and bool(len(self.project_tree))  # type: ignore[union-attr]
            return True
        if action in ("cycle_status", "rename_task", "delete_task", "task_mode"):
            return on_main and has_task
        if action == "add_task":
            return on_main and has_project
        if action == "cancel_planning":
            return planning
        if action == "project_mode":
            return self.focus_key is not None
        if action == "back":
            return self.focus_key is not None or (self.focused is self.chat.input and self.project_tree is not None)
        if action in ("projects", "new_project"):
            return on_main and self.repo is not None
        if action in ("expand_all", "collapse_all"):
            return has_project
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()
