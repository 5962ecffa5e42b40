"""The review modal: every operation of a proposal on its own row, toggled one by one, then accepted.

Nothing is written until the user accepts; the write goes through the app's write queue (a big patch can
take a while) and the modal only closes once it succeeded, so a conflict or a refused patch is shown right here.
All user text goes through `Text.append`: titles and rationales are data, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from taskforge.agent.service import Proposal
from taskforge.core.selection import turned_off_with, turned_on_with
from taskforge.present import append_entry
from taskforge.present import numbered as _numbers  # the status line's words, shared with the CLI
from taskforge.present import plural as _plural
from taskforge.store.interface import Applied
from taskforge.tui.message_input import MessageInput
from taskforge.tui.messages import WriteRefused, Written
from taskforge.tui.writes import WriteJob, WriteQueue

CONFLICT = ("The project changed since this proposal (version conflict); nothing was written. "
            "Press escape and ask again.")


@dataclass(frozen=True)
class Accepted:
    applied: Applied


@dataclass(frozen=True)
class Rejected:
    pass


@dataclass(frozen=True)
class Revise:
    message: str  # the user's follow-up asking the agent to revise this proposal


ReviewOutcome = Accepted | Rejected | Revise


class OperationList(OptionList, inherit_bindings=False):
    """The operations, one option each.

    It has no `enter` binding of its own, so that enter reaches the modal (accept the kept ones). Rows are
    built for the list's width by `render_row(index, width)`, so that wrapped lines keep their indent;
    they are rebuilt when that width changes.
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="review.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="review.cursor_down"),
        Binding("home", "first", "First", show=False, id="review.first"),
        Binding("end", "last", "Last", show=False, id="review.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="review.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="review.page_down"),
    ]

    def __init__(self, count: int, render_row: Callable[[int, int], Text], **kwargs) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.render_row = render_row
        self.row_width = 0

    def on_resize(self) -> None:
        width = max(self.scrollable_content_region.width, 20)
        if width != self.row_width:
            self.row_width = width
            highlighted = self.highlighted or 0
            self.set_options(Option(self.render_row(i, width)) for i in range(self.count))
            self.highlighted = highlighted

    def redraw(self, rows: list[int]) -> None:
        for row in rows:
            self.replace_option_prompt_at_index(row, self.render_row(row, self.row_width))


