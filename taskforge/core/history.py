"""Patch records and the undo/redo stacks they imply. History is append-only: undo is a new record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from taskforge.core.models import Mode
from taskforge.core.patches import ProjectPatch


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

