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

from taskforge.core import jsontext
from taskforge.core.errors import BadInput
from taskforge.core.limits import DESCRIPTION_MAX
from taskforge.core.models import Priority, Project, Status, slugify
from taskforge.core.patches import ProjectPatch
from taskforge.core.text import clean_block, clean_line, quote
from taskforge.core.tree import Tree, format_minutes
from taskforge.export.building import Head, Record, build, clip, kept_fields, split_title
from taskforge.export.common import dependencies, in_scope, left_out, outline, tops, utc_now

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
    return notes + left_out("taskmaster", tree, root, ["tags", "estimate_minutes", "actual_minutes"])


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
SHAPES = 'expected {"master": {"tasks": [...]}} or {"tasks": [...]}'


KNOWN_FIELDS = {
    "id", "title", "description", "details", "testStrategy", "status", "priority", "dependencies", "subtasks",
    "acceptanceCriteria", "parentTaskId",
}


@dataclass
class _Tag:
    name: str | None  # None: the older untagged shape
    body: dict[str, Any]
    meta: dict[str, Any]


def _tags(text: str, notes: list[str] | None) -> list[_Tag]:
    try:
        data = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not a Task Master tasks.json: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise BadInput(f"not a Task Master tasks.json: {SHAPES}")
    if isinstance(data.get("tasks"), list):
        meta = data.get("meta") or data.get("metadata") or {}
        return [_Tag(None, data, meta if isinstance(meta, dict) else {})]
    tags = []
    for name, value in data.items():
        if isinstance(value, dict) and isinstance(value.get("tasks"), list):
            meta = value.get("metadata") or {}
            tags.append(_Tag(name, value, meta if isinstance(meta, dict) else {}))
        elif notes is not None:
            notes.append(f"left out {clean_line(name)!r}: not a tag (no task list)")
    if not tags:
        raise BadInput(f"not a Task Master tasks.json: {SHAPES}")
    return tags


def read(text: str, notes: list[str] | None = None, tag: str | None = None) -> tuple[Project, ProjectPatch]:
    """One project: the tag asked for, else `master`, else the first; a note names the tags left out."""
    tags = _tags(text, notes)
    chosen = _choose(tags, tag) if tag is not None else next((t for t in tags if t.name == "master"), tags[0])
    others = [t.name for t in tags if t is not chosen]
    if others and notes is not None:
        left_out = ", ".join(f"'{quote(name)}'" for name in others)
        notes.append(f"imported the tag '{quote(chosen.name)}'; left out {left_out}")
    return _read_tag(chosen, notes, several=False)


def read_all(text: str, notes: list[str] | None = None, tag: str | None = None) -> list[tuple[Project, ProjectPatch]]:
    """Every tag of a tagged file as its own project (`<name>-<tag>`), or only `tag` when given."""
    tags = _tags(text, notes)
    if tag is not None:
        return [_read_tag(_choose(tags, tag), notes, several=False)]
    several = len(tags) > 1
    return [_read_tag(t, notes, several=several, base=_base_title(tags)) for t in tags]


def _choose(tags: list[_Tag], name: str) -> _Tag:
    for candidate in tags:
        if candidate.name == name or (candidate.name is None and name == "master"):
            return candidate
    present = ", ".join(repr(t.name or "master") for t in tags)
    raise BadInput(f"no tag {clean_line(name)!r} in the file (it has {present})")


def _base_title(tags: list[_Tag]) -> str:
    for candidate in tags:
        if isinstance(candidate.meta.get("projectName"), str) and candidate.meta["projectName"].strip():
            return candidate.meta["projectName"]
    return "Task Master tasks"


def _read_tag(tag: _Tag, notes: list[str] | None, *, several: bool, base: str = "") -> tuple[Project, ProjectPatch]:
    meta = tag.meta
    summary = meta.get("description") if isinstance(meta.get("description"), str) else ""
    if several:
        name = clean_line(tag.name or "master")
        head = Head(title=f"{clean_line(base)} ({name})", id=f"{slugify(base)}-{slugify(name)}", summary=summary)
        prefix = f"tag {name}: "
    else:
        title = meta.get("projectName") if isinstance(meta.get("projectName"), str) else None
        head = Head(title=title or (tag.name if tag.name not in (None, "master") else "Task Master tasks"), summary=summary)
        prefix = ""
    return build(head, _records(tag.body["tasks"], prefix, notes), "a Task Master tasks.json", notes=notes, lenient=True)


