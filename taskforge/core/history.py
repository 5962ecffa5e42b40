"""Patch records and the undo/redo stacks they imply. History is append-only: undo is a new record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

from taskforge.core.diff import DiffEntry, entries
from taskforge.core.models import Mode
from taskforge.core.patches import Limits, ProjectPatch, apply
from taskforge.core.text import clean_block
from taskforge.core.tree import Tree


class RecordKind(StrEnum):
    APPLY = "apply"
    UNDO = "undo"
    REDO = "redo"


class Provenance(BaseModel):
    """Who proposed a patch and why: what the audit log keeps beside the patch itself."""

    message: str = ""
    planner: str = "manual"
    model: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict)
    author: str | None = None  # who made the change (the setting `user`); None: unknown

    @field_validator("message")
    @classmethod
    def _clean(cls, value: str) -> str:
        """The history keeps text, never terminal control or unencodable characters (a -m, a file name)."""
        return clean_block(value)


class RejectedOp(BaseModel):
    """An operation the user turned down in review, with its index in the proposed patch."""

    index: int
    op: dict[str, Any]


class PatchRecord(BaseModel):
    seq: int
    kind: RecordKind
    target_seq: int | None = None  # the record an undo or redo acts on
    mode: Mode
    focus: str | None = None
    message: str = ""
    planner: str
    model: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict)
    patch: ProjectPatch
    inverse: ProjectPatch
    rejected_ops: list[RejectedOp] = Field(default_factory=list)
    version_before: int
    version_after: int
    created_at: datetime
    author: str | None = None  # None for records written before authors were kept

    def counts(self) -> dict[str, int]:
        return self.patch.counts()


def stacks(records: Iterable[PatchRecord]) -> tuple[list[int], list[int]]:
    """(done, undone): the seqs undo and redo would act on, most recent last."""
    done: list[int] = []
    undone: list[int] = []
    for record in records:
        if record.kind is RecordKind.UNDO:
            done.remove(record.target_seq)
            undone.append(record.target_seq)
        elif record.kind is RecordKind.REDO:
            undone.remove(record.target_seq)
            done.append(record.target_seq)
        else:
            done.append(record.seq)
            undone.clear()
    return done, undone


# Stored records were valid when they were applied, and may be imports far above the per-patch limit.
_STORED = Limits(max_ops=10**9)


def walk_back(records: list[PatchRecord], current: Tree) -> Iterator[tuple[PatchRecord, Tree]]:
    """Each record, newest first, with the tree as it stood just before that record was applied.

    `current` must be the tree after the last record. Each step applies a stored inverse, whose
    base_version is its record's version_after, so a history that does not lead to `current`
    stops with a PatchError (a version conflict) instead of yielding wrong trees. Undo mode puts
    the retired keys of deleted tasks back and checks no planning-mode limits. `next_key` is left
    as it is now: keys only grow, and a higher one still lets every past create keep its key.
    """
    tree = current
    for record in reversed(records):
        tree = apply(record.inverse, tree, Mode.UNDO, limits=_STORED).tree
        # The engine counts versions forward; going back, the tree returns to the record's start.
        tree.project.version = record.version_before
        yield record, tree


def after_record(record: PatchRecord, before: Tree) -> Tree:
    """The tree `record` left, from `before`, the tree it was applied to (at `record.version_before`):
    its patch, keys resolved, lands the same way again. Raises PatchError when `before` is another tree."""
    return apply(record.patch, before, Mode.UNDO, limits=_STORED).tree


def entries_for(record: PatchRecord, before: Tree) -> list[DiffEntry]:
    """The diff of `record` against the tree it was applied to, with before → after values."""
    return entries(apply(record.patch, before, Mode.UNDO, limits=_STORED))
