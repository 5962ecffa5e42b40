"""The main screen: the task tree, the chat and the detail strip, and everything a user does with them.

Data flows one way: a key or a chat message goes to the agent service in a thread worker (so that no
model library ever loads on the UI thread), the proposal is reviewed in the modal, the accepted
operations go through the app's write queue, and the tree updates the nodes the patch touched. Every
worker posts a typed message (`taskforge.tui.messages`); the handlers here own the screen's state.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from taskforge.core.errors import BadInput, TaskforgeError
from taskforge.core.text import clean_block
from taskforge.tui.chat import ChatPane, progress_text
from taskforge.tui.messages import (
    ActionRefused,
    BriefRead,
    Exported,
    HistoryLoaded,
    PlanningFailed,
    ProjectChanged,
    ProjectLoaded,
    ProposalOpened,
    ProposalsCounted,
    ProposalsDone,
    Proposed,
    PullProposed,
    Pushed,
    RemotesLoaded,
    Scheduled,
    SyncProgress,
    WriteRefused,
    Written,
)
from taskforge.tui.panels import ProjectBar, TaskDetail
from taskforge.tui.task_tree import TaskTree
from taskforge.tui.writes import WriteFunction, WriteJob

if TYPE_CHECKING:
    from textual.timer import Timer

    from taskforge.agent.planner import Progress
    from taskforge.agent.service import AgentService, Proposal
    from taskforge.core.chat import ChatMessage
    from taskforge.core.models import Mode
    from taskforge.core.schedule import Schedule
    from taskforge.core.tree import Tree
    from taskforge.store.interface import Applied, Repository
    from taskforge.tui.app import TaskforgeApp

CONFLICT_NOTE = "The project changed elsewhere; showing the latest version. Try again."
DEPTH_NOTE = "{key} is at depth {depth}, the deepest a task can be."


class MainScreen(Screen[None]):
    """The planner: tree on the left, chat on the right, the highlighted task's detail below.

    | Key(s) | Description |
    | :- | :- |
    | A | Approve the plan (draft → active). |
    | h | History (when the tree has nothing left to collapse). |
    | p | Projects: switch, or start a new one. |
    | i | Focus the chat input. |
    | w | What next: move the cursor to the task to do next, and say why. |
    | escape | Leave task mode; from the chat input, back to the tree; while planning, cancel. |
    | ctrl+e | Export the project to a file. |
    | R | Review agents' proposals, one at a time (when some wait). |

    The tree's own keys (`d n r s x`, moving, expanding) are on `TaskTree`; undo, redo, quit and the
    palette are the app's.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("A", "approve", "Approve", id="app.approve"),
        Binding("h", "history", "History", id="app.history"),
        Binding("p", "projects", "Projects", show=False, id="app.projects"),
        Binding("i", "focus_chat", "Chat", show=False, id="app.focus_chat"),
        Binding("w", "what_next", "What next", id="app.what_next"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("ctrl+e", "export", "Export", show=False, id="app.export"),
        Binding("R", "review_proposals", "Proposals", id="app.review_proposals"),
    ]

    busy: reactive[bool] = reactive(False, bindings=True)
    """True while the planner works on a message; a second message waits until it answers."""
    cancellable: reactive[bool] = reactive(False, bindings=True)
    """True while the planner works and has not been asked to stop yet (escape cancels)."""
    focus_key: reactive[str | None] = reactive(None, bindings=True)
    """Task mode on this task; None in project mode."""
    project_tree: reactive[Tree | None] = reactive(None, bindings=True, always_update=True)
    """The project on screen (None before the store opens, or for a new project not written yet)."""
    pending: reactive[int] = reactive(0, bindings=True)
    """Agents' proposals waiting for review in the project on screen (the bar's badge)."""

    def __init__(self) -> None:
        super().__init__()
        self._cancel: threading.Event | None = None
        self._brief: tuple[str, str] = ("", "")  # (text, file name) of the brief the last new project came from
        self._progress: Progress | None = None
        self._started = 0.0
        self._tick = 0
        self._key_state: tuple = ()
        self._spinner: Timer | None = None
        self._announced: dict[str, int] = {}  # the newest version changes elsewhere were seen at, per project
        self.remote_names: list[str] = []  # the project's sync remotes, for the palette
        self._mode_text = "project"
        self._proposals_shown = 0  # proposals shown since the user asked to review them
        self._plan: Schedule | None = None  # the critical path and what next, for `_planned`
        self._planned: Tree | None = None  # the tree `_plan` was worked out for
        self._planning: Tree | None = None  # the tree a schedule worker is working on

    # -- what the screen shows -------------------------------------------------------------------

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

    @property
    def project_id(self) -> str | None:
        return self.project_tree.project.id if self.project_tree is not None else None

    @property
    def tf_app(self) -> TaskforgeApp:
        return self.app  # type: ignore[return-value]

    @property
    def repo(self) -> Repository | None:
        return self.tf_app.repo

    @property
    def service(self) -> AgentService | None:
        return self.tf_app.service

    def on_mount(self) -> None:
        self.task_tree.border_title = "Tasks · loading…"
        self.chat.border_title = "Chat"
        self.query_one(ProjectBar).show(None, "opening the database…")
        self.chat.input.focus()
        self.chat.input.disabled = True
        self.tf_app.open_store()  # from here, so that what it finds always lands on a composed screen

    def store_ready(self, tree: Tree | None, conversation: list[ChatMessage]) -> None:
        """The app opened the store: show its first project and let the user type."""
        self.chat.input.disabled = False
        self.show_project(tree, conversation)
        if tree is not None and len(tree):
            self.task_tree.focus()
        else:
            self.chat.input.focus()

    def show_project(self, tree: Tree | None, conversation: list[ChatMessage]) -> None:
        self.project_tree = tree
        self.focus_key = None
        self.task_tree.focus_key = None
        self.task_tree.show(tree)
        self.chat.show_conversation(conversation)
        if tree is None:
            self.chat.add("note", "No project yet. Describe a goal, e.g. “Build a new user authentication flow”.")
        if self.tf_app.writes is not None:
            self.tf_app.writes.seen(tree)
        self.remote_names = []
        if tree is not None and self.repo is not None:
            self._load_remotes(tree.project.id)
        self._refresh_chrome()
        if tree is not None:
            self.count_proposals(tree.project.id)
        else:
            self.pending = 0

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
        self._mode_text = mode
        self.query_one(ProjectBar).show(tree, mode, self._plan_of(tree), self.pending)
        self.task_tree.border_title = f"Tasks ({len(tree)})" if tree is not None else "Tasks"
        self._show_detail()
        self._reschedule(tree)

    # -- the critical path and what next -------------------------------------------------------------

    def _plan_of(self, tree: Tree | None) -> Schedule | None:
        """The latest schedule of the project on screen, while a newer one is worked out (None for another)."""
        planned = self._planned
        if tree is None or planned is None or planned.project.id != tree.project.id:
            return None
        return self._plan

    def _reschedule(self, tree: Tree | None) -> None:
        """Work the critical path out again when the tree on screen is a new one (after a patch, a load, a
        change elsewhere). In a worker, after the next refresh: the tree paints first, the marks follow."""
        if tree is None:
            self._plan = self._planned = self._planning = None
            self.task_tree.set_critical(frozenset())
            return
        if tree is self._planned or tree is self._planning:
            return
        self._planning = tree
        self.call_after_refresh(self._schedule, tree)

    @work(thread=True, exclusive=True, group="schedule", exit_on_error=False)
    def _schedule(self, tree: Tree) -> None:
        from taskforge.core.schedule import schedule

        self.post_message(Scheduled(tree, schedule(tree)))

    def on_scheduled(self, message: Scheduled) -> None:
        if message.tree is not self.project_tree:
            return  # the screen moved on: the worker for the newer tree brings its own
        self._plan, self._planned, self._planning = message.plan, message.tree, None
        self.task_tree.set_critical(message.plan.critical)
        self._refresh_chrome()

    def action_what_next(self) -> None:
        """Move the cursor to the task to do next, and say why (or why nothing can start)."""
        tree = self.project_tree
        if tree is None:
            return
        plan = self._plan if self._planned is tree else None
        if plan is None:  # a patch landed a moment ago and its schedule is on its way: work it out now
            from taskforge.core.schedule import schedule

            plan = schedule(tree)
        suggestion = plan.first
        if suggestion is None:
            self.notify(f"Nothing to start: {plan.none_reason}.", title="What next", severity="warning", markup=False)
            return
        self.task_tree.focus()
        self.task_tree.reveal(suggestion.key)
        self.notify(suggestion.reason, title="What next", markup=False)

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

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def _refresh_keys(self) -> None:
        """Redraw the footer only when the keys it offers change: rebuilding it costs a layout."""
        node = self.task_tree.cursor_node
        state = (node is not None, self.task_tree.check_action("collapse", ()))
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()

    # -- loading -----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, project_id: str) -> None:
        """Show `project_id` as stored now (after a switch, a conflict, or a write the screen did not follow)."""
        assert self.repo is not None
        try:
            tree = self.repo.load(project_id)
            conversation = self.repo.messages(project_id, None)
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            self.post_message(ProjectLoaded(tree, conversation))

    def on_project_loaded(self, message: ProjectLoaded) -> None:
        self.show_project(message.tree, message.conversation)

    def on_action_refused(self, message: ActionRefused) -> None:
        self.notify(message.reason, severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.tf_app.report_failure(event.worker.error)

    # -- changes made elsewhere ----------------------------------------------------------------------

    def changed_elsewhere(self, changes: list[tuple[str, int]]) -> None:
        """Another session changed projects: catch up with the one on screen if it is among them."""
        for project_id, version in changes:
            self._announced[project_id] = max(version, self._announced.get(project_id, version))
        shown = self.project_tree
        if shown is None:
            return
        everything = any(project_id == "*" for project_id, _ in changes)
        if everything or any(project_id == shown.project.id for project_id, _ in changes):
            self.count_proposals(shown.project.id)  # an agent's proposal changes no version, only the queue
        if everything or self._announced.get(shown.project.id, -1) > shown.project.version:
            self._catch_up_if_idle()

    def _catch_up_if_idle(self) -> None:
        writes = self.tf_app.writes
        if writes is not None and writes.pending:
            return  # our own write lands first; `on_written` looks again
        shown = self.project_tree
        if shown is not None:
            self._catch_up(shown.project.id, shown.project.version)

    @work(thread=True, exclusive=True, group="catch-up", exit_on_error=False)
    def _catch_up(self, project_id: str, since: int) -> None:
        assert self.repo is not None
        try:
            tree = self.repo.load(project_id)
            records = [record for record in self.repo.history(project_id) if record.version_after > since]
        except TaskforgeError:
            return  # gone or unreachable: the screen keeps the last state it had; the watcher says when it is back
        if tree.project.version > since:
            self.post_message(ProjectChanged(tree, records, since))

    def on_project_changed(self, message: ProjectChanged) -> None:
        from taskforge.present import change_note
        from taskforge.tui.diff_review import DiffReview

        shown = self.project_tree
        tree = message.tree
        if shown is None or shown.project.id != tree.project.id or tree.project.version <= shown.project.version:
            return  # the screen moved on meanwhile
        self.project_tree = tree
        self.task_tree.follow(tree)
        if self.focus_key and self.focus_key not in tree:
            self.focus_key = None
            self.task_tree.set_focus_key(None)
        if self.tf_app.writes is not None:
            self.tf_app.writes.seen(tree)
        self._refresh_chrome()
        for record in message.records:
            if record.version_after > shown.project.version:
                self.chat.add("note", change_note(record))
        review = self.app.screen
        if isinstance(review, DiffReview):
            review.overtaken(tree.project.id, tree.project.version)

    # -- agents' proposals (the review queue) -------------------------------------------------------

    @work(thread=True, exclusive=True, group="proposals-count", exit_on_error=False)
    def count_proposals(self, project_id: str) -> None:
        from taskforge.mcp.queue import pending_count

        assert self.repo is not None
        try:
            count = pending_count(self.repo, project_id)  # type: ignore[arg-type]
        except TaskforgeError:
            return  # gone or unreachable: the badge keeps what it showed
        self.post_message(ProposalsCounted(project_id, count))

    def on_proposals_counted(self, message: ProposalsCounted) -> None:
        if message.project_id == self.project_id:
            self.pending = message.count

    def watch_pending(self, pending: int) -> None:
        tree = self.project_tree
        self.query_one(ProjectBar).show(tree, self._mode_text, self._plan_of(tree), pending)

    def action_review_proposals(self) -> None:
        assert self.project_id is not None
        self._proposals_shown = 0
        self._review_next(self.project_id, 0)

    @work(thread=True, exclusive=True, group="proposals", exit_on_error=False)
    def _review_next(self, project_id: str, after: int, reject: tuple[int, str] | None = None) -> None:
        """Reject the proposal just reviewed when asked, then open the next one waiting after `after`."""
        from taskforge.config import current_user
        from taskforge.mcp import queue

        assert self.repo is not None
        repo = self.repo
        try:
            if reject is not None:
                queue.reject(repo, reject[0], reject[1], by=current_user(), project_id=project_id)  # type: ignore[arg-type]
            _, waiting = queue.listing(repo, project_id, waiting=True)  # type: ignore[arg-type]
            self.post_message(ProposalsCounted(project_id, len(waiting)))
            following = next((proposal for proposal in waiting if proposal.id > after), None)
            if following is None:
                self.post_message(ProposalsDone())
            else:
                self.post_message(ProposalOpened(queue.open_review(repo, following.id, project_id)))  # type: ignore[arg-type]
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))

    def on_proposal_opened(self, message: ProposalOpened) -> None:
        from taskforge.config import current_user
        from taskforge.core.patches import PatchError
        from taskforge.mcp import queue
        from taskforge.tui.dialogs import Confirm
        from taskforge.tui.diff_review import DiffReview

        review = message.review
        queued = review.queued
        self._proposals_shown += 1
        if review.proposal is None:  # stale, and no longer applies to the current tree
            why = PatchError(review.problems).summary()
            question = Text()
            question.append(f"Proposal #{queued.id} from ", style="bold")
            question.append(queued.author)
            question.append(" no longer applies: ", style="bold")
            question.append(why)
            question.append("\nReject it?", style="bold")

            def answered(yes: bool | None) -> None:
                reject = (queued.id, f"no longer applies: {why}") if yes else None
                self._review_next(queued.project_id, queued.id, reject)

            self.app.push_screen(Confirm(question), answered)
            return
        assert self.tf_app.writes is not None and self.repo is not None
        repo = self.repo

        def accept(kept: set[int] | None):
            return queue.accept(repo, review, kept, by=current_user())  # type: ignore[arg-type]

        review_screen = DiffReview(review.proposal, accept, self.tf_app.writes)
        self.app.push_screen(review_screen, lambda outcome: self._queue_reviewed(review, outcome))

    def _queue_reviewed(self, review, outcome) -> None:
        from taskforge.agent.service import accepted_note
        from taskforge.tui.diff_review import Accepted, Revise

        queued = review.queued
        if isinstance(outcome, Accepted):
            self.show_applied(outcome.applied)
            self.chat.add("note", f"Proposal #{queued.id} from {queued.author}: {accepted_note(review.proposal, outcome.applied)}")
            self._review_next(queued.project_id, queued.id)
            return
        note = outcome.message if isinstance(outcome, Revise) else ""  # what to change: the agent reads it
        self.chat.add("note", f"Rejected proposal #{queued.id} from {queued.author}.")
        self._review_next(queued.project_id, queued.id, (queued.id, note))

    def on_proposals_done(self, message: ProposalsDone) -> None:
        self.notify("No more proposals waiting." if self._proposals_shown else "No proposals wait for review.")

    # -- planning ----------------------------------------------------------------------------------

    def on_chat_pane_submitted(self, event: ChatPane.Submitted) -> None:
        if self.service is None:
            self.chat.restore(event.text)
            self.notify("The database is still opening.", severity="warning")
            return
        if self.busy:
            self.chat.restore(event.text)
            self.notify("The planner is still working on the last message (escape cancels it).", severity="warning")
            return
        message = clean_block(event.text)  # what the planner gets, and all a terminal should see
        self.chat.add("user", message)
        self.plan(message)

    def plan(self, message: str, *, goal: str | None = None, brief: tuple[str, str] = ("", "")) -> None:
        """Ask the planner about `message`; with `goal`, for a new project (planned from `brief`, if given)."""
        from taskforge.core.models import Mode

        mode = Mode.TASK if self.focus_key else Mode.PROJECT
        project = self.project_id if goal is None else None
        if goal is not None:
            mode = Mode.PROJECT
        self._brief = brief
        self._cancel = threading.Event()
        self._progress = None
        self._started = time.monotonic()
        self.busy = self.cancellable = True
        self._spinner = self.set_interval(0.1, self._spin)
        self._spin()
        self._propose(project, mode, self.focus_key, goal or message, message, self._cancel, brief)

    def watch_busy(self, busy: bool) -> None:
        self.chat.busy = busy

    def _spin(self) -> None:
        self._tick += 1
        if self.cancellable:
            self.chat.set_status(progress_text(self._tick, time.monotonic() - self._started, self._progress))

    @work(thread=True, group="planner", exit_on_error=False)
    def _propose(
        self, project: str | None, mode: Mode, focus: str | None, text: str, typed: str, cancel: threading.Event,
        brief: tuple[str, str] = ("", ""),
    ) -> None:
        from taskforge.agent.planner import Cancelled

        assert self.service is not None

        def progress(update: Progress) -> None:
            self._progress = update  # read by the spinner on the UI thread; a plain attribute swap

        try:
            document, name = brief
            proposal = self.service.propose(
                project, mode, focus, text, progress=progress, cancel=cancel, document=document, document_name=name
            )
        except Cancelled:
            self.post_message(PlanningFailed(typed, "Cancelled: nothing was proposed.", "note"))
        except TaskforgeError as error:
            self.post_message(PlanningFailed(typed, str(error), "error"))
        except Exception as error:  # a model library failing in a way nobody foresaw: one line, never a traceback
            self.post_message(PlanningFailed(typed, f"the planner failed: {type(error).__name__}: {error}", "error"))
        else:
            self.post_message(Proposed(proposal))

    def _planning_done(self) -> None:
        self._cancel = None
        self.busy = self.cancellable = False
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def on_planning_failed(self, message: PlanningFailed) -> None:
        self._planning_done()
        self.chat.add(message.role, message.reason)
        self.chat.restore(message.typed)  # so that the user can edit and resend it

    def on_proposed(self, message: Proposed) -> None:
        self._planning_done()
        proposal = message.proposal
        self.chat.add("agent", proposal.rationale)
        self.chat.add("note", proposal.provenance_line())
        if not proposal.has_patch:
            return
        from taskforge.tui.diff_review import DiffReview

        assert self.service is not None and self.tf_app.writes is not None
        service = self.service
        review = DiffReview(proposal, lambda kept: service.accept(proposal, kept), self.tf_app.writes)
        self.app.push_screen(review, lambda outcome: self._reviewed(proposal, outcome))

    def _reviewed(self, proposal: Proposal, outcome) -> None:
        from taskforge.agent.service import REJECTED_NOTE, accepted_note
        from taskforge.tui.diff_review import Accepted, Revise

        assert self.service is not None
        if isinstance(outcome, Accepted):
            applied = outcome.applied
            if proposal.new_project is not None or self.project_id != applied.project_id:
                self.load(applied.project_id)  # the conversation it loads ends with the note
            else:
                self.show_applied(applied)
                self.chat.add("note", accepted_note(proposal, applied))
            return
        self.service.reject(proposal)
        if isinstance(outcome, Revise):
            self.chat.add("user", clean_block(outcome.message))
            goal = f"{proposal.message}\n{outcome.message}" if proposal.new_project is not None else None
            self.plan(outcome.message, goal=goal, brief=self._brief if goal is not None else ("", ""))
        else:
            self.chat.add("note", REJECTED_NOTE)

    def action_cancel_planning(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.cancellable = False
            self.chat.set_status(Text("cancelling…", style="dim"))

    # -- writing -----------------------------------------------------------------------------------

    def show_applied(self, applied: Applied) -> None:
        """Show a write: in place when it follows the tree on screen, by reloading when it does not."""
        before = self.project_tree
        if before is None or before.project.id != applied.project_id or applied.record.version_before != before.project.version:
            self.load(applied.project_id)
            return
        self.project_tree = applied.tree
        self.task_tree.apply(applied, before)
        if self.focus_key and self.focus_key not in applied.tree:
            self.focus_key = None
            self.task_tree.set_focus_key(None)
        elif self.focus_key:  # show what the decomposition made
            self.task_tree.expand_key(self.focus_key)
        self._refresh_chrome()

    def write(self, kind: str, write: WriteFunction) -> None:
        """Queue a write on the project on screen; `on_written` / `on_write_refused` show how it ended."""
        writes = self.tf_app.writes
        assert writes is not None and self.project_id is not None
        writes.submit(WriteJob(kind, self.project_id, write, self))

    def on_written(self, message: Written) -> None:
        applied = message.applied
        self.show_applied(applied)
        if self._announced.get(applied.project_id, -1) > applied.tree.project.version:
            self._catch_up_if_idle()  # another session wrote too while ours was on its way
        kind = message.job.kind
        if kind in ("undo", "redo"):
            self.notify(f"{'Undid' if kind == 'undo' else 'Redid'} change #{applied.record.target_seq}.")
        elif kind == "approve":
            self.notify("Plan approved. Highlight a task and press d to break it down.")
        elif kind == "add":
            self.task_tree.reveal(applied.key_map.get("new", ""))

    def on_write_refused(self, message: WriteRefused) -> None:
        if message.conflict and self.project_id:
            self.notify(CONFLICT_NOTE, severity="warning")
            self.load(self.project_id)
        else:
            self.notify(str(message.error), severity="error", markup=False)

    def action_undo(self) -> None:
        self.write("undo", lambda repo, tree: repo.undo(tree.project.id, tree.project.version))

    def action_redo(self) -> None:
        self.write("redo", lambda repo, tree: repo.redo(tree.project.id, tree.project.version))

    def action_approve(self) -> None:
        from taskforge.actions import approve

        self.write("approve", lambda repo, tree: approve(repo, tree.project.id))

    # -- direct edits on the highlighted task --------------------------------------------------------

    def action_cycle_status(self) -> None:
        from taskforge.actions import cycle_status

        key = self.task_tree.highlighted_key
        self.write("edit", lambda repo, tree: cycle_status(repo, tree, key))

    def action_rename_task(self) -> None:
        from taskforge.tui.dialogs import TextPrompt

        key = self.task_tree.highlighted_key
        assert self.project_tree is not None and key is not None

        def renamed(title: str | None) -> None:
            from taskforge.actions import rename

            if title is not None:
                self.write("edit", lambda repo, tree: rename(repo, tree, key, title))

        self.app.push_screen(TextPrompt(f"Rename {key}", self.project_tree[key].title), renamed)

    def action_add_task(self) -> None:
        from taskforge.core.limits import MAX_DEPTH
        from taskforge.tui.dialogs import TextPrompt

        parent = self.task_tree.highlighted_key
        if parent is not None and self.project_tree is not None and self.project_tree.depth(parent) >= MAX_DEPTH:
            self.notify(DEPTH_NOTE.format(key=parent, depth=MAX_DEPTH), severity="warning")
            return

        def added(title: str | None) -> None:
            from taskforge.actions import add_child

            if title is not None:
                self.write("add", lambda repo, tree: add_child(repo, tree, parent, title))

        question = f"New sub-task of {parent}" if parent else "New top-level task"
        self.app.push_screen(TextPrompt(question, placeholder="Title"), added)

    def action_delete_task(self) -> None:
        from taskforge.actions import delete
        from taskforge.tui.dialogs import Confirm

        key = self.task_tree.highlighted_key
        tree = self.project_tree
        assert tree is not None and key is not None
        below = len(tree.subtree(key)) - 1
        if not below:
            self.write("edit", lambda repo, tree: delete(repo, tree, key))
            return
        question = Text()
        question.append(f"Delete {key} ", style="bold")
        question.append(tree[key].title)
        question.append(f" and its {below} sub-task{'s' if below > 1 else ''}?", style="bold")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.write("edit", lambda repo, tree: delete(repo, tree, key))

        self.app.push_screen(Confirm(question), confirmed)

    # -- modes -------------------------------------------------------------------------------------

    def action_task_mode(self) -> None:
        from taskforge.core.limits import MAX_DEPTH
        from taskforge.core.models import ProjectStatus

        key = self.task_tree.highlighted_key
        tree = self.project_tree
        assert tree is not None and key is not None and self.repo is not None
        if tree.project.status is ProjectStatus.DRAFT:
            self.notify("Approve the plan first (A): task mode breaks down an approved plan.", severity="warning")
            return
        if tree.depth(key) >= MAX_DEPTH:
            self.notify(DEPTH_NOTE.format(key=key, depth=MAX_DEPTH), severity="warning")
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

    # -- other screens -------------------------------------------------------------------------------

    def action_history(self) -> None:
        assert self.project_id is not None
        self._load_history(self.project_id)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_history(self, project_id: str) -> None:
        assert self.repo is not None
        try:
            message = HistoryLoaded(self.repo.history(project_id), self.repo.load(project_id))
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            self.post_message(message)

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        from taskforge.tui.history import HistoryScreen

        self.app.push_screen(HistoryScreen(message.records, message.tree))

    def action_projects(self) -> None:
        from taskforge.tui.projects import NEW_PROJECT, ProjectPicker

        assert self.repo is not None

        def picked(choice: str | None) -> None:
            if choice == NEW_PROJECT:
                self.action_new_project()
            elif choice is not None and choice != self.project_id:
                self.load(choice)

        self.app.push_screen(ProjectPicker(self.repo.projects(), self.project_id), picked)

    def action_new_project(self) -> None:
        self.show_project(None, [])
        self.chat.input.focus()

    def action_new_project_from_file(self) -> None:
        from taskforge.tui.dialogs import TextPrompt

        def chosen(path: str | None) -> None:
            if path and path.strip():
                self._read_brief(path.strip())

        prompt = TextPrompt(
            "New project from a file: the path of a Markdown or text brief", placeholder="e.g. docs/PRD.md",
            max_length=4_096, hint="enter plans it · escape cancels",
        )
        self.app.push_screen(prompt, chosen)

    @work(thread=True, exclusive=True, group="brief", exit_on_error=False)
    def _read_brief(self, path: str) -> None:
        from taskforge.inputs import read_text_file

        try:
            text = read_text_file(path)
            if not text.strip():
                raise BadInput(f"{path} is empty: there is nothing to plan from")
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            self.post_message(BriefRead(Path(path), text))

    def on_brief_read(self, message: BriefRead) -> None:
        if self.busy:
            self.notify("The planner is still working on the last message (escape cancels it).", severity="warning")
            return
        self.show_project(None, [])
        said = f"Plan the project described in {message.path.name}."
        self.chat.add("user", said)
        self.plan(said, goal=said, brief=(message.text, message.path.name))

    def action_export(self) -> None:
        from taskforge.tui.dialogs import Confirm
        from taskforge.tui.export_dialog import ExportDialog

        project_id = self.project_id
        assert project_id is not None

        def chosen(choice: tuple[str, Path] | None) -> None:
            if choice is None:
                return
            fmt, path = choice
            if not (path.is_file() and path.exists()):
                self._export(project_id, fmt, path, False)
                return
            question = Text.assemble(("Overwrite ", "bold"), str(path), ("?", "bold"))
            self.app.push_screen(Confirm(question), lambda yes: yes and self._export(project_id, fmt, path, True))

        self.app.push_screen(ExportDialog(project_id), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, project_id: str, fmt: str, path: Path, overwrite: bool) -> None:
        from taskforge.actions import export_text, write_export

        assert self.repo is not None
        try:
            # Through a temporary file, never over the database in use, and over a file only when confirmed.
            write_export(path, export_text(self.repo.load(project_id), fmt), self.tf_app.db, force=overwrite)
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            self.post_message(Exported(fmt, path))

    def on_exported(self, message: Exported) -> None:
        self.notify(f"Exported {message.fmt} to {message.path}", markup=False)

    def action_expand_all(self) -> None:
        self.task_tree.action_expand_all()

    def action_collapse_all(self) -> None:
        self.task_tree.action_collapse_all()

    # -- tracker sync ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="remotes", exit_on_error=False)
    def _load_remotes(self, project_id: str) -> None:
        from taskforge.sync.store import remotes

        assert self.repo is not None
        try:
            names = [remote.name for remote in remotes(self.repo.engine, project_id)]
        except TaskforgeError:
            names = []
        self.post_message(RemotesLoaded(project_id, names))

    def on_remotes_loaded(self, message: RemotesLoaded) -> None:
        if message.project_id == self.project_id:
            self.remote_names = message.names

    def _sync_reporter(self):
        from taskforge.sync.adapter import CollectingReporter

        screen = self

        class Reporter(CollectingReporter):
            def progress(self, text: str) -> None:
                super().progress(text)
                screen.post_message(SyncProgress(text))

        return Reporter()

    def sync_pull(self, remote: str) -> None:
        self.notify(f"Pulling from {remote}…", markup=False)
        self._pull(self.project_id, remote)

    @work(thread=True, group="sync", exit_on_error=False)
    def _pull(self, project_id: str, remote: str) -> None:
        from taskforge.sync.engine import accept_pull, open_sync, pull

        assert self.repo is not None
        reporter = self._sync_reporter()
        try:
            sync = open_sync(self.repo, project_id, remote, reporter)
            pulled = pull(sync)
            if pulled.proposal is None:
                accept_pull(sync, pulled)  # only the links move: nothing changed there
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            self.post_message(PullProposed(sync, pulled, reporter.notes))

    def on_pull_proposed(self, message: PullProposed) -> None:
        sync, pulled = message.sync, message.pulled
        for note in message.notes:
            self.notify(note, markup=False)
        proposal = pulled.proposal
        if proposal is None:
            self.notify(f"Nothing to pull from {sync.remote.name}: the project has every change.", markup=False)
            return
        from taskforge.sync.engine import accept_pull
        from taskforge.tui.diff_review import DiffReview

        assert self.tf_app.writes is not None
        total = len(proposal.patch.task_patches)

        def accept(kept: set[int] | None) -> Applied:
            applied = accept_pull(sync, pulled, range(total) if kept is None else kept)
            if applied is None:
                from taskforge.core.errors import BadInput

                raise BadInput("every operation was turned off: nothing to apply (escape leaves it)")
            return applied

        review = DiffReview(proposal, accept, self.tf_app.writes, off=pulled.conflict_ops, revisable=False)
        self.app.push_screen(review, lambda outcome: self._pull_reviewed(sync, pulled, outcome))

    def _pull_reviewed(self, sync, pulled, outcome) -> None:
        from taskforge.tui.diff_review import Accepted

        if isinstance(outcome, Accepted):
            self.show_applied(outcome.applied)
            self.notify(f"Pulled from {sync.remote.name} as change #{outcome.applied.record.seq}.", markup=False)
        else:
            self._reject_pull(sync, pulled)
            self.notify(f"Nothing pulled from {sync.remote.name}.", markup=False)

    @work(thread=True, group="sync", exit_on_error=False)
    def _reject_pull(self, sync, pulled) -> None:
        from taskforge.sync.engine import reject_pull

        reject_pull(sync, pulled)

    def sync_push(self, remote: str) -> None:
        self.notify(f"Pushing to {remote}…", markup=False)
        self._push(self.project_id, remote)

    @work(thread=True, group="sync", exit_on_error=False)
    def _push(self, project_id: str, remote: str) -> None:
        from taskforge.sync.engine import open_sync, push

        assert self.repo is not None
        reporter = self._sync_reporter()
        try:
            report = push(open_sync(self.repo, project_id, remote, reporter))
        except TaskforgeError as error:
            self.post_message(ActionRefused(str(error)))
        else:
            report.notes = reporter.notes
            self.post_message(Pushed(report))

    def on_pushed(self, message: Pushed) -> None:
        from taskforge.present import push_summary

        report = message.report
        for note in report.notes:
            self.notify(note, markup=False)
        trouble = report.failure or report.conflicts or report.gone
        self.notify(push_summary(report), severity="warning" if trouble else "information", markup=False)

    def on_sync_progress(self, message: SyncProgress) -> None:
        self.notify(message.text, markup=False, timeout=3)

    # -- which keys apply now ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        ready = self.repo is not None
        has_project = ready and self.project_tree is not None
        has_task = has_project and self.task_tree.highlighted_key is not None
        if action in ("undo", "redo", "history", "export", "what_next"):
            return has_project
        if action == "sync":
            return has_project and bool(self.remote_names)
        if action == "approve":
            return has_project and self.project_tree.project.status == "draft" and bool(len(self.project_tree))  # type: ignore[union-attr]
        if action in ("cycle_status", "rename_task", "delete_task", "task_mode"):
            return has_task
        if action == "add_task":
            return has_project
        if action == "cancel_planning":
            return self.cancellable
        if action == "project_mode":
            return self.focus_key is not None
        if action == "back":
            return self.focus_key is not None or (self.focused is self.chat.input and self.project_tree is not None)
        if action in ("projects", "new_project", "new_project_from_file"):
            return ready
        if action in ("expand_all", "collapse_all"):
            return has_project
        if action == "review_proposals":
            return has_project and self.pending > 0
        return True