def _records(items: list[Any], prefix: str, notes: list[str] | None) -> list[Record]:
    """Every task and subtask as a record, ids repaired where Task Master tolerates what taskforge cannot."""
    records: list[Record] = []
    tops: dict[str, Record] = {}  # the file's id as text -> the first task with it
    subs: dict[tuple[str, str], Record] = {}  # (task ref, subtask id as text) -> the first subtask with it
    pending: list[tuple[Record, list[Any], Record | None]] = []  # (record, raw dependencies, its task if a subtask)
    taken = {_number(item.get("id")) for item in items if isinstance(item, dict)} - {None}
    deeper = 0
    kept_names: set[str] = set()
    for i, item in enumerate(items):
        where = f"{prefix}tasks[{i}]"
        task = _object(item, where)
        raw = task.get("id")
        number = _number(raw)
        shown = _shown(raw)
        where = f"{where} (id {shown})"
        record = _record(task, where, ref=f"t{i}", inherited=Priority.MEDIUM, notes=notes, kept=kept_names)
        text_id = _text_id(raw)
        if number is not None and str(number) not in tops:
            record.key = f"T{number}"
        elif raw is None:
            record.renumbered = "has no id"
        elif number is None:
            record.renumbered = f"its id {shown} is not a whole number"
        else:
            record.renumbered = f"its id {shown} repeats {tops[str(number)].where.removeprefix(prefix)}"
        if text_id is not None and text_id not in tops:
            tops[text_id] = record
        records.append(record)
        pending.append((record, _list(task, "dependencies", where), None))
        own_subs = [(j, _object(sub, f"{where}.subtasks[{j}]")) for j, sub in enumerate(_list(task, "subtasks", where))]
        highest = max((_sub_number(sub.get("id"), raw) or 0 for _, sub in own_subs), default=0)
        for j, subtask in own_subs:
            sub_raw = subtask.get("id")
            sub_number = _sub_number(sub_raw, raw)
            sub_text = str(sub_number) if sub_number is not None else _text_id(sub_raw)
            sub_where = f"{prefix}tasks[{i}].subtasks[{j}] (id {shown}.{_shown(sub_raw)})"
            sub = _record(subtask, sub_where, ref=f"t{i}.{j}", inherited=record.fields["priority"], notes=notes, kept=kept_names)
            sub.parent = record.ref
            if sub_text is None or (record.ref, sub_text) in subs:
                highest += 1
                reason = "has no id" if sub_raw is None else f"sub-task id {_shown(sub_raw)} repeats within task {shown}"
                _say(notes, f"{sub_where}: {reason}; renumbered {shown}.{highest}")
                sub_text = str(highest)
            subs[(record.ref, sub_text)] = sub
            records.append(sub)
            pending.append((sub, _list(subtask, "dependencies", sub_where), record))
            deeper += len(_list(subtask, "subtasks", sub_where))
    del taken
    for record, raw_depends, task in pending:
        for dep in raw_depends:
            target = _resolve(dep, record.where, task, tops, subs)
            if target is None:
                _say(notes, f"{record.where}: depends on {_shown(dep)}, which is not in the file; dropped that dependency")
            elif target.ref not in record.depends:
                record.depends.append(target.ref)
    if deeper:
        _say(notes, f"{prefix}left out {deeper} item(s) nested inside subtasks (Task Master has two levels)")
    if kept_names:
        _say(notes, f"{prefix}kept {', '.join(sorted(kept_names))} in the descriptions (taskforge has no field for them)")
    return records


def _say(notes: list[str] | None, note: str) -> None:
    if notes is not None:
        notes.append(note)


def _shown(value: Any) -> str:
    """A file's id as a note quotes it: numbers as they are, text in quotes, cleaned."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return quote(value.strip(), 40)  # a 5,000-digit id is quoted short
    return json.dumps(clean_line(value) if isinstance(value, str) else value, ensure_ascii=False)[:60]


def _number(value: Any) -> int | None:
    """A task id that can be a key: a positive whole number, or text holding one."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip()[:18])
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**9:
        return value
    return None


def _sub_number(value: Any, task_id: Any) -> int | None:
    """A subtask id: a number, or "4.2" written in full inside task 4."""
    if isinstance(value, str) and "." in value:
        head, _, tail = value.strip().rpartition(".")
        if head == _text_id(task_id):
            value = tail
    return _number(value)


def _text_id(value: Any) -> str | None:
    number = _number(value)
    if number is not None:
        return str(number)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _resolve(
    dep: Any, where: str, task: Record | None, tops: dict[str, Record], subs: dict[tuple[str, str], Record]
) -> Record | None:
    """What a dependency names, as Task Master reads it: a task id, "task.subtask", or in a subtask a sibling."""
    if isinstance(dep, bool) or not isinstance(dep, (int, str)):
        raise BadInput(f"{where}: cannot read the dependency {quote(repr(dep))} (a task id like 3 or a subtask id like 3.1)")
    text = _text_id(dep)
    if text is None:
        return None
    if task is not None and (task.ref, text) in subs:
        return subs[(task.ref, text)]
    if text in tops:
        return tops[text]
    head, dot, tail = text.rpartition(".")
    if dot and head in tops:
        number = _number(tail)
        return subs.get((tops[head].ref, str(number) if number is not None else tail))
    return None


def _object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BadInput(f"{where}: expected a task object, not {type(item).__name__}")
    return item


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


def _record(
    task: dict[str, Any], where: str, ref: str, inherited: Priority, notes: list[str] | None, kept: set[str]
) -> Record:
    title, overflow = split_title(_string(task, "title", where))
    if not title:
        raise BadInput(f"{where}: no title")
    status_name = _string(task, "status", where) or "pending"
    if status_name not in IMPORT_STATUSES:
        raise BadInput(f"{where}: unknown status “{quote(status_name)}” (expected one of {', '.join(IMPORT_STATUSES)})")
    status, tag = IMPORT_STATUSES[status_name]
    priority_name = _string(task, "priority", where)
    try:
        priority = Priority(priority_name) if priority_name else inherited  # Task Master's own default
    except ValueError:
        raise BadInput(f"{where}: unknown priority “{quote(priority_name)}” (high, medium, low or critical)") from None

    criteria = _criteria(task.get("acceptanceCriteria"), where)
    strategy = _string(task, "testStrategy", where).strip()
    parts = [overflow, _string(task, "description", where), _string(task, "details", where)]
    strategy_lines = [line.strip() for line in strategy.split("\n") if line.strip()]
    if strategy_lines and all(line.startswith(("- ", "* ")) for line in strategy_lines):
        criteria += [line[2:].strip() for line in strategy_lines]
    elif strategy:
        parts.append("Test strategy:\n" + strategy)
    others = {name: value for name, value in task.items() if name not in KNOWN_FIELDS and value not in (None, "", [], {})}
    kept.update(others)
    parts.append(kept_fields("Task Master", others))
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
