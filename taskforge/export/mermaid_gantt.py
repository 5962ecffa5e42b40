"""A Mermaid `gantt` chart: a section per root task, a bar per task, placed by its dependencies.

    gantt
        title New user authentication flow
        dateFormat YYYY-MM-DD
        section T1 Design the journeys
        T1 Design the journeys :done, T1, 2025-03-03, 3d
        T5 Wireframes :active, crit, T5, after T1 T4, 12h
        T6 Sign-off :milestone, T6, after T5, 0d

A task starts after the tasks it depends on, or on the first day when it depends on none. Its bar
lasts its estimate (a parent without one: its sub-tasks' together), drawn in calendar time at one
working day (8 hours) per day; a task without any estimate is a milestone. Done tasks are `done`,
tasks in progress `active`, critical ones `crit`. Each label starts with the key, which also keeps a
title such as "section 2" or "click here" from reading as a Mermaid keyword.
"""

from __future__ import annotations

from datetime import date

from taskforge.core.limits import MINUTES_PER_DAY
from taskforge.core.models import Priority, Status
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope, left_out, outline, utc_now
from taskforge.export.mermaid_text import label


def losses(tree: Tree, root: str | None = None) -> list[str]:
    return left_out("mermaid", tree, root, ["description", "acceptance_criteria", "tags", "actual_minutes"])


def render(tree: Tree, root: str | None = None, *, start: date | None = None) -> str:
    first_day = (start or utc_now().date()).isoformat()
    rollups = tree.rollups()
    scope = in_scope(tree, root)
    lines = ["gantt", f"    title {label(tree.project.title)}", "    dateFormat YYYY-MM-DD"]
    for key, depth in outline(tree, root):
        task = tree[key]
        if depth == 1:
            lines.append(f"    section {key} {label(task.title)}")
        minutes = rollups[key].estimate_minutes  # its own estimate, else its sub-tasks' together
        tags = []
        if task.status is Status.DONE:
            tags.append("done")
        elif task.status is Status.DOING:
            tags.append("active")
        if task.priority is Priority.CRITICAL:
            tags.append("crit")
        if not minutes:
            tags.append("milestone")
        depends = dependencies(tree, key, scope)
        begin = "after " + " ".join(depends) if depends else first_day
        data = ", ".join([*tags, key, begin, duration(minutes)])
        lines.append(f"    {key} {label(task.title)} :{data}")
    return "\n".join(lines) + "\n"


def duration(minutes: int | None) -> str:
    """Working time as calendar time: a working day of 8 hours is drawn as a day."""
    if not minutes:
        return "0d"
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY}d"
    hours = f"{minutes * 24 / MINUTES_PER_DAY:.2f}".rstrip("0").rstrip(".")
    return f"{hours}h"
