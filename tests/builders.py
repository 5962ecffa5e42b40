"""Small builders for patch documents, so tests read like the operations they send."""

from __future__ import annotations

from taskforge.core.patches import ProjectPatch, parse_patch


def patch(*ops: dict, base: int = 1, project: str = "sample", meta: dict | None = None) -> ProjectPatch:
    document: dict = {"project_id": project, "base_version": base, "task_patches": list(ops)}
    if meta is not None:
        document["meta_updates"] = meta
    return parse_patch(document)


def create(task_id: str, title: str = "New task", **body) -> dict:
    return {"op": "create", "task_id": task_id, "body": {"title": title, **body}}


def update(task_id: str, **body) -> dict:
    return {"op": "update", "task_id": task_id, "body": body}


def delete(task_id: str, cascade: bool = False) -> dict:
    op = {"op": "delete", "task_id": task_id}
    if cascade:
        op["cascade"] = True
    return op


def chain(parent: str, names: list[str]) -> list[dict]:
    """Creates that nest each new task under the one before, starting below `parent`."""
    ops = []
    for name in names:
        ops.append(create(name, f"Level {name}", parent_task_id=parent))
        parent = name
    return ops
