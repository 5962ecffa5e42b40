"""Taskwarrior: a JSON array that `task import` accepts, and the array `task export` writes, read back.

    {"uuid": "…", "description": "Login form", "status": "pending", "entry": "20250101T090004Z",
     "start": "20250101T090004Z", "project": "auth-flow.T1", "priority": "H", "tags": ["ux"],
     "depends": ["…uuid of T2…"], "annotations": [{"entry": "…", "description": "The description"}],
     "taskforge_key": "T4", "taskforge_estimate": "240"}

- uuid: uuid5 of the project id and the key, so a re-export updates the same tasks in Taskwarrior.
- project: the project id, then the keys of the task's ancestors (`auth-flow.T1.T4`). Taskwarrior's
  `parent` means recurrence, not a sub-task; a dotted project is its own idea of a hierarchy, and
  `task project:auth-flow.T1` lists T1's sub-tree. Keys, not titles: they contain no dots or spaces
  and survive renaming a task.
- status: done → completed with `end`; doing → pending with `start` (Taskwarrior's "active");
  todo and blocked → pending. priority: critical and high → H, medium → M, low → L.
- The description is one annotation; each acceptance criterion another, starting "Acceptance: ".
- `entry` counts up one second per task in outline order, so sorting by entry gives the order back.
- What Taskwarrior has no field for rides in attributes it keeps as they are (orphan UDAs):
  taskforge_key, taskforge_estimate and taskforge_spent (minutes), taskforge_priority (critical),
  taskforge_status (blocked).

Reading takes any `task export` (a JSON array, or the older one object per line). Deleted tasks and
recurrence templates are left out. The project path rebuilds the tree: a segment that is a task's
taskforge_key is that task; any other segment (`Home.Garden`) becomes a task that groups what is in it.
When every task shares the first segment, that is the project; otherwise each first segment is a root.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from taskforge.core import jsontext
from taskforge.core.errors import BadInput
from taskforge.core.kinds import KEY_PATTERN, Priority, Status
from taskforge.core.text import clean_block, clean_line, quote
from taskforge.export.common import dependencies, in_scope, outline, stable_uuids, utc_now

# Writing loads no pydantic (the lean export path renders plain records); the reading half imports
# what builds a patch (`export.building`, pydantic models) inside the functions that build one.
if TYPE_CHECKING:
    from taskforge.core.models import Project
    from taskforge.core.patches import ProjectPatch
    from taskforge.core.tree import Tree
    from taskforge.export.building import Record

STAMP = "%Y%m%dT%H%M%SZ"
ACCEPTANCE = "Acceptance: "
PRIORITY_LETTERS = {Priority.CRITICAL: "H", Priority.HIGH: "H", Priority.MEDIUM: "M", Priority.LOW: "L"}
LETTER_PRIORITIES = {"H": Priority.HIGH, "M": Priority.MEDIUM, "L": Priority.LOW}

# -- writing ------------------------------------------------------------------------------------------


def render(tree: Tree, root: str | None = None, *, now: datetime | None = None) -> str:
    now = now or utc_now()
    keys = list(outline(tree, root))
    stamp = _stamps(now - timedelta(seconds=len(keys)))
    end = now.strftime(STAMP)
    scope = in_scope(tree, root)
    project_id = tree.project.id
    tasks = tree.tasks
    uuids: dict[str, str] = {}  # key -> uuid: a dependency's is its task's, made once
    make_uuid = stable_uuids(project_id)

    def uuid_of(key: str) -> str:
        found = uuids.get(key)
        if found is None:
            found = uuids[key] = make_uuid(key)
        return found

    path: list[str] = [project_id]  # the project, then the keys above the current task
    records = []
    for number, (key, depth) in enumerate(keys):
        task = tasks[key]
        del path[depth:]
        entry = stamp(number)
        status = task.status
        record: dict[str, Any] = {
            "uuid": uuid_of(key),
            "description": clean_line(task.title),
            "status": "completed" if status is Status.DONE else "pending",
            "entry": entry,
            "project": ".".join(path),
            "priority": PRIORITY_LETTERS[task.priority],
        }
        if status is Status.DONE:
            record["end"] = end
        elif status is Status.DOING:
            record["start"] = entry
        if task.tags:
            record["tags"] = [clean_line(tag) for tag in task.tags]
        if task.depends_on:
            depends = dependencies(tree, key, scope)
            if depends:
                record["depends"] = [uuid_of(dep) for dep in depends]
        notes = [clean_block(task.description)] if task.description else []
        if task.acceptance_criteria:
            notes += [ACCEPTANCE + clean_line(criterion) for criterion in task.acceptance_criteria]
        if notes:
            # Taskwarrior keys annotations by their time: each of a task's needs its own second.
            record["annotations"] = [
                {"entry": stamp(number + n), "description": note} for n, note in enumerate(notes)
            ]
        record["taskforge_key"] = key
        if task.estimate_minutes is not None:
            record["taskforge_estimate"] = str(task.estimate_minutes)
        if task.actual_minutes is not None:
            record["taskforge_spent"] = str(task.actual_minutes)
        if task.priority is Priority.CRITICAL:
            record["taskforge_priority"] = Priority.CRITICAL.value
        if status is Status.BLOCKED:
            record["taskforge_status"] = Status.BLOCKED.value
        records.append(record)
        path.append(key)
    return _lines(records)


def _lines(records: list[dict[str, Any]]) -> str:
    """`[`, then each record as `json.dumps(record, ensure_ascii=False)` on a line of its own, then `]`.

    One call encodes them all (10k calls into the encoder cost more than the encoding); each record
    then goes on its own line. `}, {"uuid": ` is where one record ends and the next begins: every
    record starts with its uuid, the annotations inside one start with their entry, and a quote inside
    a string is always escaped (`\\"`), so the sequence is found nowhere else.
    """
    if not records:
        return "[\n]\n"
    text = json.dumps(records, ensure_ascii=False)
    return "[\n" + text[1:-1].replace('}, {"uuid": ', '},\n{"uuid": ') + "\n]\n"


def _stamps(first: datetime) -> Callable[[int], str]:
    """`stamp(n)`: the moment `n` seconds after `first`, in STAMP's format. Each minute is formatted once
    (strftime for each of 20,000 moments costs more than the rest of a task's record)."""
    origin = first.replace(second=0)
    offset = first.second
    minutes: dict[int, str] = {}

    def stamp(n: int) -> str:
        minute, second = divmod(offset + n, 60)
        prefix = minutes.get(minute)
        if prefix is None:
            prefix = minutes[minute] = (origin + timedelta(minutes=minute)).strftime("%Y%m%dT%H%M")
        return f"{prefix}{second:02d}Z"

    return stamp


# -- reading ------------------------------------------------------------------------------------------

_KNOWN_STATUSES = {"pending", "waiting", "completed", "deleted", "recurring"}


def read(text: str, notes: list[str] | None = None) -> tuple[Project, ProjectPatch]:
    _load_building()

    entries = _entries(text)
    kept: list[tuple[str, dict[str, Any]]] = []
    left_out: set[str] = set()
    first_seen: dict[str, int] = {}  # uuid -> its index in `kept`
    for where, data in entries:
        status = _text(data, "status", where) or "pending"
        if status not in _KNOWN_STATUSES:
            raise BadInput(f"{where}: unknown status “{quote(status)}” (expected one of {', '.join(sorted(_KNOWN_STATUSES))})")
        uuid = _text(data, "uuid", where)
        if not uuid:  # `task import` makes one
            data = {**data, "uuid": f"(no uuid) {where}"}
            _say(notes, f"{_named(where, data)}: has no uuid; gave it one, as `task import` does")
        elif uuid in first_seen or uuid in left_out:  # `task import` updates the task it already has: the later wins
            earlier = kept[first_seen[uuid]][0] if uuid in first_seen else "a deleted task"
            _say(notes, f"{_named(where, data)}: its uuid {clean_line(uuid)[:40]} repeats {earlier}; "
                        "the later one wins, as in `task import`")
            if uuid in first_seen:
                kept[first_seen.pop(uuid)] = ("", {})
            left_out.discard(uuid)
        if status in ("deleted", "recurring"):  # gone, or a template whose instances are the real tasks
            left_out.add(data["uuid"])
            continue
        first_seen[data["uuid"]] = len(kept)
        kept.append((where, data))
    kept = [item for item in kept if item[0]]
    if left_out and notes is not None:
        notes.append(f"left out {len(left_out)} deleted task(s) and recurrence template(s)")
    kept.sort(key=lambda item: _text(item[1], "entry", item[0]))  # stable: file order breaks ties

    paths = [[part for part in _text(data, "project", where).split(".") if part] for where, data in kept]
    firsts = {path[0] if path else None for path in paths}
    shared = next(iter(firsts)) if len(firsts) == 1 and None not in firsts else None
    head = Head(title=shared or "Taskwarrior tasks")
    if shared is not None:
        paths = [path[1:] for path in paths]

    task_for_key: dict[str, str] = {}  # taskforge key -> uuid, for project segments that name a task
    for where, data in kept:
        key = _text(data, "taskforge_key", where)
        if KEY_PATTERN.fullmatch(key):
            task_for_key.setdefault(key, _text(data, "uuid", where))

    records: list[Record] = []
    groups: dict[str, Record] = {}

    def parent_of(segments: list[str]) -> str | None:
        if not segments:
            return None
        if segments[-1] in task_for_key:
            return task_for_key[segments[-1]]
        ref = "project " + ".".join(segments)
        if ref not in groups:
            outer = parent_of(segments[:-1])
            title, _ = split_title(segments[-1])
            groups[ref] = Record(where=f"project {quote('.'.join(segments))}", ref=ref, fields={"title": title}, parent=outer)
            records.append(groups[ref])
        return ref

    others: set[str] = set()  # attributes taskforge has no field for, kept in descriptions
    for (where, data), path in zip(kept, paths, strict=True):
        parent = parent_of(path)
        record = _record(where, data, left_out, notes, others)
        record.parent = parent
        records.append(record)
    _close_finished_groups(records, groups)
    kept_names = sorted(others)
    if kept_names:
        _say(notes, f"kept {', '.join(kept_names)} in the descriptions (taskforge has no field for them)")
    return build(head, records, "a Taskwarrior export", notes=notes, lenient=True)


def _load_building() -> None:
    """Bring in what builds a patch (pydantic models), once: writing never needs it (see the imports)."""
    global Head, Record, build, kept_fields, split_title
    from taskforge.export.building import Head, Record, build, kept_fields, split_title


# Read into taskforge's fields, or bookkeeping Taskwarrior keeps itself (ids, urgency, entry/modified/end times).
_KNOWN_FIELDS = {"uuid", "description", "status", "project", "priority", "tags", "depends", "annotations", "start",
                 "entry", "modified", "end", "id", "urgency"}
_DATES = {"due", "scheduled", "wait", "until"}


def _say(notes: list[str] | None, note: str) -> None:
    if notes is not None:
        notes.append(note)


def _named(where: str, data: dict[str, Any]) -> str:
    """How a note names a task: its place in the file and the start of its description."""
    from taskforge.export.building import split_title

    description = data.get("description")
    title = split_title(description)[0] if isinstance(description, str) else ""
    return f'{where} ("{title[:40]}")' if title else where


def _others(data: dict[str, Any]) -> dict[str, Any]:
    """Attributes taskforge has no field for (due, scheduled, wait, recur, UDAs, …), dates made readable."""
    unknown = {name for name in data.keys() - _KNOWN_FIELDS if not name.startswith("taskforge_")}
    if not unknown:  # nearly every record: the set difference is done in C
        return {}
    others = {}
    for name, value in data.items():  # in the file's order
        if name not in unknown or value in (None, "", []):
            continue
        if name in _DATES and isinstance(value, str):
            with contextlib.suppress(ValueError):  # not Taskwarrior's own format: kept as written
                value = datetime.strptime(value, STAMP).strftime("%Y-%m-%d %H:%M UTC")
        others[name] = value
    return others


def _entries(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, object) for each task: from a JSON array, or from one JSON object per line."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        try:
            data = jsontext.loads(stripped)
        except json.JSONDecodeError as exc:
            raise BadInput(f"not a Taskwarrior export: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        if not isinstance(data, list):
            raise BadInput("not a Taskwarrior export: expected a JSON array of tasks")
        entries = [(f"record {n}", item) for n, item in enumerate(data, start=1)]
    else:
        entries = []
        for n, line in enumerate(text.split("\n"), start=1):
            line = line.strip().rstrip(",")
            if not line:
                continue
            try:
                entries.append((f"line {n}", jsontext.loads(line)))
            except json.JSONDecodeError as exc:
                raise BadInput(f"line {n}: not a Taskwarrior task: {exc.msg} at column {exc.colno}") from None
    for where, item in entries:
        if not isinstance(item, dict):
            raise BadInput(f"{where}: expected a task object, not {type(item).__name__}")
    return entries


def _text(data: dict[str, Any], name: str, where: str) -> str:
    value = data.get(name, "")
    if type(value) is str:
        return value
    if not isinstance(value, str):
        raise BadInput(f"{where}: {name} must be text")
    return value


_NONE: list[str] = []  # an absent list attribute (a present null is an error)


def _strings(data: dict[str, Any], name: str, where: str) -> list[str]:
    """A list attribute, written as a JSON array or (older Taskwarrior) as one comma-separated string."""
    value = data.get(name, _NONE)
    if value is _NONE:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadInput(f"{where}: {name} must be a list of text")
    return value


def _minutes(data: dict[str, Any], name: str, where: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise BadInput(f"{where}: {name} must be whole minutes, not “{quote(value)}”")
    if len(text) > 10:  # more than Minutes can hold, and past Python's int-string limit
        raise BadInput(f"{where}: {name} is too large ({len(text):,} digits)")
    return int(text)


def _record(
    where: str, data: dict[str, Any], left_out: set[str], notes: list[str] | None, others: set[str]
) -> Record:
    title, overflow = split_title(_text(data, "description", where))
    if not title:
        raise BadInput(f"{where}: no description")
    where = f'{where} ("{quote(title, 40)}")'
    annotations = data.get("annotations", [])
    if not isinstance(annotations, list) or (annotations and not all(
        isinstance(a, dict) and isinstance(a.get("description"), str) for a in annotations
    )):
        raise BadInput(f"{where}: annotations must be a list of {{entry, description}}")
    lines = [overflow] if overflow else []
    criteria = []
    if len(annotations) > 1:
        annotations = sorted(annotations, key=lambda a: str(a.get("entry", "")))
    for annotation in annotations:
        note = annotation["description"]
        if note.startswith(ACCEPTANCE):
            criteria.append(note[len(ACCEPTANCE):])
        else:
            lines.append(note)

    status = Status.DONE if data.get("status") == "completed" else Status.DOING if data.get("start") else Status.TODO
    if status is not Status.DONE and _text(data, "taskforge_status", where) == Status.BLOCKED.value:
        status = Status.BLOCKED
    letter = _text(data, "priority", where)
    if letter and letter not in LETTER_PRIORITIES:
        raise BadInput(f"{where}: unknown priority “{quote(letter)}” (H, M or L)")
    priority = LETTER_PRIORITIES.get(letter, Priority.MEDIUM)
    if letter == "H" and _text(data, "taskforge_priority", where) == Priority.CRITICAL.value:
        priority = Priority.CRITICAL

    depends = _strings(data, "depends", where)
    if left_out and depends:
        dropped = [uuid for uuid in depends if uuid in left_out]
        if dropped:
            depends = [uuid for uuid in depends if uuid not in left_out]
            if notes is not None:
                notes.append(f"{where}: dropped its dependency on {len(dropped)} deleted task(s)")
    kept = _others(data)
    others.update(kept)
    extra = kept_fields("Taskwarrior", kept)
    if extra:
        lines += ["", extra] if lines else [extra]
    fields: dict[str, Any] = {
        "title": title, "description": "\n".join(lines), "status": status, "priority": priority,
        "acceptance_criteria": criteria, "tags": _strings(data, "tags", where),
        "estimate_minutes": _minutes(data, "taskforge_estimate", where),
        "actual_minutes": _minutes(data, "taskforge_spent", where),
    }
    return Record(
        where=where, ref=_text(data, "uuid", where), fields=fields, key=_text(data, "taskforge_key", where) or None,
        depends=list(depends),
    )


def _close_finished_groups(records: list[Record], groups: dict[str, Record]) -> None:
    """A task made from a project segment is done when everything in it is."""
    members: dict[str, list[Record]] = {}
    for record in records:
        if record.parent in groups:
            members.setdefault(record.parent, []).append(record)
    for group in reversed(list(groups.values())):  # inner groups were created after their outer ones
        inside = members.get(group.ref, [])
        if inside and all(member.fields.get("status") is Status.DONE for member in inside):
            group.fields["status"] = Status.DONE
