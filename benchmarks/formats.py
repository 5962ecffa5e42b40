"""The same generated tasks, written in each baseline tool's own format.

- Task Master: `.taskmaster/tasks/tasks.json` (tagged: `{"master": {"tasks": [...], "metadata": {...}}}`).
  It has two levels only, so each root is a task and everything below it is one of its subtasks.
- Backlog.md: one markdown file per task in `backlog/tasks/`, YAML front matter (`parent_task_id`
  links a sub-task to its parent at any depth), description and acceptance criteria sections.
- Taskwarrior: the JSON array `task import` reads; the hierarchy rides along in two UDAs.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from _common import walk

TM_STATUS = {"todo": "pending", "doing": "in-progress", "blocked": "blocked", "done": "done"}
TM_PRIORITY = {"low": "low", "medium": "medium", "high": "high", "critical": "high"}
BL_STATUS = {"todo": "To Do", "doing": "In Progress", "blocked": "To Do", "done": "Done"}
TW_PRIORITY = {"low": "L", "medium": "M", "high": "H", "critical": "H"}
STAMP = "2025-01-06T09:00:00.000Z"


def number(key: str) -> int:
    return int(key[1:])


# -- Task Master --------------------------------------------------------------------------------------


def write_taskmaster(document: dict, folder: Path) -> None:
    tasks = []
    for root in document["tasks"]:
        subtasks = []
        local = {}  # key -> subtask id under this root
        for task, _parent, _depth in walk(root["children"]):
            local[task["key"]] = len(subtasks) + 1
            subtasks.append({
                "id": len(subtasks) + 1,
                "title": task["title"],
                "description": task["description"] or task["title"],  # required by Task Master
                "details": "",
                "status": TM_STATUS[task["status"]],
                "dependencies": [local[d] for d in task["depends_on"] if d in local],
                "testStrategy": "; ".join(task["acceptance_criteria"]),
            })
        tasks.append({
            "id": len(tasks) + 1,
            "title": root["title"],
            "description": root["description"] or root["title"],
            "details": "",
            "testStrategy": "; ".join(root["acceptance_criteria"]),
            "status": TM_STATUS[root["status"]],
            "priority": TM_PRIORITY[root["priority"]],
            "dependencies": [],
            "subtasks": subtasks,
        })
    data = {"master": {"tasks": tasks, "metadata": {"created": STAMP, "updated": STAMP, "description": "Tasks for master context"}}}
    target = folder / ".taskmaster" / "tasks" / "tasks.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


# -- Backlog.md ---------------------------------------------------------------------------------------


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_backlog(document: dict, folder: Path) -> int:
    """Task files for every task; returns how many were written."""
    tasks_dir = folder / "backlog" / "tasks"
    tasks_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for ordinal, (task, parent, _depth) in enumerate(walk(document["tasks"]), start=1):
        ident = f"TASK-{number(task['key'])}"
        lines = ["---", f"id: {ident}", f"title: {_yaml(task['title'])}", f"status: {BL_STATUS[task['status']]}",
                 "assignee: []", "created_date: '2025-01-06 09:00'"]
        lines += ["labels:", *[f"  - {tag}" for tag in task["tags"]]] if task["tags"] else ["labels: []"]
        deps = [f"TASK-{number(d)}" for d in task["depends_on"]]
        lines += ["dependencies:", *[f"  - {d}" for d in deps]] if deps else ["dependencies: []"]
        if parent is not None:
            lines.append(f"parent_task_id: TASK-{number(parent['key'])}")
        lines += [f"priority: {TM_PRIORITY[task['priority']]}", f"ordinal: {ordinal * 1000}", "---", ""]
        if task["description"]:
            lines += ["## Description", "", "<!-- SECTION:DESCRIPTION:BEGIN -->", task["description"],
                      "<!-- SECTION:DESCRIPTION:END -->", ""]
        if task["acceptance_criteria"]:
            lines += ["## Acceptance Criteria", "<!-- AC:BEGIN -->"]
            lines += [f"- [{'x' if task['status'] == 'done' else ' '}] #{i} {c}" for i, c in enumerate(task["acceptance_criteria"], 1)]
            lines += ["<!-- AC:END -->", ""]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", task["title"]).strip("-")[:60]
        (tasks_dir / f"task-{number(task['key'])} - {slug}.md").write_text("\n".join(lines), encoding="utf-8")
        count += 1
    return count


# -- Taskwarrior --------------------------------------------------------------------------------------


def taskwarrior_tasks(document: dict) -> list[dict]:
    """The `task import` JSON for the document: one Taskwarrior task per taskforge task."""
    namespace = uuid.UUID("6f1c2d4e-0000-4000-8000-000000000000")
    ids = {task["key"]: str(uuid.uuid5(namespace, task["key"])) for task, _, _ in walk(document["tasks"])}
    project = document["project"]["id"]
    out = []
    for task, parent, _depth in walk(document["tasks"]):
        entry = {
            "uuid": ids[task["key"]],
            "description": task["title"],
            "status": "completed" if task["status"] == "done" else "pending",
            "entry": "20250106T090000Z",
            "modified": "20250106T090000Z",
            "project": project,
            "priority": TW_PRIORITY[task["priority"]],
            "taskforge_key": task["key"],
        }
        if task["status"] == "done":
            entry["end"] = "20250107T090000Z"
        if task["status"] == "doing":
            entry["start"] = "20250106T100000Z"
        if parent is not None:
            entry["taskforge_parent"] = parent["key"]
        if task["tags"]:
            entry["tags"] = list(task["tags"])
        if task["depends_on"]:
            entry["depends"] = [ids[d] for d in task["depends_on"]]
        if task["estimate_minutes"] is not None:
            entry["estimate"] = f"PT{task['estimate_minutes']}M"
        if task["description"]:
            entry["annotations"] = [{"entry": "20250106T090000Z", "description": task["description"]}]
        out.append(entry)
    return out


TASKRC = """\
data.location={data}
confirmation=off
verbose=nothing
hooks=off
json.array=on
uda.taskforge_key.type=string
uda.taskforge_parent.type=string
uda.estimate.type=duration
"""


def taskwarrior_env(folder: Path) -> dict[str, str]:
    """Environment for a Taskwarrior whose data and settings live in `folder` only."""
    import os

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rc = folder / "taskrc"
    rc.write_text(TASKRC.format(data=data), encoding="utf-8")
    return {**os.environ, "TASKRC": str(rc), "TASKDATA": str(data)}
