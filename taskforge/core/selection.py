"""Accepting part of a patch: which operations lean on which, and the patch that the kept ones make.

An operation that names a temporary id (as its target, its parent or a dependency) needs the `create`
that introduced that id. Turning that `create` off must turn the dependent operations off too, and
turning a dependent on must turn its `create` back on; otherwise the kept part could not apply.
"""

from __future__ import annotations

from collections.abc import Iterable

from taskforge.core.history import RejectedOp
from taskforge.core.patches import Op, ProjectPatch, TaskPatch


def _references(task_patch: TaskPatch) -> set[str]:
    refs = {task_patch.task_id} if task_patch.op is not Op.CREATE else set()
    body = task_patch.body
    if body is not None:
        if body.parent_task_id is not None:
            refs.add(body.parent_task_id)
        refs.update(body.depends_on or ())
    return refs


def requirements(patch: ProjectPatch) -> dict[int, set[int]]:
    """For each operation, the earlier `create`s whose temporary ids it uses."""
    created_by: dict[str, int] = {}
    needs: dict[int, set[int]] = {}
    for index, task_patch in enumerate(patch.task_patches):
        needs[index] = {created_by[ref] for ref in _references(task_patch) if ref in created_by}
        if task_patch.op is Op.CREATE:
            created_by[task_patch.task_id] = index
    return needs


def _closure(start: Iterable[int], edges: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(start)
    while stack:
        index = stack.pop()
        if index in seen:
            continue
        seen.add(index)
        stack.extend(edges.get(index, ()))
    return seen


def turned_off_with(patch: ProjectPatch, index: int) -> set[int]:
    """Turning `index` off turns these off too (itself included)."""
    dependents: dict[int, set[int]] = {}
    for op, needed in requirements(patch).items():
        for need in needed:
            dependents.setdefault(need, set()).add(op)
    return _closure([index], dependents)


def turned_on_with(patch: ProjectPatch, index: int) -> set[int]:
    """Turning `index` on turns these on too (itself included)."""
    return _closure([index], requirements(patch))


def consistent(patch: ProjectPatch, kept: Iterable[int]) -> set[int]:
    """The largest part of `kept` whose requirements are all kept."""
    kept = set(kept)
    needs = requirements(patch)
    changed = True
    while changed:
        changed = False
        for index in sorted(kept):
            if not needs[index] <= kept:
                kept.discard(index)
                changed = True
    return kept


def subset(patch: ProjectPatch, kept: Iterable[int]) -> tuple[ProjectPatch, list[RejectedOp]]:
    """The patch made of the kept operations, in their order, and the ones turned down."""
    kept = consistent(patch, kept)
    operations = [tp for i, tp in enumerate(patch.task_patches) if i in kept]
    rejected = [
        RejectedOp(index=i, op=tp.model_dump(mode="json", exclude_unset=True))
        for i, tp in enumerate(patch.task_patches)
        if i not in kept
    ]
    partial = patch.model_copy(update={"task_patches": operations})
    return partial, rejected
