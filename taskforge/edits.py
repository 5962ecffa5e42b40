"""Direct edits a user makes on one task: each is an ordinary audited patch, so undo and history see it.

The TUI's `r`, `s`, `x` and `n` keys call these; they need no review because the user typed the change.
"""

from __future__ import annotations

from taskforge.core.errors import BadInput, UnknownTask
from taskforge.core.history import Provenance
from taskforge.core.models import MAX_DEPTH, Mode, Status
from taskforge.core.patches import ProjectPatch, TaskPatch
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from taskforge.store.interface import Applied, Repository

STATUS_CYCLE = list(Status)  # todo → doing → blocked → done → todo


def next_status(status: Status) -> Status:
    return STATUS_CYCLE[(STATUS_CYCLE.index(status) + 1) % len(STATUS_CYCLE)]


def _title(text: str) -> str:
    title = clean_line(text)
    if not title:
        raise BadInput("a task needs a title")
    if len(title) > 200:
        raise BadInput(f"the title is too long ({len(title)} characters; at most 200)")
    return title


def _task(tree: Tree, key: str) -> None:
    if key not in tree:
        raise UnknownTask(tree.project.id, key)


def _apply(repo: Repository, tree: Tree, message: str, ops: list[dict]) -> Applied:
    patch = ProjectPatch(
        project_id=tree.project.id,
        base_version=tree.project.version,
        rationale=message,
        task_patches=[TaskPatch.model_validate(op) for op in ops],
    )
    return repo.apply_patch(patch, mode=Mode.EDIT, provenance=Provenance(message=message, planner="user"))


def rename(repo: Repository, tree: Tree, key: str, title: str) -> Applied:
    _task(tree, key)
    title = _title(title)
    if title == tree[key].title:
        raise BadInput(f"{key} is already called that")
    return _apply(repo, tree, f"rename {key}", [{"op": "update", "task_id": key, "body": {"title": title}}])


def cycle_status(repo: Repository, tree: Tree, key: str) -> Applied:
    _task(tree, key)
    status = next_status(tree[key].status)
    return _apply(
        repo, tree, f"mark {key} {status.value}", [{"op": "update", "task_id": key, "body": {"status": status.value}}]
    )


def add_child(repo: Repository, tree: Tree, parent: str | None, title: str) -> Applied:
    """A new task at the end of `parent`'s children (or of the top level when `parent` is None)."""
    if parent is not None:
        _task(tree, parent)
        if tree.depth(parent) >= MAX_DEPTH:
            raise BadInput(f"{parent} is at depth {MAX_DEPTH}, the deepest a task can be: it cannot have sub-tasks")
    title = _title(title)
    where = f"under {parent}" if parent else "at the top level"
    return _apply(
        repo, tree, f"add a task {where}",
        [{"op": "create", "task_id": "new", "body": {"parent_task_id": parent, "title": title}}],
    )


def delete(repo: Repository, tree: Tree, key: str) -> Applied:
    """Delete `key` with its sub-tasks; other tasks that depended on them stop depending on them first.

    The store rejects deleting a task others depend on, so the unlinking is spelled out as updates
    in the same patch: the history shows it and undo restores it.
    """
    _task(tree, key)
    gone = set(tree.subtree(key))
    ops: list[dict] = []
    for other, task in tree.tasks.items():
        if other not in gone and gone.intersection(task.depends_on):
            kept = [dep for dep in task.depends_on if dep not in gone]
            ops.append({"op": "update", "task_id": other, "body": {"depends_on": kept}})
    ops.append({"op": "delete", "task_id": key, "cascade": len(gone) > 1})
    return _apply(repo, tree, f"delete {key}", ops)
