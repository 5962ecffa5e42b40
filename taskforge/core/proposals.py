"""A proposal waiting in the review queue: a patch an agent made, and what a person decided about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from taskforge.core.models import Mode
from taskforge.core.patches import ProjectPatch


class ProposalState(StrEnum):
    PENDING = "pending"  # waiting for review, on the project's current version
    STALE = "stale"  # waiting, but the project moved on since: re-based when reviewed
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# What agents may do in a project without review.
PERMISSIONS = ("progress",)


@dataclass(frozen=True)
class QueuedProposal:
    id: int
    project_id: str
    state: ProposalState  # as stored: pending, accepted or rejected (stale is `state_at` a newer version)
    author: str
    rationale: str
    patch: ProjectPatch
    base_version: int
    created_at: datetime
    message: str = ""
    mode: Mode = Mode.PROJECT
    focus: str | None = None
    planner: str = "mcp"
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    change_seq: int | None = None
    kept_ops: list[int] | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    def state_at(self, version: int) -> ProposalState:
        """Its state for a project at `version`: a pending proposal on an older base is stale."""
        if self.state is ProposalState.PENDING and self.base_version != version:
            return ProposalState.STALE
        return self.state

    @property
    def operations(self) -> int:
        return len(self.patch.task_patches)

    def rejected_ops(self) -> list[int]:
        kept = set(self.kept_ops or ())
        return [index for index in range(self.operations) if index not in kept]
