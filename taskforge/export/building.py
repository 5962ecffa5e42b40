"""What every importer of a foreign format shares: records read from a file become one create-only patch.

An importer reads its format into `Record`s (each names where it came from, for messages), and
`build` checks what the patch engine would otherwise report in terms of keys the user never saw:
unknown parents and dependencies, depth, cycles. Every problem names the line or record it is about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from taskforge.core.errors import BadInput
from taskforge.core.limits import MAX_DEPTH, MAX_IMPORTED_KEY, TITLE_MAX
from taskforge.core.models import Project, ProjectStatus, key_number, slugify
from taskforge.core.patches import Op, ProjectPatch, TaskPatch
from taskforge.core.text import clean_block, clean_line, quote


@dataclass
class Record:
    where: str  # how a message names it: "line 12", 'record 3 ("Design")'
    ref: str  # the file's own identifier for it, unique in the file
    fields: dict[str, Any]  # TaskFields other than parent_task_id and depends_on
    parent: str | None = None  # the parent's ref
    key: str | None = None  # a taskforge key the file asks to keep (`T7`)
    depends: list[str] = field(default_factory=list)  # refs
    renumbered: str | None = None  # why the file's own id could not be its key: said in a note with the new key


@dataclass
class Head:
    """The project an import creates."""

    title: str
    id: str = ""  # from the title when empty
    summary: str = ""
    status: ProjectStatus = ProjectStatus.DRAFT


def split_title(text: str) -> tuple[str, str]:
    """A foreign title as a taskforge title (one line, at most 200 characters) and what did not fit."""
    text = clean_block(text)
    first, _, rest = text.partition("\n")
    first = clean_line(first)
    if len(first) > TITLE_MAX:
        cut = first.rfind(" ", 0, TITLE_MAX - 1)
        cut = cut if cut > TITLE_MAX // 2 else TITLE_MAX - 1
        first, rest = first[:cut].rstrip() + "…", (first + ("\n" + rest if rest else ""))
    return first, rest.strip("\n")


def clip(text: str, limit: int, where: str, notes: list[str] | None) -> str:
    """Text cut to a field's limit, with a note saying so, for formats that hold more than taskforge does."""
    if len(text) <= limit:
        return text
    if notes is not None:
        notes.append(f"{where}: cut its description to {limit:,} characters (it had {len(text):,})")
    return text[: limit - 1].rstrip() + "…"


def kept_fields(tool: str, fields: dict[str, Any]) -> str:
    """Fields taskforge has no place for, as a clearly marked section of a description (never dropped)."""
    if not fields:
        return ""
    lines = [f"{KEPT_HEADING.format(tool=tool)}"]
    for name, value in fields.items():
        if isinstance(value, str) and "\n" in value:  # a Markdown section: indented under its name
            lines.append(f"- {name}:")
            lines += [f"  {line}" if line else "" for line in value.split("\n")]
        else:
            lines.append(f"- {name}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines)


KEPT_HEADING = "Other {tool} fields:"


def build(
    head: Head, records: list[Record], source: str, *, notes: list[str] | None = None, lenient: bool = False,
    within: str = "the file",
) -> tuple[Project, ProjectPatch]:
    """The new project and its one patch; raises BadInput naming the record at fault.

    `lenient` (formats whose own tool loads such files): a dependency on a task not in the file or on
    the task itself is dropped, and a dependency cycle is broken at the edge that closes it, each with a
    note naming the record, instead of refusing the file.
    """
    by_ref: dict[str, Record] = {}
    children: dict[str | None, list[Record]] = {None: []}
    for record in records:
        if record.ref in by_ref:
            raise BadInput(f"{record.where}: {quote(record.ref)} appears twice")
        by_ref[record.ref] = record
    for record in records:
        if record.parent is not None and record.parent not in by_ref:
            raise BadInput(f"{record.where}: its parent {quote(record.parent)} is not in the file")
        children.setdefault(record.parent, []).append(record)

    ordered = _preorder(children, records)
    keys = _assign_keys(ordered, notes)
    if notes is not None:
        notes.extend(f"{r.where}: {r.renumbered}; it became {keys[r.ref]}" for r in records if r.renumbered)
    creates = _operations([_create(record, keys) for record in ordered], ordered)
    links = _dependencies(ordered, by_ref, keys, notes if lenient else None, lenient, within)
    highest = max((int(key[1:]) for key in keys.values()), default=0)  # every key is `T<n>` by now

    title = clean_line(head.title)[:TITLE_MAX] or "Imported project"
    project = Project(
        id=head.id or slugify(title), title=title, summary=clean_block(head.summary)[:5_000],
        status=head.status, next_key=highest + 1,
    )
    patch = ProjectPatch(
        project_id=project.id, base_version=0, rationale=f"Imported from {source}.", task_patches=creates + links
    )
    return project, patch


def _preorder(children: dict[str | None, list[Record]], records: list[Record]) -> list[Record]:
    """Parents before children, siblings in file order; refuses depth beyond MAX_DEPTH and parent loops."""
    ordered: list[Record] = []
    stack = [(record, 1) for record in reversed(children[None])]
    while stack:
        record, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(f"{record.where}: nested {depth} levels deep; taskforge allows {MAX_DEPTH}")
        ordered.append(record)
        stack.extend((child, depth + 1) for child in reversed(children.get(record.ref, [])))
    if len(ordered) < len(records):
        seen = {id(record) for record in ordered}
        stray = next(record for record in records if id(record) not in seen)
        raise BadInput(f"{stray.where}: its chain of parents loops back to itself")
    return ordered


def _assign_keys(ordered: list[Record], notes: list[str] | None = None) -> dict[str, str]:
    """Keep the keys the file gives when they are valid and unique; number the rest after them.

    A key above MAX_IMPORTED_KEY (`T1000000`) is not kept: the task is numbered like one without a key,
    and a note says so.
    """
    kept: dict[str, str] = {}
    too_large: list[Record] = []
    highest = 0
    for record in ordered:
        key = record.key
        if not key or key in kept:
            continue
        number = key_number(key)
        if number is not None and number <= MAX_IMPORTED_KEY:
            kept[key] = record.ref
            highest = max(highest, number)
        elif _oversized(key):
            too_large.append(record)
    refs = {ref: key for key, ref in kept.items()}
    following = highest + 1
    keys: dict[str, str] = {}
    for record in ordered:
        key = refs.get(record.ref)
        if key is None:
            key = f"T{following}"
            following += 1
        keys[record.ref] = key
    if notes is not None:
        for record in too_large:
            notes.append(
                f"{record.where}: its key {quote(record.key, 24)} is above T{MAX_IMPORTED_KEY}, "
                f"the highest an import keeps; imported as {keys[record.ref]}"
            )
    return keys


def _oversized(key: str) -> bool:
    """A key shaped like `T123…` whose number is above what an import keeps."""
    digits = key[1:]
    return key[:1] == "T" and digits.isascii() and digits.isdigit() and (
        len(digits) > len(str(MAX_IMPORTED_KEY)) or int(digits) > MAX_IMPORTED_KEY
    )


def _create(record: Record, keys: dict[str, str]) -> dict[str, Any]:
    parent = keys[record.parent] if record.parent is not None else None
    return {"op": Op.CREATE, "task_id": keys[record.ref], "body": {"parent_task_id": parent, **record.fields}}


def _operations(documents: list[dict[str, Any]], records: list[Record]) -> list[TaskPatch]:
    """The operations validated in one call (10,000 calls cost more than the checks they make); the first
    one at fault is refused, naming its record (`records[i]` made `documents[i]`) and the field."""
    try:
        return ProjectPatch.model_validate({"project_id": "-", "base_version": 0, "task_patches": documents}).task_patches
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]  # in list order: the first record at fault, as one by one
        raise BadInput(f"{records[error['loc'][1]].where}: {_reason(error, error['loc'][3:])}") from None


