"""A nested GitHub-style checklist: readable as it is on GitHub, and read back by `import`.

    # Project title

    > The summary, quoted so that nothing in it can pass for a task.

    Status: active · exported from taskforge project `auth-flow`

    - [ ] **T1** Design login form · doing · high · est 2d · spent 3h · after T4 · #ux
      > the description, quoted line by line under its task
      - Acceptance: it accepts valid emails
      - [x] **T5** A sub-task

Facts follow the title, each after " · ": a status other than todo/done (the box says those), a
priority other than medium, `est`/`spent` (a day is 8 hours), `after` and the keys depended on, `#tags`.
Inline text is Markdown-escaped, and "·" in it is written `&middot;` so that it never splits facts.
Descriptions and the summary are text, not Markdown: quoted line by line and escaped the same way
(plus a list marker or underline at a line's start), so that a `- [ ] …` line is no extra checkbox and
`<script>` no HTML to a CommonMark reader; the importer undoes it for files taskforge exported.

The importer also takes a checklist a person wrote: `-`/`*`/`+` bullets with or without a box, any
indentation, no keys (they are numbered), text under an item as its description, `## headings` as
root tasks that group the items below them.
"""

from __future__ import annotations

import re

from taskforge.core.errors import BadInput
from taskforge.core.limits import MINUTES_PER_DAY
from taskforge.core.models import Priority, Project, ProjectStatus, Status
from taskforge.core.patches import ProjectPatch
from taskforge.core.text import clean_block, clean_line, quote
from taskforge.core.tree import Tree, format_minutes
from taskforge.export.building import Head, Record, build, split_title
from taskforge.export.common import dependencies, in_scope, outline

INDENT = "  "
SEPARATOR = " · "
NO_TASKS = "_No tasks yet._"

# -- writing ------------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = "\\`*_[]<>#|~"
_ENTITY_START = re.compile(r"&(?=#[0-9]+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)")


def inline(text: str) -> str:
    """Keep user text on its line and stop it from turning into Markdown structure or splitting facts."""
    text = _ENTITY_START.sub("&amp;", clean_line(text)).replace("·", "&middot;")
    for char in _MARKDOWN_SPECIAL:
        text = text.replace(char, "\\" + char)
    return text


# At a line's start (after its indentation), what would open a list, a setext heading or an ordered list.
_BLOCK_START = re.compile(r"(\s*)(?:([-+=])|(\d{1,9})([.)]))")


def block_line(line: str) -> str:
    """A line of a description or summary as text: quoted, it must not become a list, a heading, HTML or code.

    The inline escapes, and a backslash before a list marker (`-`, `+`, `1.`) or a setext underline at
    its start; leading spaces are kept. `plain` undoes it, so an export reads back identically.
    """
    text = _ENTITY_START.sub("&amp;", line).replace("·", "&middot;")
    for char in _MARKDOWN_SPECIAL:
        text = text.replace(char, "\\" + char)
    start = _BLOCK_START.match(text)
    if start and start.group(2):
        text = f"{start.group(1)}\\{text[start.end(1):]}"
    elif start:
        text = f"{start.group(1)}{start.group(3)}\\{text[start.end(3):]}"
    return text


