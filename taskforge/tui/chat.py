"""The chat pane: the conversation with the planner, a live spinner while it works, and the input."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static

from taskforge.present import message_text
from taskforge.present import progress_text as progress_text  # re-exported: tui/app.py imports it from here
from taskforge.tui.message_input import MessageInput

if TYPE_CHECKING:
    from taskforge.core.chat import ChatMessage

SHOWN_MESSAGES = 50  # older turns stay in the database; the pane is for the conversation at hand


class ChatPane(Vertical):
    """Messages above, the input below. The main screen does the planning; this pane only shows and asks.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel the planner's work in progress (the screen's `cancel_planning`). |

    Attributes:
        busy: True while the planner works: the pane shows the status line (the spinner) below the messages.

    Posts `ChatPane.Submitted` with the text when the user submits a non-blank message.
    """

    DEFAULT_CSS = """
    ChatPane {
        border: round $secondary 50%;
        border-title-color: $text-muted;

        &:focus-within {
            border: round $secondary;
            border-title-color: $text;
        }
        & > #chat-log {
            height: 1fr;
            padding: 0 1;
            scrollbar-size-vertical: 1;

            & > .message {
                margin-bottom: 1;
            }
        }
        & > #chat-status {
            height: auto;
            padding: 0 1;
            display: none;
        }
        &.-busy > #chat-status {
            display: block;
        }
        & > #chat-input {
            border: tall $surface-lighten-1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "screen.cancel_planning", "Cancel", id="chat.cancel"),
    ]

    busy: reactive[bool] = reactive(False)
    """True while the planner works: the status line (the spinner) shows."""

    class Submitted(Message):
        """The user submitted a message (not blank): `text` is what they typed."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="chat-log")
        yield Static("", id="chat-status")
        yield MessageInput(placeholder="Describe a goal…", id="chat-input", select_on_focus=False)

    @property
    def input(self) -> Input:
        return self.query_one("#chat-input", Input)

    @property
    def log_view(self) -> VerticalScroll:
        return self.query_one("#chat-log", VerticalScroll)

    def show_conversation(self, messages: list[ChatMessage]) -> None:
        log = self.log_view
        log.remove_children()
        log.mount_all(Static(message_text(m.role, m.content), classes=f"message {m.role}") for m in messages[-SHOWN_MESSAGES:])
        log.scroll_end(animate=False)

    def add(self, role: str, content: str) -> None:
        log = self.log_view
        log.mount(Static(message_text(role, content), classes=f"message {role}"))
        log.scroll_end(animate=False)

    def set_status(self, text: Text | str) -> None:
        self.query_one("#chat-status", Static).update(Text(text) if isinstance(text, str) else text)

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        if not busy:
            self.set_status("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if text.strip():
            # Cleared at once, in the same turn as the enter key: what is typed next starts a new message
            # instead of running on into this one. The screen puts the text back if it cannot be sent.
            self.input.value = ""
            self.post_message(self.Submitted(text))

    def restore(self, text: str) -> None:
        """Put a message that was not sent back in the input, unless the user has typed something since."""
        if not self.input.value:
            self.input.value = text
            self.input.cursor_position = len(text)