class DiffReview(ModalScreen[ReviewOutcome]):
    """Every operation of a proposal on its own row; dismisses with `Accepted`, `Rejected` or `Revise`.

    | Key(s) | Description |
    | :- | :- |
    | space | Turn the highlighted operation off or on (operations that need it follow). |
    | enter | Accept the operations left on. |
    | a | Accept all. |
    | e | Ask the agent to revise this proposal. |
    | escape | Reject: nothing is written (or close the revise input). |
    """

    CSS_PATH = "diff_review.tcss"
    BINDINGS = [
        Binding("space", "toggle", "Toggle", id="review.toggle"),
        Binding("enter", "accept_selected", "Accept kept", id="review.accept"),
        Binding("a", "accept_all", "Accept all", id="review.accept_all"),
        Binding("e", "revise", "Revise", id="review.revise"),
        Binding("escape", "reject", "Reject", id="review.reject"),
    ]

    busy: reactive[bool] = reactive(False, bindings=True)
    """True while the accepted operations are being written."""
    conflict: reactive[bool] = reactive(False, bindings=True)
    """True once the write met a version conflict: accepting again cannot succeed."""
    revising: reactive[bool] = reactive(False, bindings=True)
    """True while the follow-up input asking for a revision is open."""

    def __init__(
        self, proposal: Proposal, accept: Callable[[set[int] | None], Applied], writes: WriteQueue, *,
        off: set[int] = frozenset(), revisable: bool = True,
    ) -> None:
        """`off`: operations that start turned off (a pull's conflicts); `revisable`: whether `e` asks
        the agent to revise (a pull has no agent to ask)."""
        super().__init__()
        if proposal.patch is None:
            raise ValueError("a proposal without a patch has nothing to review")
        self.proposal = proposal
        self.patch = proposal.patch
        self._accept = accept
        self._writes = writes
        self.total = len(self.patch.task_patches)
        self.kept: set[int] = set(range(self.total)) - set(off)
        self.revisable = revisable

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static(self._title(), id="review-title")
            yield Static(Text(self.proposal.rationale, style="italic"), id="review-rationale")
            yield OperationList(len(self.proposal.entries), self._row, id="review-ops")
            yield Static(id="review-status")
            yield Static(id="review-error")
            yield MessageInput(placeholder="How should the agent revise this?", id="review-followup")
            yield Footer()

    def on_mount(self) -> None:
        self._say()
        self.query_one(OperationList).focus()

    def _title(self) -> Text:
        proposal = self.proposal
        title = Text(f"Review proposal — {_plural(self.total, 'operation')}", style="bold")
        if proposal.new_project is not None:
            title.append(" for a new project", style="bold")
        if proposal.author is not None:  # an agent's name, as it gave it: data, appended as text
            title.append("  ·  from ", style="dim")
            title.append(proposal.author, style="bold")
        title.append(f"  ·  {proposal.planner} planner", style="dim")
        if proposal.model:
            title.append(f" ({proposal.model})", style="dim")
        return title

    def _row(self, row: int, width: int) -> Text:
        entry = self.proposal.entries[row]
        on_ = entry.index is None or entry.index in self.kept
        number = "" if entry.index is None else f"#{entry.index + 1}"
        indent = len(f"[x] #{self.total}  ")
        text = Text()
        text.append("[x] " if on_ else "[ ] ", style="bold" if on_ else "dim")
        text.append(number.ljust(indent - 4), style="dim")
        append_entry(text, entry, kept=on_, indent=indent, step=2, width=width)
        return text

    def _say(self, news: str = "") -> None:
        kept = f"{len(self.kept)} of {_plural(self.total, 'operation')} kept"
        self.query_one("#review-status", Static).update(Text(f"{kept}  ·  {news}" if news else kept))

    def _fail(self, message: str) -> None:
        error = self.query_one("#review-error", Static)
        error.update(Text(message, style="bold red"))
        error.display = True

    # -- keys ---------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept_all", "accept_selected"):
            return not (self.busy or self.conflict or self.revising)
        if action == "revise" and not self.revisable:
            return False
        if action in ("toggle", "revise"):
            return not (self.busy or self.revising)
        if action == "reject":
            return not self.busy  # leaving mid-write would lose what was written
        return True

    def action_toggle(self) -> None:
        ops = self.query_one(OperationList)
        if ops.highlighted is None:
            return
        entry = self.proposal.entries[ops.highlighted]
        if entry.index is None:
            self._say("The project's details are always kept")
            return
        index = entry.index
        if index in self.kept:
            changed = turned_off_with(self.patch, index) & self.kept
            self.kept -= changed
            verb, relation = "off", "that need it"
        else:
            changed = turned_on_with(self.patch, index) - self.kept
            self.kept |= changed
            verb, relation = "on", "it needs"
        others = sorted(changed - {index})
        news = f"Turned {verb} #{index + 1}"
        if others:
            news += f" and {_plural(len(others), 'operation')} {relation}: {_numbers(others)}"
        self._redraw(changed)
        self._say(news)

    def _redraw(self, changed: set[int]) -> None:
        rows = [row for row, entry in enumerate(self.proposal.entries) if entry.index in changed]
        self.query_one(OperationList).redraw(rows)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        # Only a click selects (the list has no enter binding): clicking a row toggles it.
        event.stop()
        if self.check_action("toggle", ()):
            self.action_toggle()

    def action_accept_all(self) -> None:
        self._write(None)

    def action_accept_selected(self) -> None:
        self._write(None if len(self.kept) == self.total else set(self.kept))

    def action_reject(self) -> None:
        if self.revising:  # escape in the follow-up closes it, not the modal
            self.revising = False
        else:
            self.dismiss(Rejected())

    def action_revise(self) -> None:
        self.revising = True

    def watch_revising(self, revising: bool) -> None:
        followup = self.query_one("#review-followup", Input)
        followup.display = revising
        (followup if revising else self.query_one(OperationList)).focus()

    @on(Input.Submitted, "#review-followup")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        message = event.value.strip()
        if message:
            self.dismiss(Revise(message))
        else:
            self._say("Say how the agent should revise it, or press escape")

    # -- writing ------------------------------------------------------------------------------------

    def _write(self, kept: set[int] | None) -> None:
        self.busy = True
        self.query_one("#review-error", Static).display = False
        count = self.total if kept is None else len(kept)
        self._say(f"Writing {_plural(count, 'operation')}…")
        project = None if self.proposal.new_project is not None else self.patch.project_id
        accept = self._accept
        self._writes.submit(WriteJob("accept", project, lambda repo, tree: accept(kept), self))

    def overtaken(self, project_id: str, version: int) -> None:
        """Another session moved the project past this proposal's base: say so now, before the user tries."""
        mine = self.proposal.new_project is None and project_id == self.patch.project_id
        if mine and version > self.patch.base_version and not (self.busy or self.conflict):
            self.conflict = True
            self._fail(CONFLICT)

    def on_written(self, message: Written) -> None:
        message.stop()
        self.busy = False
        self.dismiss(Accepted(message.applied))

    def on_write_refused(self, message: WriteRefused) -> None:
        message.stop()
        self.busy = False
        self._say()
        if message.conflict:
            self.conflict = True
            self._fail(CONFLICT)
        else:
            self._fail(f"Nothing was written: {message.error}")
