"""The project picker: switch to another project, or start a new one from a goal."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from taskforge.present import summary_text
from taskforge.store.interface import ProjectSummary

NEW_PROJECT = "\0new"  # cannot collide with a project id: ids are slugs


class ProjectPicker(ModalScreen[str | None]):
    """Dismisses with a project id, `NEW_PROJECT`, or None when the user backs out."""

    CSS_PATH = "projects.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="projects.close"),
    ]

    def __init__(self, projects: list[ProjectSummary], current: str | None) -> None:
        super().__init__()
        self.projects = projects
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("+ New project from a goal…", style="bold cyan"), id=NEW_PROJECT)]
        options += [Option(summary_text(p, p.id == self.current), id=p.id) for p in self.projects]
        with Vertical(classes="picker"):
            yield Static(Text("Projects", style="bold"), classes="title")
            yield OptionList(*options)
            yield Static(Text("enter opens · escape closes", style="dim"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [p.id for p in self.projects]
        options.highlighted = ids.index(self.current) + 1 if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
