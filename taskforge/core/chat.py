"""A line of a conversation with the planner. Kept apart from the patch models so that reading it is cheap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatMessage:
    """One line of a project's (or a focused task's) conversation with the planner."""

    role: str  # "user", "agent" or "note"
    content: str
    focus: str | None
    patch_seq: int | None
    created_at: str
