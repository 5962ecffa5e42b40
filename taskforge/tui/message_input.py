"""The input a message to the planner is typed in: it holds at most MESSAGE_MAX characters, and says so
when a paste or a key would go past that, instead of taking text the planner would refuse anyway (a
megabyte pasted into a browser tab would otherwise be drawn as one line before it was refused)."""

from __future__ import annotations

from textual.widgets import Input

from taskforge.core.limits import MESSAGE_MAX


class MessageInput(Input):
    """An `Input` for messages to the planner: at most MESSAGE_MAX characters; more is refused with a notice."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=MESSAGE_MAX, **kwargs)

    def restricted(self) -> None:
        self.notify(
            f"A message holds at most {MESSAGE_MAX:,} characters: that was not added. "
            "For a longer brief use “New project from a file…”.",
            severity="warning",
        )
