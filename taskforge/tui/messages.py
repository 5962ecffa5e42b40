"""What the workers say when they finish: one typed message per outcome, handled on the screen that owns the state.

Workers never touch widgets. A thread worker does the blocking call (open the store, plan, write, load,
export) and posts one of these; the handler on the UI thread decides what the screen shows. An error a
user can cause arrives as a `…Refused`/`…Failed` message carrying a `TaskforgeError`; anything else is a
bug, and `TaskforgeApp.report_failure` shows it in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # the domain models load in the workers, after the first paint
    from taskforge.agent.service import AgentService, Proposal
    from taskforge.core.chat import ChatMessage
    from taskforge.core.errors import TaskforgeError
    from taskforge.core.history import PatchRecord
    from taskforge.core.schedule import Schedule
    from taskforge.core.tree import Tree
    from taskforge.mcp.queue import Review
    from taskforge.store.interface import Applied, Repository
    from taskforge.tui.writes import WriteJob


@dataclass
class StoreOpened(Message):
    """The database is open and the first project (if any) is loaded."""

    repo: Repository
    service: AgentService
    tree: Tree | None
    conversation: list[ChatMessage]
    keymap: dict[str, str]


@dataclass
class StoreRefused(Message):
    """The database cannot be opened: the app ends with this one line."""

    reason: str


@dataclass
class StoreChanged(Message):
    """Projects changed elsewhere: `(project_id, version)` pairs; `("*", -1)` means re-read everything.

    `connected` says whether the app can see changes now: while it is False, the screen keeps showing the
    last state it had.
    """

    changes: list[tuple[str, int]]
    connected: bool = True


@dataclass
class ProjectChanged(Message):
    """The project on screen, re-read after a change made elsewhere, with the records since `since`."""

    tree: Tree
    records: list[PatchRecord]
    since: int


@dataclass
class Scheduled(Message):
    """The critical path and what to do next, worked out for `tree` (the screen may have moved on since)."""

    tree: Tree
    plan: Schedule


@dataclass
class ProjectLoaded(Message):
    """A project (None: a new one, not written yet) and its project-mode conversation."""

    tree: Tree | None
    conversation: list[ChatMessage] = field(default_factory=list)


@dataclass
class Proposed(Message):
    """The planner answered the user's message with a proposal."""

    proposal: Proposal


@dataclass
class PlanningFailed(Message):
    """The planner gave no proposal: cancelled (`role` "note") or refused / failed (`role` "error")."""

    typed: str
    reason: str
    role: str


@dataclass
class Written(Message):
    """A queued write was applied."""

    job: WriteJob
    applied: Applied


@dataclass
class WriteRefused(Message):
    """A queued write was refused (a conflict, a rejected patch, nothing to undo): nothing was written."""

    job: WriteJob
    error: TaskforgeError

    @property
    def conflict(self) -> bool:
        return bool(getattr(self.error, "conflict", False))


@dataclass
class HistoryLoaded(Message):
    records: list[PatchRecord]
    tree: Tree


@dataclass
class Exported(Message):
    fmt: str
    path: Path


@dataclass
class BriefRead(Message):
    """A brief the user chose for a new project was read; planning from it can start."""

    path: Path
    text: str


@dataclass
class ActionRefused(Message):
    """A blocking read or export the user asked for could not be done: one line, nothing changed."""

    reason: str


@dataclass
class RemotesLoaded(Message):
    """The remotes of the project on screen (names), for the palette's Pull/Push commands."""

    project_id: str
    names: list[str]


@dataclass
class PullProposed(Message):
    """A pull read the remote: its proposal (or None: nothing to pull) and the open sync that accepts it."""

    sync: Any
    pulled: Any
    notes: list[str]


@dataclass
class Pushed(Message):
    report: Any


@dataclass
class SyncProgress(Message):
    """A line while a sync works: "waiting 12 s for GitLab's rate limit"."""

    text: str


@dataclass
class ProposalsCounted(Message):
    """How many agents' proposals wait for review in a project (the project bar's badge)."""

    project_id: str
    count: int


@dataclass
class ProposalOpened(Message):
    """The next queued proposal, re-based on the current tree (or the problems that keep it from applying)."""

    review: Review


@dataclass
class ProposalsDone(Message):
    """No more proposals wait in the project's queue."""
