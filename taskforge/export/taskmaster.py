"""Task Master (npm task-master-ai): its `.taskmaster/tasks/tasks.json`, written and read.

    {"master": {"tasks": [{"id": 1, "title": "…", "description": "…", "details": "…", "testStrategy": "…",
                           "status": "pending", "priority": "high", "dependencies": [2, "3.1"],
                           "subtasks": [{"id": 1, "title": "…", "description": "…", "details": "…",
                                         "status": "done", "dependencies": [2, "4.1"]}]}],
                "metadata": {"projectName": "…", "description": "…", "created": "…", "updated": "…"}}}

Task Master has two levels: tasks (numbered 1…n) and their subtasks (numbered 1…m inside each task).
Root tasks become tasks, their children subtasks, and anything deeper is written into its subtask's
`details` as an indented checklist (a note on stderr says so). A task's dependencies are task ids or
"task.subtask" strings; in a subtask a bare number means a sibling subtask (Task Master's own reading),
so a subtask cannot depend on a whole task: such a dependency is dropped, with a note. Status: todo →
pending, doing → in-progress, blocked, done; critical is written as high (older Task Master knows
only high/medium/low). Acceptance criteria become the `testStrategy`, one "- " line each.

Reading takes the tagged file (`{"master": {...}}`; the master tag, or else the first, with a note
naming the others) and the older `{"tasks": [...]}`. Task ids become keys (task 4 → T4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskforge.core.errors import BadInput
from taskforge.core.models import Priority, Project, Status
from taskforge.core.patches import ProjectPatch
from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree, format_minutes
from taskforge.export.building import Head, Record, build, clip, split_title
from taskforge.export.common import dependencies, in_scope, outline, tops, utc_now

STATUSES = {Status.TODO: "pending", Status.DOING: "in-progress", Status.BLOCKED: "blocked", Status.DONE: "done"}
PRIORITIES = {Priority.CRITICAL: "high", Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}

# -- writing ------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Where each task goes in Task Master's two levels, and what does not fit."""

    place: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # key -> (task id, subtask id)
    folded: list[str] = field(default_factory=list)  # keys below the second level
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # (subtask key, task key it waits on)
    critical: int = 0


def _plan(tree: Tree, root: str | None) -> _Plan:
    plan = _Plan()
    for number, top in enumerate(tops(tree, root), start=1):
        plan.place[top] = (number, None)
        for sub_number, child in enumerate(tree.children[top], start=1):
            plan.place[child] = (number, sub_number)
            for below in tree.walk(child):
                plan.place[below] = (number, sub_number)
                plan.folded.append(below)
    scope = in_scope(tree, root)
    for key, depth in outline(tree, root):
        plan.critical += tree[key].priority is Priority.CRITICAL
        if depth == 2:
            plan.unreachable += [
                (key, dep) for dep in dependencies(tree, key, scope) if plan.place[dep][1] is None
            ]
    return plan


def losses(tree: Tree, root: str | None = None) -> list[str]:
    plan = _plan(tree, root)
    notes = []
    if plan.folded:
        notes.append(
            f"taskmaster: {len(plan.folded)} task(s) below the second level were written into their "
            "subtask's details (Task Master has tasks and subtasks only)"
        )
    if plan.unreachable:
        pairs = ", ".join(f"{key} → {dep}" for key, dep in plan.unreachable[:5])
        more = f" and {len(plan.unreachable) - 5} more" if len(plan.unreachable) > 5 else ""
        notes.append(f"taskmaster: a subtask can only depend on subtasks; dropped {pairs}{more}")
    if plan.critical:
        notes.append(f"taskmaster: {plan.critical} critical task(s) written as high priority")
    return notes


