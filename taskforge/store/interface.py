"""What the rest of taskforge sees of the store: the repository protocols and the plain results they return.

This module imports no database library, so that the read-only commands, which only need a `Reader`,
can open a lean SQLite reader without loading the ORM.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from taskforge.core.chat import ChatMessage
from taskforge.core.kinds import Mode, ProjectStatus

if TYPE_CHECKING:  # the patch models cost `show` 15 ms to build, and it needs none of them
    from taskforge.core.history import PatchRecord, Provenance, RejectedOp
    from taskforge.core.models import Project
    from taskforge.core.patches import ProjectPatch
    from taskforge.core.tree import Tree
    from taskforge.store.watch import ChangeWatcher


@dataclass(frozen=True)
class ProjectSummary:
    id: str
    title: str
    status: ProjectStatus
    version: int
    tasks: int
    done: int
    updated_at: str


# More writes for the same transaction as a patch: (the database connection, the record just written).
Alongside = Callable[[Any, "PatchRecord"], None]


class Applied:
    """What a write did: the audit record it appended and the tree as it now stands.

    `record` and `tree` may be given as functions that make them, called when first read: the record's
    patch and inverse are thousands of models for a large patch, already stored as JSON, and most callers
    only read its seq and versions; a write that did not need the whole tree reads it only for a caller
    that asks (the screen, once the write is done, outside its transaction)."""

    __slots__ = ("_record", "_tree", "key_map", "project_id")

    def __init__(
        self, record: PatchRecord | Callable[[], PatchRecord], tree: Tree | Callable[[], Tree], key_map: dict[str, str],
        project_id: str,
    ):
        self._record = record
        self._tree = tree
        self.key_map = key_map
        self.project_id = project_id

    @property
    def record(self) -> PatchRecord:
        if callable(self._record):  # a PatchRecord is not callable
            self._record = self._record()
        return self._record

    @property
    def tree(self) -> Tree:
        if callable(self._tree):  # neither is a Tree
            self._tree = self._tree()
        return self._tree

    def following(self, before: Tree | None) -> Tree:
        """`tree`, worked out from `before` when this write was applied to it (a tree its caller read at
        the record's `version_before`) instead of read again: a few operations on a big project cost
        what they do, not a whole load."""
        followed = before is not None and before.project.id == self.project_id
        if callable(self._tree) and followed and before.project.version == self.record.version_before:
            from taskforge.core.history import after_record
            from taskforge.core.patches import PatchError

            with contextlib.suppress(PatchError):  # not the tree it was applied to after all: read it
                self._tree = after_record(self.record, before)
        return self.tree

    def __repr__(self) -> str:
        return f"Applied(record={self._record!r}, tree={self._tree!r}, key_map={self.key_map!r})"


class Reader(Protocol):
    """The reads: all that `show`, `export`, `projects` and `history` need."""

    def projects(self) -> list[ProjectSummary]: ...
    def load(self, project_id: str) -> Tree: ...
    def history(self, project_id: str) -> list[PatchRecord]: ...
    def messages(self, project_id: str, focus: str | None, limit: int = 50) -> list[ChatMessage]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Reader: ...
    def __exit__(self, *exc) -> None: ...


class Repository(Reader, Protocol):
    def create_project(
        self, project: Project, patch: ProjectPatch, provenance: Provenance, mode: Mode = Mode.PROJECT,
        *, rename_if_taken: bool = True, rejected: Sequence[RejectedOp] = (),
    ) -> Applied: ...
    def apply_patch(
        self, patch: ProjectPatch, *, mode: Mode, focus: str | None = None,
        provenance: Provenance | None = None, rejected: Sequence[RejectedOp] = (), alongside: Alongside | None = None,
    ) -> Applied: ...
    def free_project_id(self, wanted: str) -> str: ...
    def undo(self, project_id: str, expected_version: int | None = None, *, author: str | None = None) -> Applied: ...
    def redo(self, project_id: str, expected_version: int | None = None, *, author: str | None = None) -> Applied: ...
    def add_message(self, project_id: str, focus: str | None, role: str, content: str, patch_seq: int | None = None) -> None: ...
    def add_messages(
        self, project_id: str, focus: str | None, messages: Sequence[tuple[str, str, int | None]]
    ) -> None: ...
    def watch(self) -> ChangeWatcher:
        """What other sessions change in this database, as it happens (see `taskforge.store.watch`)."""
        ...
