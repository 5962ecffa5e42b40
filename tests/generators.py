"""Deterministic generated projects of any size, for tests that need volume."""

from __future__ import annotations

import random

from taskforge.core.models import MAX_DEPTH
from taskforge.core.patches import Op, ProjectPatch, TaskFields, TaskPatch

WORDS = ["design", "build", "test", "review", "deploy", "document", "migrate", "audit", "refactor", "measure", "plan", "ship"]


def generated_patch(project_id: str, count: int, *, roots: int = 6, seed: int = 7) -> ProjectPatch:
    """`count` creates: `roots` root tasks, the rest under random parents no deeper than MAX_DEPTH."""
    rng = random.Random(seed)
    depth: dict[str, int] = {}
    open_parents: list[str] = []
    ops = []
    for n in range(count):
        task_id = f"n{n}"
        parent = None if n < roots else rng.choice(open_parents)
        depth[task_id] = 1 if parent is None else depth[parent] + 1
        if depth[task_id] < MAX_DEPTH:
            open_parents.append(task_id)
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} #{n}"
        ops.append(TaskPatch(op=Op.CREATE, task_id=task_id, body=TaskFields(title=title, parent_task_id=parent)))
    return ProjectPatch(project_id=project_id, base_version=0, task_patches=ops)
