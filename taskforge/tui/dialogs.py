"""Small modal dialogs: one line of text to type, or a yes/no question."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from taskforge.core.limits import TITLE_MAX


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line (a title); enter submits, escape cancels with None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self, question: str, value: str = "", placeholder: str = "", max_length: int = TITLE_MAX, hint: str = ""
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.max_length = max_length
        self.hint = hint or "enter saves · escape cancels"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="question")
            yield Input(value=self.value, placeholder=self.placeholder, max_length=self.max_length)
            yield Static(Text(self.hint, style="dim"), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question: y or enter confirms, n or escape declines."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            yield Static(Text("y / enter: yes · n / escape: no", style="dim"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
