"""Export the project to a file: pick a format, confirm the path."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from taskforge.export import EXPORTERS

SUFFIXES = {
    "json": ".json", "md": ".md", "csv": ".csv", "todotxt": ".todo.txt", "taskwarrior": ".taskwarrior.json",
    "mermaid": ".mmd", "mermaid-mindmap": ".mindmap.mmd", "ics": ".ics", "opml": ".opml",
    "taskmaster": ".tasks.json",
}


def default_path(project_id: str, fmt: str) -> str:
    return f"{project_id}{SUFFIXES.get(fmt, '.' + fmt)}"


class ExportDialog(ModalScreen[tuple[str, Path] | None]):
    """Dismisses with (format, path), or None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, project_id: str, fmt: str = "md") -> None:
        super().__init__()
        self.project_id = project_id
        self.fmt = fmt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Export the project", style="bold"), classes="question")
            yield Select([(name, name) for name in EXPORTERS], value=self.fmt, allow_blank=False, id="export-format")
            yield Input(value=default_path(self.project_id, self.fmt), id="export-path")
            yield Static(Text("enter writes the file · escape cancels", style="dim"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        if path.value == default_path(self.project_id, self.fmt):  # follow the format unless the user typed a path
            path.value = default_path(self.project_id, str(event.value))
        self.fmt = str(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss((self.fmt, Path(event.value.strip()).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
