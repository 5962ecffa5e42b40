"""Domain objects. Widgets, the CLI and exporters only ever see these, never ORM rows."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: defined without pydantic in core.kinds and core.limits, imported from here by most code.
from taskforge.core.kinds import KEY_PATTERN as KEY_PATTERN
from taskforge.core.kinds import Mode as Mode
from taskforge.core.kinds import Priority as Priority
from taskforge.core.kinds import ProjectStatus as ProjectStatus
from taskforge.core.kinds import Status as Status
from taskforge.core.kinds import key_number as key_number
from taskforge.core.limits import MAX_DEPTH as MAX_DEPTH

M = TypeVar("M", bound=BaseModel)
SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


class Task(BaseModel):
    """A task in a project's tree. Its sibling order lives in the tree, not here."""

    model_config = ConfigDict(extra="forbid")

    key: str
    parent_key: str | None = None
    title: str
    description: str = ""
    status: Status = Status.TODO
    priority: Priority = Priority.MEDIUM
    estimate_minutes: int | None = None
    actual_minutes: int | None = None
    acceptance_criteria: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


# Every field of a Task, as the fields-set of tasks built with `trusted` (one set for all of them: pydantic
# only ever adds to a model's fields-set, on assignment, and adding a field already in it changes nothing).
TASK_FIELDS_SET = set(Task.model_fields)


class Project(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    summary: str = ""
    status: ProjectStatus = ProjectStatus.DRAFT
    version: int = 0
    # The number the next new key gets: keys are never reused, so this only grows.
    next_key: int = 1


def slugify(text: str, fallback: str = "project") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


_new = object.__new__
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any], fields_set: set[str] | None = None) -> M:
    """A model from values that are already valid, without validating them again.

    For hot paths that rebuild models from what validated models produced (rows this taskforge
    wrote, fields copied from a validated patch): it is what `model_construct` does, minus the
    per-field default handling that makes it slower than validation. `values` must hold every
    field, and becomes the model's `__dict__`; `fields_set` says which count as set (default: all).
    tests/core/test_models.py proves the result is indistinguishable from a validated model.
    """
    model = _new(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values) if fields_set is None else fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