def render(tree: Tree, root: str | None = None) -> str:
    project = tree.project
    lines = [f"# {inline(project.title)}", ""]
    if project.summary:
        lines += [_quoted("", block_line(line)) for line in clean_block(project.summary).split("\n")] + [""]
    lines += [f"Status: {project.status.value}{SEPARATOR}exported from taskforge project `{project.id}`", ""]
    scope = in_scope(tree, root)
    for key, depth in outline(tree, root):
        task = tree[key]
        pad = INDENT * (depth - 1)
        box = "x" if task.status is Status.DONE else " "
        facts = []
        if task.status not in (Status.TODO, Status.DONE):
            facts.append(task.status.value)
        if task.priority is not Priority.MEDIUM:
            facts.append(task.priority.value)
        if task.estimate_minutes is not None:
            facts.append(f"est {format_minutes(task.estimate_minutes)}")
        if task.actual_minutes:
            facts.append(f"spent {format_minutes(task.actual_minutes)}")
        depends = dependencies(tree, key, scope)
        if depends:
            facts.append("after " + ", ".join(depends))
        facts += [f"#{inline(tag)}" for tag in task.tags]
        tail = "".join(SEPARATOR + fact for fact in facts)
        lines.append(f"{pad}- [{box}] **{task.key}** {inline(task.title)}{tail}")
        if task.description:
            lines += [_quoted(pad + INDENT, block_line(line)) for line in clean_block(task.description).split("\n")]
        lines += [f"{pad}{INDENT}- Acceptance: {inline(criterion)}" for criterion in task.acceptance_criteria]
    if not tree.tasks:
        lines.append(NO_TASKS)
    return "\n".join(lines).rstrip("\n") + "\n"


def _quoted(pad: str, line: str) -> str:
    # Split on "\n" only: str.splitlines() would also break at U+2028 and friends, which text may hold.
    return f"{pad}> {line}" if line else f"{pad}>"


# -- reading ------------------------------------------------------------------------------------------

_HEADING = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"([-*+]|\d{1,9}[.)])(?:\s+(.*))?$")
_BOX = re.compile(r"\[([ xX]?)\](?:\s+(.*)|$)")
_KEYED = re.compile(r"\*\*(T[1-9][0-9]*)\*\*(?:\s+(.*)|$)")
_STATUS_LINE = re.compile(r"Status: (\w+) · exported from taskforge project `([^`]+)`")
_DURATION = re.compile(r"(?:(\d{1,6})d)?\s*(?:(\d{1,7})h)?\s*(?:(\d{1,8})m)?", re.ASCII)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_ENTITY = re.compile(r"&(middot|amp);")
_ACCEPTANCE = "Acceptance: "


def plain(text: str) -> str:
    """The inverse of `inline`: Markdown escapes and the two entities it writes, undone."""
    text = _ESCAPED.sub(r"\1", text)
    return _ENTITY.sub(lambda match: "·" if match.group(1) == "middot" else "&", text)


class _Item:
    """A task being read, with the indentation of its bullet (a heading group sits at -1)."""

    def __init__(self, record: Record, indent: int):
        self.record = record
        self.indent = indent
        self.description: list[str] = []


def read(text: str, notes: list[str] | None = None) -> tuple[Project, ProjectPatch]:
    head = Head(title="")
    summary: list[str] = []
    items: list[_Item] = []
    stack: list[_Item] = []  # the open items, outermost first; a heading's group at the bottom

    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        stripped = raw.strip()
        indent = _indentation(raw)
        if not stripped or stripped == NO_TASKS:
            if not items:
                summary.append("")
            continue
        heading = _HEADING.fullmatch(stripped) if indent < 4 else None
        if heading:
            if not head.title and not items and heading.group(1) == "#":
                head.title = plain(heading.group(2))
                continue
            group = _Item(_record(number, plain(heading.group(2)) or "Untitled"), -1)
            items.append(group)
            stack = [group]  # the items below it are its children, whatever their indentation
            continue
        item = _ITEM.match(stripped)
        if item and (item.group(2) or "").startswith(_ACCEPTANCE):
            owner = _owner(stack, indent, number)
            owner.record.fields.setdefault("acceptance_criteria", []).append(plain(item.group(2)[len(_ACCEPTANCE):]))
            continue
        if item:
            while stack and stack[-1].indent >= indent:
                stack.pop()
            record = _task(number, item.group(2) or "")
            record.parent = stack[-1].record.ref if stack else None
            new = _Item(record, indent)
            items.append(new)
            stack.append(new)
            continue
        if not items:
            status = _STATUS_LINE.fullmatch(stripped)
            if status:
                head.status = _project_status(status.group(1), number)
                head.id = status.group(2)
            else:
                summary.append(_unquoted(raw))
            continue
        _owner(stack, indent, number).description.append(_unquoted(raw))

    if not head.title and not items:
        raise BadInput("not a Markdown checklist: no # title and no list items")
    ours = bool(head.id)  # our own export (its status line): descriptions and summary were escaped by block_line
    for item in items:
        description = "\n".join(item.description).strip("\n")
        if ours:
            description = plain(description)
        if description:
            extra = item.record.fields.get("description", "")
            item.record.fields["description"] = f"{extra}\n\n{description}" if extra else description
    head.summary = "\n".join(summary).strip("\n")
    if ours:
        head.summary = plain(head.summary)
    head.title = head.title or "Imported checklist"
    return build(head, [item.record for item in items], "a Markdown checklist", notes=notes)