def render(tree: Tree, root: str | None = None, *, now: datetime | None = None) -> str:
    plan = _plan(tree, root)
    scope = in_scope(tree, root)
    stamp = (now or utc_now()).isoformat().replace("+00:00", "Z")

    def entry(key: str, own: tuple[int, int | None]) -> dict[str, Any]:
        task = tree[key]
        depends: list[int | str] = []
        for dep in dependencies(tree, key, scope):
            number, sub = plan.place[dep]
            if (number, sub) == own:
                continue  # a sub-level task of this very subtask: said in the details instead
            if own[1] is None:  # a task: ids for tasks, "task.subtask" for subtasks
                reference: int | str = number if sub is None else f"{number}.{sub}"
            elif sub is None:
                continue  # Task Master reads a bare number in a subtask as a sibling: cannot say "task N"
            else:
                reference = sub if number == own[0] else f"{number}.{sub}"
            if reference not in depends:
                depends.append(reference)
        return {
            "id": own[1] if own[1] is not None else own[0],
            "title": clean_line(task.title),
            "description": clean_block(task.description),
            "details": _folded(tree, key, scope) if own[1] is not None else "",
            "testStrategy": "\n".join(f"- {clean_line(c)}" for c in task.acceptance_criteria),
            "status": STATUSES[task.status],
            "priority": PRIORITIES[task.priority],
            "dependencies": depends,
        }

    tasks = []
    for top in tops(tree, root):
        item = entry(top, plan.place[top])
        item["subtasks"] = [entry(child, plan.place[child]) for child in tree.children[top]]
        tasks.append(item)
    project = tree.project
    metadata = {"projectName": clean_line(project.title), "description": clean_block(project.summary),
                "created": stamp, "updated": stamp}
    document = {"master": {"tasks": tasks, "metadata": metadata}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _folded(tree: Tree, key: str, scope: set[str] | None) -> str:
    """The levels below a subtask as an indented checklist, since Task Master has no place for them."""
    base = tree.depth(key)
    lines = []
    for below in tree.walk(key):
        task = tree[below]
        pad = "  " * (tree.depth(below) - base - 1)
        facts = [task.status.value] if task.status not in (Status.TODO, Status.DONE) else []
        if task.priority is not Priority.MEDIUM:
            facts.append(task.priority.value)
        if task.estimate_minutes is not None:
            facts.append(f"est {format_minutes(task.estimate_minutes)}")
        depends = dependencies(tree, below, scope)
        if depends:
            facts.append("after " + ", ".join(depends))
        box = "x" if task.status is Status.DONE else " "
        lines.append(f"{pad}- [{box}] {below} {clean_line(task.title)}" + "".join(f" · {f}" for f in facts))
        lines += [f"{pad}  {line}" for line in clean_block(task.description).split("\n") if task.description]
        lines += [f"{pad}  Acceptance: {clean_line(c)}" for c in task.acceptance_criteria]
    return "Sub-tasks:\n" + "\n".join(lines) if lines else ""


# -- reading ------------------------------------------------------------------------------------------

IMPORT_STATUSES = {
    "pending": (Status.TODO, None), "todo": (Status.TODO, None), "in-progress": (Status.DOING, None),
    "blocked": (Status.BLOCKED, None), "done": (Status.DONE, None), "completed": (Status.DONE, None),
    "review": (Status.DOING, "review"), "deferred": (Status.TODO, "deferred"), "cancelled": (Status.DONE, "cancelled"),
}
DESCRIPTION_MAX = 20_000  # as core.patches.Description
SHAPES = 'expected {"master": {"tasks": [...]}} or {"tasks": [...]}'


def read(text: str, notes: list[str] | None = None) -> tuple[Project, ProjectPatch]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not a Task Master tasks.json: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise BadInput(f"not a Task Master tasks.json: {SHAPES}")
    if isinstance(data.get("tasks"), list):
        tag, body, meta = None, data, data.get("meta") or data.get("metadata") or {}
    else:
        tagged = {name: value for name, value in data.items() if isinstance(value, dict) and isinstance(value.get("tasks"), list)}
        if not tagged:
            raise BadInput(f"not a Task Master tasks.json: {SHAPES}")
        tag = "master" if "master" in tagged else next(iter(tagged))
        body, meta = tagged[tag], tagged[tag].get("metadata") or {}
        others = [name for name in tagged if name != tag]
        if others and notes is not None:
            notes.append(f"imported the tag '{tag}'; left out {', '.join(repr(name) for name in others)}")
    meta = meta if isinstance(meta, dict) else {}
    title = meta.get("projectName") if isinstance(meta.get("projectName"), str) else None
    head = Head(
        title=title or (tag if tag not in (None, "master") else "Task Master tasks"),
        summary=meta.get("description") if isinstance(meta.get("description"), str) else "",
    )

    records: list[Record] = []
    deeper = 0
    for i, item in enumerate(body["tasks"]):
        where = f"tasks[{i}]"
        task = _object(item, where)
        number = _id(task, where)
        where = f"{where} (id {number})"
        record = _record(task, where, ref=str(number), inherited=Priority.MEDIUM, notes=notes)
        record.key = f"T{number}"
        record.depends = [_reference(dep, where, sibling_of=None) for dep in _list(task, "dependencies", where)]
        records.append(record)
        for j, sub_item in enumerate(_list(task, "subtasks", where)):
            sub_where = f"tasks[{i}].subtasks[{j}]"
            subtask = _object(sub_item, sub_where)
            sub_number = _id(subtask, sub_where)
            sub_where = f"{sub_where} (id {number}.{sub_number})"
            sub = _record(subtask, sub_where, ref=f"{number}.{sub_number}", inherited=record.fields["priority"], notes=notes)
            sub.parent = record.ref
            sub.depends = [_reference(dep, sub_where, sibling_of=number) for dep in _list(subtask, "dependencies", sub_where)]
            records.append(sub)
            deeper += len(_list(subtask, "subtasks", sub_where))
    if deeper and notes is not None:
        notes.append(f"left out {deeper} item(s) nested inside subtasks (Task Master has two levels)")
    return build(head, records, "a Task Master tasks.json")


def _object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BadInput(f"{where}: expected a task object, not {type(item).__name__}")
    return item


def _id(task: dict[str, Any], where: str) -> int:
    value = task.get("id")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadInput(f"{where}: id must be a positive whole number, not {value!r}")
    return value


def _list(task: dict[str, Any], name: str, where: str) -> list[Any]:
    value = task.get(name) or []
    if not isinstance(value, list):
        raise BadInput(f"{where}: {name} must be a list")
    return value


def _string(task: dict[str, Any], name: str, where: str) -> str:
    value = task.get(name) or ""
    if not isinstance(value, str):
        raise BadInput(f"{where}: {name} must be text")
    return value


def _reference(dep: Any, where: str, sibling_of: int | None) -> str:
    """A dependency as a ref: "4" for task 4, "4.2" for its subtask 2; in a subtask, 2 means a sibling."""
    text = str(dep).strip() if isinstance(dep, (int, str)) and not isinstance(dep, bool) else ""
    parts = text.split(".")
    if not all(part.isdigit() for part in parts) or len(parts) > 2:
        raise BadInput(f"{where}: cannot read the dependency {dep!r} (a task id like 3 or a subtask id like 3.1)")
    if len(parts) == 1:
        return f"{sibling_of}.{int(text)}" if sibling_of is not None else str(int(text))
    return f"{int(parts[0])}.{int(parts[1])}"


def _record(task: dict[str, Any], where: str, ref: str, inherited: Priority, notes: list[str] | None) -> Record:
    title, overflow = split_title(_string(task, "title", where))
    if not title:
        raise BadInput(f"{where}: no title")
    status_name = _string(task, "status", where) or "pending"
    if status_name not in IMPORT_STATUSES:
        raise BadInput(f"{where}: unknown status “{status_name}” (expected one of {', '.join(IMPORT_STATUSES)})")
    status, tag = IMPORT_STATUSES[status_name]
    priority_name = _string(task, "priority", where)
    try:
        priority = Priority(priority_name) if priority_name else inherited  # Task Master's own default
    except ValueError:
        raise BadInput(f"{where}: unknown priority “{priority_name}” (high, medium, low or critical)") from None

    criteria = _criteria(task.get("acceptanceCriteria"), where)
    strategy = _string(task, "testStrategy", where).strip()
    parts = [overflow, _string(task, "description", where), _string(task, "details", where)]
    strategy_lines = [line.strip() for line in strategy.split("\n") if line.strip()]
    if strategy_lines and all(line.startswith(("- ", "* ")) for line in strategy_lines):
        criteria += [line[2:].strip() for line in strategy_lines]
    elif strategy:
        parts.append("Test strategy:\n" + strategy)
    fields = {
        "title": title,
        # A subtask's details may hold a whole folded subtree, more than a description takes.
        "description": clip("\n\n".join(part.strip("\n") for part in parts if part.strip()), DESCRIPTION_MAX, where, notes),
        "status": status,
        "priority": priority,
        "acceptance_criteria": criteria,
        "tags": [tag] if tag else [],
    }
    return Record(where=where, ref=ref, fields=fields)


def _criteria(value: Any, where: str) -> list[str]:
    """`acceptanceCriteria`: a list, or (as Task Master often writes it) text with one "- " line each."""
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip().removeprefix("- ").removeprefix("* ") for line in value.split("\n") if line.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise BadInput(f"{where}: acceptanceCriteria must be text or a list of text")
