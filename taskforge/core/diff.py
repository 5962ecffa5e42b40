"""A patch as the user reviews it: one entry per operation, with field-level before → after.

The entries, headlines and details are plain data and strings, no styles: `taskforge.present` renders
them, the same way for the CLI and the TUI's review modal and history screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from taskforge.core.models import Mode
from taskforge.core.patches import Op, ProjectPatch, Result, Step, replay
from taskforge.core.text import plural, truncate
from taskforge.core.tree import Tree, format_minutes

SIGNS = {"create": "+", "update": "~", "delete": "-", "meta": "~"}


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str  # already formatted for display; "" when the field had no value
    after: str


@dataclass(frozen=True)
class DiffEntry:
    index: int | None  # the operation's index in the patch; None for project metadata
    kind: str  # create | update | delete | meta
    task_id: str  # as the patch wrote it (a temporary id for a create)
    key: str  # the real key
    title: str
    changes: tuple[FieldChange, ...] = ()
    removed: tuple[str, ...] = ()  # keys a cascading delete takes with it, the task itself first

    @property
    def sign(self) -> str:
        return SIGNS[self.kind]


def diff(patch: ProjectPatch, tree: Tree, mode: Mode = Mode.PROJECT, focus: str | None = None) -> list[DiffEntry]:
    """The entries of a patch against the tree it would apply to (invalid operations are left out)."""
    return entries(replay(patch, tree, mode, focus))


def entries(result: Result) -> list[DiffEntry]:
    found: list[DiffEntry] = []
    project = result.tree.project
    changes = tuple(
        FieldChange(name, _value(name, before), _value(name, getattr(project, name)))
        for name, before in result.meta_before.items()
        if before != getattr(project, name)
    )
    if changes:
        found.append(DiffEntry(None, "meta", project.id, project.id, project.title, changes))
    found.extend(_entry(step) for step in result.steps)
    return found


def _entry(step: Step) -> DiffEntry:
    if step.op is Op.CREATE:
        task = step.after
        changes = [FieldChange("parent", "", _where(step.parent_after, step.position_after))]
        for name in ("description", "status", "priority", "estimate_minutes", "actual_minutes",
                     "acceptance_criteria", "depends_on", "tags"):
            value = getattr(task, name)
            if value not in (None, "", [], "todo", "medium"):
                changes.append(FieldChange(name, "", _value(name, value)))
        return DiffEntry(step.index, "create", step.task_id, step.key, task.title, tuple(changes))
    if step.op is Op.DELETE:
        return DiffEntry(step.index, "delete", step.task_id, step.key, step.before.title,
                         removed=tuple(step.removed))
    changes = []
    for name in step.fields:
        if name in ("parent_task_id", "position"):
            continue
        changes.append(FieldChange(name, _value(name, getattr(step.before, name)), _value(name, getattr(step.after, name))))
    if step.parent_before != step.parent_after or step.position_before != step.position_after:
        changes.append(FieldChange("moved", _where(step.parent_before, step.position_before),
                                   _where(step.parent_after, step.position_after)))
    return DiffEntry(step.index, "update", step.task_id, step.key, step.after.title, tuple(changes))


def _where(parent: str | None, position: int | None) -> str:
    place = f"under {parent}" if parent else "top level"
    return place if position is None else f"{place} #{position + 1}"


def _value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("estimate_minutes", "actual_minutes"):
        return format_minutes(value)
    if isinstance(value, list):
        return ", ".join(value) if name in ("depends_on", "tags") else f"{len(value)} item(s): " + " | ".join(value)
    if name in ("title", "description", "summary"):
        return json.dumps(_shorten(str(value)), ensure_ascii=False)
    return str(value)


def _shorten(text: str, limit: int = 80) -> str:
    return truncate(text.replace("\n", " ⏎ "), limit)


FIELD_LABELS = {
    "estimate_minutes": "estimate",
    "actual_minutes": "spent",
    "acceptance_criteria": "acceptance",
    "depends_on": "depends on",
}


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def headline(entry: DiffEntry) -> str:
    """`+ T7 Write docs` / `- T4 Old (and 3 sub-tasks)`: the first line of an entry, unstyled."""
    key = entry.key if entry.task_id == entry.key else f"{entry.task_id} → {entry.key}"
    if entry.kind == "meta":
        return f"{entry.sign} project {entry.key}"
    text = f"{entry.sign} {key}  {entry.title}"
    if len(entry.removed) > 1:
        text += f"  (and {plural(len(entry.removed) - 1, 'sub-task')})"
    return text


def detail(change: FieldChange) -> str:
    if not change.before:
        return f"{label(change.name)}: {change.after}"
    if not change.after:
        return f"{label(change.name)}: {change.before} → (cleared)"
    return f"{label(change.name)}: {change.before} → {change.after}"

