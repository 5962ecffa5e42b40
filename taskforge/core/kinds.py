"""The enumerations and key rules of the domain, without pydantic.

`models.py` builds the pydantic models on these and re-exports them. They live apart so that code that
only reads a project (the tree, the lean export path) can use them without importing pydantic, which
costs a short-lived command more than its work.
"""

from __future__ import annotations

import re
from enum import StrEnum

KEY_PATTERN = re.compile(r"T[1-9][0-9]{0,8}")  # up to MAX_KEY_NUMBER (core.limits): nine digits


class Status(StrEnum):
    TODO = "todo"
    DOING = "doing"
    BLOCKED = "blocked"
    DONE = "done"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"


class Mode(StrEnum):
    """Why a patch is applied; decides which invariants beyond the structural ones apply."""

    PROJECT = "project"  # high-level planning: at most 6 new root tasks
    TASK = "task"  # decomposition: every operation stays inside the focused subtree
    EDIT = "edit"  # a direct edit by the user
    IMPORT = "import"  # a whole tree brought in from a file
    UNDO = "undo"
    REDO = "redo"


def key_number(key: str) -> int | None:
    """The number in a canonical key (`T12` → 12), or None for anything else (temporary ids)."""
    return int(key[1:]) if KEY_PATTERN.fullmatch(key) else None