def _indentation(raw: str) -> int:
    leading = raw[: len(raw) - len(raw.lstrip(" \t"))]
    return len(leading.expandtabs(4))


def _unquoted(raw: str) -> str:
    """A line of quoted text (`> text`) as written, or a person's plain line without its indentation."""
    content = raw.lstrip(" \t")
    return content[1:].removeprefix(" ") if content.startswith(">") else content.strip()


def _owner(stack: list[_Item], indent: int, number: int) -> _Item:
    """The innermost open item that text at this indentation belongs to."""
    for item in reversed(stack):
        if item.indent < indent:
            return item
    raise BadInput(f"line {number}: text outside any task (indent it under the task it belongs to)")


def _record(number: int, title: str) -> Record:
    title, overflow = split_title(title)
    if not title:
        raise BadInput(f"line {number}: a task needs a title")
    fields: dict = {"title": title}
    if overflow:
        fields["description"] = overflow
    return Record(where=f"line {number}", ref=f"line {number}", fields=fields)


def _task(number: int, content: str) -> Record:
    """One checklist item: `[x] **T3** Title · facts`, or anything a person writes after a bullet."""
    done = False
    box = _BOX.match(content)
    if box:
        done = box.group(1) in ("x", "X")
        content = box.group(2) or ""
    keyed = _KEYED.match(content)
    key = keyed.group(1) if keyed else None
    if keyed:
        content = keyed.group(2) or ""
    title, *facts = content.split(SEPARATOR)
    try:
        fields = _facts(facts)
    except ValueError as exc:
        if key:  # our own format: a fact we cannot read is a mistake worth reporting
            raise BadInput(f"line {number}: {exc}") from None
        title, fields = content, {}  # a person's title that happens to hold " · "
    record = _record(number, plain(title))
    record.key = key
    if key:
        record.ref = key
    record.depends = fields.pop("depends_on", [])
    record.fields.update(fields)
    record.fields.setdefault("status", Status.DONE if done else Status.TODO)
    return record


def _facts(facts: list[str]) -> dict:
    fields: dict = {}
    for fact in facts:
        fact = fact.strip()
        word, _, rest = fact.partition(" ")
        if fact in Status.__members__.values():
            fields["status"] = Status(fact)
        elif fact in Priority.__members__.values():
            fields["priority"] = Priority(fact)
        elif word in ("est", "spent") and rest:
            fields["estimate_minutes" if word == "est" else "actual_minutes"] = _minutes(rest)
        elif word == "after" and rest:
            fields["depends_on"] = [ref.strip() for ref in rest.split(",") if ref.strip()]
        elif fact.startswith("#") and len(fact) > 1:
            fields.setdefault("tags", []).append(plain(fact[1:]))
        else:
            raise ValueError(f"cannot read “{quote(fact)}” (expected a status, a priority, est …, spent …, after …, or #tag)")
    return fields


def _minutes(text: str) -> int:
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"cannot read the duration “{quote(text)}” (write it like 1d 2h 30m; a day is 8 hours)")
    days, hours, minutes = (int(group or 0) for group in match.groups())
    return days * MINUTES_PER_DAY + hours * 60 + minutes


def _project_status(value: str, number: int) -> ProjectStatus:
    try:
        return ProjectStatus(value)
    except ValueError:
        raise BadInput(f"line {number}: unknown project status “{quote(value)}” (draft or active)") from None
