"""An import's patch on the empty project it creates, worked out in one pass instead of a replay.

An import brings its tasks in with their keys (`T1`…`Tn`), parents before children, and their
dependencies in updates after every create (`export/building.py` makes it so, and has already refused
unknown parents, loops, depth and cycles, naming the record at fault). On an empty tree such a patch
can only do one thing: every task lands at the end of its parent's list, the resolved patch is the
patch with those positions, and the inverse takes the dependencies away and deletes the tasks, last
first. `first_patch` computes exactly that, as the stored JSON and the rows to insert, without building
a task model per operation; a 10,000-task import spends most of a replay on those.

It checks what the replay would check for such a patch and gives up (None) on anything else — any other
shape of patch, or one with a problem — so that the caller replays it and reports the problem in the
replay's own words. tests/core/test_fresh.py holds it to the replay, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from taskforge.core.limits import MAX_DEPTH
from taskforge.core.models import Project, key_number
from taskforge.core.patches import Op, ProjectPatch, TaskFields, compact_json, dependency_cycle

# The stored patch is pydantic's JSON: fields in the model's order, compact, non-ASCII as it is.
_FIELD_ORDER = tuple(TaskFields.model_fields)
_TASK_FIELDS = tuple(name for name in _FIELD_ORDER if name not in ("parent_task_id", "position", "depends_on"))
_CLEARS_TO: dict[str, Any] = {"description": "", "acceptance_criteria": [], "tags": []}
_NOT_NULL = frozenset({"title", "status", "priority"})
_ENUMS = frozenset({"status", "priority"})
_CREATE_FIELDS = frozenset(_FIELD_ORDER) - {"position"}  # dependencies only when empty: see first_patch


@dataclass
class NewTask:
    """A created task as it will be stored: its fields after the patch, in the task table's terms."""

    key: str
    parent: str | None
    position: int
    values: dict[str, Any]  # the `Task` fields other than key, parent and dependencies (enums as their values)
    depends_on: list[str]


@dataclass
class FirstPatch:
    tasks: list[NewTask]  # in the patch's order: parents before children
    rationale: str
    resolved: list[dict[str, Any]]  # the resolved patch's operations
    inverse: list[dict[str, Any]]  # those of the patch that takes it back
    next_key: int

    def documents(self, project_id: str) -> tuple[str, str]:
        """The resolved patch and its inverse as the history keeps them (JSON), for the id the project got."""
        head = {"project_id": project_id, "base_version": 0}
        return (
            compact_json({**head, "rationale": self.rationale, "meta_updates": {}, "task_patches": self.resolved}),
            compact_json({**head, "base_version": 1, "rationale": "", "meta_updates": {}, "task_patches": self.inverse}),
        )


def first_patch(project: Project, patch: ProjectPatch) -> FirstPatch | None:
    """The result of applying `patch` in import mode to `project` while it has no tasks; None when the
    patch is not creates (with their keys) followed by dependency updates, or when the replay would
    refuse it."""
    if patch.project_id != project.id or patch.base_version != 0 or patch.meta_updates.model_fields_set:
        return None
    tasks: dict[str, NewTask] = {}
    depth: dict[str | None, int] = {None: 0}
    children: dict[str | None, int] = {None: 0}
    resolved: list[dict[str, Any]] = []
    linked: list[str] = []
    for task_patch in patch.task_patches:
        body = task_patch.body
        if task_patch.cascade or body is None:
            return None
        if task_patch.op is Op.UPDATE:
            if not _link(task_patch.task_id, body, tasks, linked):
                return None
            resolved.append({"op": "update", "task_id": task_patch.task_id,
                             "body": {"depends_on": tasks[task_patch.task_id].depends_on}})
            continue
        if task_patch.op is not Op.CREATE or linked:
            return None
        key = task_patch.task_id
        given = body.model_fields_set
        number = key_number(key)
        if (number is None or number >= project.next_key or key in tasks or "title" not in given
                or not given <= _CREATE_FIELDS or body.depends_on):
            return None
        parent = body.parent_task_id
        if parent not in depth or depth[parent] >= MAX_DEPTH:
            return None
        fields = body.__dict__
        values = {name: fields[name] for name in _TASK_FIELDS if name in given}
        for name, value in values.items():
            if value is None:
                if name in _NOT_NULL:
                    return None
                values[name] = _CLEARS_TO.get(name)
            elif name in _ENUMS:
                values[name] = value.value  # the text the table holds
        position = children.get(parent, 0)
        children[parent] = position + 1
        children[key] = 0
        depth[key] = depth[parent] + 1
        tasks[key] = NewTask(key, parent, position, values, [])
        # _TASK_FIELDS runs in the model's order, after these two: the body's keys come out as pydantic writes them.
        resolved.append({"op": "create", "task_id": key, "body": {"parent_task_id": parent, "position": position, **values}})
    if linked and dependency_cycle({key: task.depends_on for key, task in tasks.items()}):
        return None
    inverse = [{"op": "update", "task_id": key, "body": {"depends_on": []}} for key in reversed(linked)]
    inverse += [{"op": "delete", "task_id": key} for key in reversed(tasks)]
    return FirstPatch(list(tasks.values()), patch.rationale, resolved, inverse, project.next_key)


def _link(key: str, body: TaskFields, tasks: dict[str, NewTask], linked: list[str]) -> bool:
    """A dependency update on a task this patch made, once per task, naming other tasks it made."""
    if body.model_fields_set != {"depends_on"} or key not in tasks or tasks[key].depends_on:
        return False
    deps = body.depends_on or []
    if not deps or len(set(deps)) != len(deps) or key in deps or any(dep not in tasks for dep in deps):
        return False
    tasks[key].depends_on = list(deps)
    linked.append(key)
    return True

