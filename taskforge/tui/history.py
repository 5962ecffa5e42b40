"""The history screen: every applied patch, newest first, and the diff of the highlighted one.

A record's diff needs the tree as it was before that record; the screen rebuilds it by walking the
stored inverses back from the current tree, once, lazily, as far as the user has looked. Messages,
titles and models are user data: they are only ever appended to `Text`, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from taskforge.core.diff import render
from taskforge.core.errors import TaskforgeError
from taskforge.core.history import PatchRecord, RecordKind, entries_for, stacks, walk_back
from taskforge.core.tree import Tree

MESSAGE_WIDTH = 48


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def kind_of(record: PatchRecord) -> str:
    return record.kind.value if record.target_seq is None else f"{record.kind.value} #{record.target_seq}"


def mode_of(record: PatchRecord) -> str:
    return record.mode.value if record.focus is None else f"{record.mode.value} {record.focus}"


def author_of(record: PatchRecord) -> str:
    return record.planner if not record.model else f"{record.planner} · {record.model}"


def counts_of(record: PatchRecord) -> Text:
    counts = record.counts()
    return Text.assemble(
        (f"+{counts['create']}", "green"), " ", (f"−{counts['delete']}", "red"), " ", (f"~{counts['update']}", "yellow")
    )


def shorten(text: str, limit: int = MESSAGE_WIDTH) -> str:
    text = " ".join(text.split())  # one table row: newlines and tabs become spaces
    return text if len(text) <= limit else text[: limit - 1] + "…"


def undone_seqs(records: list[PatchRecord]) -> set[int]:
    """Applied changes whose effect is not in the project now: undone, whether or not redo can bring them back."""
    done, _ = stacks(records)
    return {r.seq for r in records if r.kind is RecordKind.APPLY and r.seq not in done}


class HistoryScreen(Screen[None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape,h,q", "close", "Close", id="history.close"),
        # priority: the table would otherwise take enter for its own (silent) row selection
        Binding("enter", "show", "Diff / list", priority=True, id="history.show"),
    ]

    def __init__(
        self,
        records: list[PatchRecord],
        current: Tree,
        *,
        format_time: Callable[[datetime], str] = local_time,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(name=name, id=id, classes=classes)
        self._records = {record.seq: record for record in records}
        self._current = current
        self._format_time = format_time
        self._undone = undone_seqs(records)
        self._walk = walk_back(records, current)
        self._trees: dict[int, Tree] = {}
        self._failure: TaskforgeError | None = None

    def compose(self) -> ComposeResult:
        title = Text.assemble(("History — ", "bold"), (self._current.project.title, "bold"))
        yield Static(title, id="history-title", markup=False)
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="history-detail"):
            yield Static(id="history-diff", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "when", "kind", "mode", "changes", "message", "by")
        for record in sorted(self._records.values(), key=lambda r: r.seq, reverse=True):
            table.add_row(*self._cells(record), key=str(record.seq))
        if not self._records:
            self.query_one("#history-diff", Static).update(Text("No changes yet.", style="dim"))
        table.focus()

    def _cells(self, record: PatchRecord) -> list[Text]:
        undone = record.seq in self._undone
        message = Text(shorten(record.message))
        if undone:
            message = Text.assemble(("(undone) ", "italic"), message)
        cells = [
            Text(str(record.seq), justify="right"),
            Text(self._format_time(record.created_at)),
            Text(kind_of(record)),
            Text(mode_of(record)),
            counts_of(record),
            message,
            Text(shorten(author_of(record), 32)),
        ]
        if undone:
            for cell in cells:
                cell.stylize("dim")
        return cells

    # -- the diff of the highlighted record -------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.query_one("#history-diff", Static).update(self.detail(self._records[int(event.row_key.value)]))
            self.query_one("#history-detail").scroll_home(animate=False)

    def detail(self, record: PatchRecord) -> Text:
        text = Text()
        text.append(
            f"#{record.seq} {kind_of(record)} · {mode_of(record)} · {self._format_time(record.created_at)}"
            f" · v{record.version_before}→v{record.version_after} · ",
            style="bold",
        )
        text.append(author_of(record), style="bold magenta")
        if record.message:
            text.append("\n")
            text.append(record.message)
        if record.rejected_ops:
            count = len(record.rejected_ops)
            text.append(f"\n{count} operation{'s' if count != 1 else ''} rejected in review", style="yellow")
        if record.seq in self._undone:
            text.append("\nUndone: this change is not in the project now.", style="italic dim")
        text.append("\n\n")
        try:
            found = entries_for(record, self._tree_before(record.seq))
        except TaskforgeError as exc:  # a stored history that does not lead to the current tree
            text.append(f"This change cannot be shown: {exc}", style="red")
        else:
            text.append_text(render(found, record.patch.rationale))
        return text

    def _tree_before(self, seq: int) -> Tree:
        if seq not in self._trees:
            if self._failure is not None:  # the walk cannot go further back than where it failed
                raise self._failure
            try:
                for record, tree in self._walk:  # resumes where the previous call stopped
                    self._trees[record.seq] = tree
                    if record.seq == seq:
                        break
            except TaskforgeError as exc:
                self._failure = exc
                raise
        return self._trees[seq]

    # -- actions ----------------------------------------------------------------------------------

    def action_show(self) -> None:
        """Enter moves between the list and its diff, where the arrows then scroll a long diff."""
        table, pane = self.query_one(DataTable), self.query_one("#history-detail")
        (table if pane.has_focus else pane).focus()

    def action_close(self) -> None:
        self.dismiss()
