"""What every planner is given and what it gives back.

A planner turns a `PlanRequest` (the project as it stands, the mode, the focus, the conversation and the
user's message) into a `Draft`: only `rationale`, `meta_updates` and `task_patches`. It never sees or sets
the project id or base version, and it never writes anything: the service wraps the draft into a
`ProjectPatch` from the context it built, validates it, and the user reviews it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from taskforge.core.chat import ChatMessage
from taskforge.core.errors import TaskforgeError
from taskforge.core.models import Mode
from taskforge.core.patches import MetaUpdates, Problem, TaskPatch
from taskforge.core.tree import Tree


class PlanReply(BaseModel):
    """The part of a patch a planner may decide; everything else comes from the service."""

    model_config = ConfigDict(extra="forbid")

    rationale: str = Field("", max_length=5_000, description="One or two sentences for the user: what this patch does and why")
    meta_updates: MetaUpdates = Field(
        default_factory=MetaUpdates, description="Changes to the project itself; {} when there are none"
    )
    task_patches: list[TaskPatch] = Field(
        default_factory=list, description="The operations, applied in this order"
    )

    @property
    def empty(self) -> bool:
        return not self.task_patches and not self.meta_updates.model_fields_set


@dataclass(frozen=True)
class PlanRequest:
    tree: Tree  # the project as it stands; an empty tree at version 0 for a new project
    mode: Mode  # Mode.PROJECT or Mode.TASK
    focus: str | None  # the focused task's key in task mode
    message: str  # the user's message, cleaned of control characters
    conversation: tuple[ChatMessage, ...] = ()  # the recent part, oldest first
    new_project: bool = False
    document: str = ""  # a written brief to plan from (`plan --file`), the user's data like the message
    document_name: str = ""  # where it came from, e.g. "PRD.md"


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: int = 0
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass
class Draft:
    reply: PlanReply
    model: str | None = None
    usage: Usage = field(default_factory=Usage)
    # False when the planner did not understand the message: the rationale then says what it does
    # understand, and there is no patch to review.
    understood: bool = True


@dataclass(frozen=True)
class Progress:
    """What a planner reports while it works, so a shell can show a live spinner."""

    elapsed: float
    received_chars: int = 0
    completion_tokens: int | None = None
    attempt: int = 1
    model: str | None = None


def describe_progress(elapsed: float, progress: Progress | None) -> str:
    """`Planning… 3.2 s · openai/gpt-4o · 412 tokens`: the spinner's words, for the CLI and the TUI."""
    text = f"Planning… {elapsed:.1f} s"
    if progress is not None:
        if progress.model:
            text += f" · {progress.model}"
        if progress.completion_tokens:
            text += f" · {progress.completion_tokens:,} tokens"
        elif progress.received_chars:
            text += f" · {progress.received_chars:,} characters received"
        if progress.attempt > 1:
            text += f" · attempt {progress.attempt}"
    return text


ProgressCallback = Callable[[Progress], None]
# The service's validator: the problems a reply would have as a patch on the current project.
Check = Callable[[PlanReply], list[Problem]]


class PlannerError(TaskforgeError):
    """The planner could not produce a usable patch; the message says why, in one line."""


class Cancelled(TaskforgeError):
    exit_code = 130

    def __init__(self) -> None:
        super().__init__("cancelled")


class Planner(Protocol):
    name: str  # "offline" or "litellm"

    def plan(
        self,
        request: PlanRequest,
        check: Check,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Draft: ...


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def ms(self) -> int:
        return round(self.elapsed * 1000)