def _dependencies(
    ordered: list[Record], by_ref: dict[str, Record], keys: dict[str, str], notes: list[str] | None, lenient: bool,
    within: str = "the file",
) -> list[TaskPatch]:
    graph: dict[str, list[str]] = {}
    for record in ordered:
        targets: list[str] = []
        for ref in record.depends:
            if ref not in by_ref:
                if not lenient:
                    raise BadInput(f"{record.where}: depends on {ref}, which is not in the file")
                _say(notes, f"{record.where}: depends on {ref}, which is not in {within}; dropped that dependency")
            elif ref == record.ref:
                if not lenient:
                    raise BadInput(f"{record.where}: depends on itself")
                _say(notes, f"{record.where}: depends on itself; dropped that dependency")
            elif ref not in targets:
                targets.append(ref)
        graph[record.ref] = targets
    _refuse_cycles(graph, by_ref, notes if lenient else None, lenient)
    linked = [record for record in ordered if graph[record.ref]]
    return _operations([
        {"op": Op.UPDATE, "task_id": keys[record.ref], "body": {"depends_on": [keys[ref] for ref in graph[record.ref]]}}
        for record in linked
    ], linked)


def _say(notes: list[str] | None, note: str) -> None:
    if notes is not None:
        notes.append(note)


def _refuse_cycles(
    graph: dict[str, list[str]], by_ref: dict[str, Record], notes: list[str] | None = None, lenient: bool = False
) -> None:
    """Depth-first search without recursion (a 10,000-task chain must not hit the recursion limit).

    Lenient: a cycle is broken at its last edge, the one from the last task on the path back to the
    first (it is removed from `graph`), and the search goes on.
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in graph:
        if state.get(start):
            continue
        path = [start]
        iterators = [iter(list(graph[start]))]
        state[start] = 1
        while iterators:
            following = next(iterators[-1], None)
            if following is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(following) == 1:
                loop = path[path.index(following):] + [following]
                names = " → ".join(_name(by_ref[ref]) for ref in loop)
                if not lenient:
                    raise BadInput(f"{by_ref[following].where}: its dependencies form a cycle ({names})")
                last = by_ref[path[-1]]
                graph[last.ref].remove(following)
                _say(notes, f"{last.where}: its dependencies form a cycle ({names}); "
                            f"dropped its dependency on {_name(by_ref[following])}")
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                iterators.append(iter(list(graph[following])))


def _name(record: Record) -> str:
    title = str(record.fields.get("title", ""))
    return record.key or (f'"{title[:40]}"' if title else record.ref)


def _reason(error: dict[str, Any], loc: tuple) -> str:
    """A validation error in a task's fields: `loc` is where, within the fields."""
    where = ".".join(str(part) for part in loc)
    message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
