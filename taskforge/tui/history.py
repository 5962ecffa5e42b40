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

from taskforge.core.errors import TaskforgeError
from taskforge.core.history import PatchRecord, RecordKind, entries_for, stacks, walk_back
from taskforge.core.tree import Tree
from taskforge.present import HISTORY_COLUMNS, diff_text, history_cells, history_heading, local_time


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
        table.add_columns(*(column.title for column in HISTORY_COLUMNS))
        for record in sorted(self._records.values(), key=lambda r: r.seq, reverse=True):
            table.add_row(*self._cells(record), key=str(record.seq))
        if not self._records:
            self.query_one("#history-diff", Static).update(Text("No changes yet.", style="dim"))
        table.focus()

    def _cells(self, record: PatchRecord) -> list[Text]:
        return history_cells(record, self._format_time, undone=record.seq in self._undone)

    # -- the diff of the highlighted record -------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.query_one("#history-diff", Static).update(self.detail(self._records[int(event.row_key.value)]))
            self.query_one("#history-detail").scroll_home(animate=False)

    def detail(self, record: PatchRecord) -> Text:
        text = history_heading(record, self._format_time, undone=record.seq in self._undone)
        text.append("\n\n")
        try:
            found = entries_for(record, self._tree_before(record.seq))
        except TaskforgeError as exc:  # a stored history that does not lead to the current tree
            text.append(f"This change cannot be shown: {exc}", style="red")
        else:
            text.append_text(diff_text(found, record.patch.rationale))
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
