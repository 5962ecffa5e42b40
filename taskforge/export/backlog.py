"""Backlog.md (npm backlog.md): a project folder of Markdown task files with YAML front matter.

    FOLDER/backlog/config.yml                     written when missing (project_name, statuses, task_prefix)
    FOLDER/backlog/tasks/task-2 - Login-form.md   one file per task, named as Backlog.md names them
    FOLDER/backlog/tasks/task-2.7 - Email-field.md

    ---
    id: TASK-2.7
    title: Email field
    status: In Progress
    assignee: []
    created_date: '2025-03-01 12:00'
    labels:
      - ux
    dependencies:
      - TASK-3
    parent_task_id: TASK-2
    priority: high
    ordinal: 2000
    ---

    ## Description

    <!-- SECTION:DESCRIPTION:BEGIN -->
    The description, as Backlog.md's own Markdown field.
    <!-- SECTION:DESCRIPTION:END -->

    ## Acceptance Criteria
    <!-- AC:BEGIN -->
    - [ ] #1 it accepts valid emails
    <!-- AC:END -->

Ids: a root task is the prefix and its key's number (T2 → TASK-2); a sub-task is its parent's id, a
dot and its own key's number (T7 under T2 → TASK-2.7), the dotted form Backlog.md gives sub-tasks, so
keys survive a round trip. The hierarchy is `parent_task_id`, as `backlog task create -p` writes it.
Status: todo → "To Do", doing → "In Progress", done → "Done", blocked → "Blocked" (a status the config
written here declares; with a config that lacks it, "To Do" and a `blocked` label, with a note).
Priority: critical → high (with a note). Estimates and time spent have no place (a note says so).
`ordinal` counts up in outline order, so Backlog.md's board keeps the taskforge order.

Reading takes a folder holding `backlog/` (or `.backlog/`), or the backlog folder itself: the task
files in `tasks/` and `completed/` (drafts and archived tasks are left out, with a note). Sections and
fields taskforge has no place for (assignee, milestone, due date, references, implementation plan and
notes, final summary, …) are kept in the description under "Other Backlog.md fields:"; `created_date`,
`updated_date` and `ordinal` are bookkeeping (ordinal gives the sibling order) and are not kept.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from taskforge.core.errors import BadInput
from taskforge.core.limits import DESCRIPTION_MAX
from taskforge.core.models import Priority, Project, Status, Task
from taskforge.core.patches import ProjectPatch
from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree
from taskforge.export.building import Head, Record, build, clip, kept_fields, split_title
from taskforge.export.common import dependencies, in_scope, left_out, outline, utc_now

STATUSES = {Status.TODO: "To Do", Status.DOING: "In Progress", Status.BLOCKED: "Blocked", Status.DONE: "Done"}
PRIORITIES = {Priority.CRITICAL: "high", Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}
DEFAULT_PREFIX = "task"
MAX_FILES = 20_000  # task files read from one folder
MAX_FILE_BYTES = 1_000_000  # one task file

# -- writing ------------------------------------------------------------------------------------------


def losses(tree: Tree, root: str | None = None) -> list[str]:
    keys = [key for key, _ in outline(tree, root)]
    notes = left_out("backlog", tree, root, ["estimate_minutes", "actual_minutes"])
    critical = sum(tree[k].priority is Priority.CRITICAL for k in keys)
    if critical:
        notes.append(f"backlog: {critical} critical task(s) written as high priority")
    return notes


def backlog_dir(folder: Path) -> Path:
    """The Backlog.md folder inside a project folder: an existing `.backlog/`, else `backlog/`."""
    if folder.name in ("backlog", ".backlog") and (folder / "config.yml").is_file():
        return folder
    hidden = folder / ".backlog"
    return hidden if hidden.is_dir() and not (folder / "backlog").is_dir() else folder / "backlog"


def write(tree: Tree, root: str | None, folder: Path, notes: list[str] | None = None, *,
          now: datetime | None = None) -> list[Path]:
    """Write the project (or `root`'s subtree) into FOLDER's Backlog.md project; returns the files written.

    Refuses, before writing anything, a task file whose id is already taken in `tasks/`: an export adds
    tasks, it never replaces someone's.
    """
    base = backlog_dir(folder)
    config_path = base / "config.yml"
    config = _config(config_path) if config_path.is_file() else None
    prefix = str((config or {}).get("task_prefix") or DEFAULT_PREFIX)
    statuses = [str(s) for s in (config or {}).get("statuses") or []] if config else list(STATUSES.values())
    has_blocked = any(s.lower() == "blocked" for s in statuses)
    files = render_files(tree, root, prefix=prefix, blocked=has_blocked, now=now)

    tasks_dir = base / "tasks"
    taken = _ids_in(tasks_dir) | _ids_in(base / "completed")
    clash = [name for name in files if _file_id(name) in taken]
    if clash:
        raise BadInput(f"{tasks_dir} already holds {_file_id(clash[0]).upper()}; export into a folder without those ids")
    blocked = sum(tree[key].status is Status.BLOCKED for key, _ in outline(tree, root))
    if blocked and not has_blocked and notes is not None:
        notes.append(f"backlog: {config_path} has no Blocked status; {blocked} blocked task(s) written as To Do "
                     "with the label blocked")
    try:
        tasks_dir.mkdir(parents=True, exist_ok=True)
        written = []
        if config is None:
            _write_file(config_path, config_text(tree.project.title, prefix))
            written.append(config_path)
        for name, text in files.items():
            _write_file(tasks_dir / name, text)
            written.append(tasks_dir / name)
    except OSError as exc:
        raise BadInput(f"cannot write into {base}: {exc.strerror}") from None
    return written


def config_text(project_name: str, prefix: str = DEFAULT_PREFIX) -> str:
    """A config.yml as `backlog init` writes it, with Blocked among the statuses."""
    return (
        f"project_name: {_scalar(clean_line(project_name) or 'taskforge project')}\n"
        'default_status: "To Do"\n'
        'statuses: ["To Do", "In Progress", "Blocked", "Done"]\n'
        "labels: []\n"
        "date_format: yyyy-mm-dd\n"
        "max_column_width: 20\n"
        "auto_open_browser: false\n"
        "default_port: 6420\n"
        "remote_operations: false\n"
        "auto_commit: false\n"
        "filesystem_only: true\n"
        "bypass_git_hooks: false\n"
        "check_active_branches: false\n"
        "active_branch_days: 30\n"
        f"task_prefix: {_scalar(prefix)}\n"
    )


def render_files(tree: Tree, root: str | None = None, *, prefix: str = DEFAULT_PREFIX, blocked: bool = True,
                 now: datetime | None = None) -> dict[str, str]:
    """File name (inside `tasks/`) → text, one per task, in outline order."""
    stamp = (now or utc_now()).strftime("%Y-%m-%d %H:%M")
    scope = in_scope(tree, root)
    ids: dict[str, str] = {}
    fronts: dict[str, dict[str, Any]] = {}
    for number, (key, depth) in enumerate(outline(tree, root), start=1):
        task = tree[key]
        own = key.removeprefix("T")
        parent = ids.get(task.parent_key) if depth > 1 and task.parent_key else None
        ids[key] = f"{parent}.{own}" if parent else f"{prefix.upper()}-{own}"
        labels = [clean_line(tag) for tag in task.tags]
        status = STATUSES[task.status]
        if task.status is Status.BLOCKED and not blocked:
            status = STATUSES[Status.TODO]
            labels.append("blocked")
        front: dict[str, Any] = {
            "id": ids[key],
            "title": clean_line(task.title),
            "status": status,
            "assignee": [],
            "created_date": stamp,
            "labels": labels,
            "dependencies": [],  # filled below: a dependency may come later in the outline
        }
        if parent:
            front["parent_task_id"] = parent
        front["priority"] = PRIORITIES[task.priority]
        front["ordinal"] = number * 1000
        fronts[key] = front
    files: dict[str, str] = {}
    for key, front in fronts.items():
        front["dependencies"] = [ids[dep] for dep in dependencies(tree, key, scope)]
        files[f"{ids[key].lower()} - {filename_title(tree[key].title)}.md"] = _task_text(front, tree[key])
    return files


def filename_title(title: str) -> str:
    """Backlog.md's sanitizeFilename, as its source has it."""
    text = re.sub(r'[<>:"/\\|?*]', "-", clean_line(title))
    text = re.sub(r"['(),!@#$%^&+=\[\]{};]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return text[:120].rstrip("-") or "untitled"


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as Backlog.md (js-yaml) writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _task_text(front: dict[str, Any], task: Task) -> str:
    header = yaml.dump(front, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000)
    body = []
    if task.description:
        body += ["## Description", "", "<!-- SECTION:DESCRIPTION:BEGIN -->", _unmarked(clean_block(task.description)),
                 "<!-- SECTION:DESCRIPTION:END -->", ""]
    if task.acceptance_criteria:
        body += ["## Acceptance Criteria", "<!-- AC:BEGIN -->"]
        body += [f"- [ ] #{n} {clean_line(c)}" for n, c in enumerate(task.acceptance_criteria, start=1)]
        body += ["<!-- AC:END -->", ""]
    return "---\n" + header + "---\n\n" + "\n".join(body)


def _unmarked(text: str) -> str:
    """A description cannot end its own section early: its marker comments are broken up."""
    return text.replace("<!-- SECTION:", "<!-- SECTION :")


def _scalar(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_file(path: Path, text: str) -> None:
    """Through a temporary file and a rename, so that a file is whole or absent."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".taskforge-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_id(name: str) -> str:
    return name.split(" - ", 1)[0].removesuffix(".md").lower()


def _ids_in(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {_file_id(path.name) for path in folder.glob("*.md")}


# -- reading ------------------------------------------------------------------------------------------

IMPORT_STATUSES = {"to do": Status.TODO, "todo": Status.TODO, "in progress": Status.DOING, "blocked": Status.BLOCKED,
                   "done": Status.DONE}
IMPORT_PRIORITIES = {"high": Priority.HIGH, "medium": Priority.MEDIUM, "low": Priority.LOW,
                     "critical": Priority.CRITICAL}
KNOWN = {"id", "title", "status", "labels", "dependencies", "parent_task_id", "subtasks", "priority",
         "created_date", "updated_date", "ordinal"}
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^## +(.+?)[ \t]*$", re.MULTILINE)
_MARKER = re.compile(r"^[ \t]*<!--\s*[A-Z_:]+:(?:BEGIN|END)\s*-->[ \t]*$\n?", re.MULTILINE)
_CRITERION = re.compile(r"^\s*- \[([ xX])\](?: #\d+)?\s+(.*)$")
_NUMBERS = re.compile(r"(\d+)")


def is_backlog_folder(folder: Path) -> bool:
    base = backlog_dir(folder)
    return (base / "tasks").is_dir() or (base / "config.yml").is_file()


def read_folder(folder: Path, notes: list[str] | None = None) -> tuple[Project, ProjectPatch]:
    base = backlog_dir(folder)
    if not base.is_dir():
        raise BadInput(f"{folder} holds no backlog/ folder (a Backlog.md project)")
    config = _config(base / "config.yml") if (base / "config.yml").is_file() else {}
    paths = []
    for part in ("tasks", "completed"):
        if (base / part).is_dir():
            paths += sorted((base / part).glob("*.md"))
    if len(paths) > MAX_FILES:
        raise BadInput(f"{base}: {len(paths):,} task files; taskforge imports at most {MAX_FILES:,}")
    left = [part for part in ("drafts", "archive") if (base / part).is_dir() and any((base / part).rglob("*.md"))]
    if left and notes is not None:
        notes.append(f"left out the {' and '.join(left)} of {base.name}/ (not tasks of the board)")

    records: list[Record] = []
    by_id: dict[str, Record] = {}
    order: dict[str, tuple] = {}
    subtasks: dict[str, list[str]] = {}
    kept: set[str] = set()
    for path in paths:
        where = f"{path.parent.name}/{path.name}"
        record, front = _read_task(path, where, notes, kept)
        if record.ref in by_id:
            if notes is not None:
                notes.append(f"{where}: id {record.ref} repeats {by_id[record.ref].where}; left it out")
            continue
        by_id[record.ref] = record
        ordinal = front.get("ordinal")
        ordinal = ordinal if isinstance(ordinal, (int, float)) and not isinstance(ordinal, bool) else float("inf")
        order[record.ref] = (ordinal, [int(n) for n in _NUMBERS.findall(record.ref)], record.ref)
        subtasks[record.ref] = [_id(s) for s in front.get("subtasks") or [] if isinstance(s, (str, int))]
        records.append(record)
    for parent, children in subtasks.items():  # older files list sub-tasks on the parent
        for child in children:
            if child in by_id and by_id[child].parent is None:
                by_id[child].parent = parent
    for record in records:
        if record.parent is not None and record.parent not in by_id:
            if notes is not None:
                notes.append(f"{record.where}: its parent {record.parent} is not in the folder; imported it as a root task")
            record.parent = None
    records.sort(key=lambda record: order[record.ref])
    if kept and notes is not None:
        notes.append(f"kept {', '.join(sorted(kept))} in the descriptions (taskforge has no field for them)")
    name = config.get("project_name")
    head = Head(title=str(name) if isinstance(name, (str, int)) and str(name).strip() else folder.resolve().name)
    return build(head, records, "a Backlog.md folder", notes=notes, lenient=True, within="the folder")


def _config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(_bounded(path))
    except yaml.YAMLError as exc:
        raise BadInput(f"{path}: not YAML ({_yaml_reason(exc)})") from None
    return data if isinstance(data, dict) else {}


def _bounded(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = clean_line(str(getattr(exc, "problem", "") or "invalid"))
    return f"{problem} at line {mark.line + 1}" if mark is not None else problem


def _id(value: Any) -> str:
    return clean_line(str(value)).upper()


def _read_task(path: Path, where: str, notes: list[str] | None, kept: set[str]) -> tuple[Record, dict[str, Any]]:
    text = _bounded(path).replace("\r\n", "\n")
    match = _FRONT.match(text)
    if not match:
        raise BadInput(f"{where}: no front matter (a Backlog.md task file starts with ---)")
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise BadInput(f"{where}: front matter is not YAML ({_yaml_reason(exc)})") from None
    if not isinstance(front, dict):
        raise BadInput(f"{where}: front matter is not a mapping of fields")
    ref = _id(front.get("id") or _file_id(path.name))
    title, overflow = split_title(str(front.get("title") or ""))
    if not title:
        raise BadInput(f"{where}: no title")
    where = f'{where} ({ref}, "{title[:40]}")'

    other: dict[str, Any] = {}
    status_name = clean_line(str(front.get("status") or "To Do"))
    status = IMPORT_STATUSES.get(status_name.lower())
    if status is None:
        status = Status.TODO
        other["status"] = status_name
    priority_name = clean_line(str(front.get("priority") or "medium"))
    priority = IMPORT_PRIORITIES.get(priority_name.lower())
    if priority is None:
        priority = Priority.MEDIUM
        other["priority"] = priority_name
    other.update({name: _plain(value) for name, value in front.items()
                  if name not in KNOWN and value not in (None, "", [], {})})

    description, criteria, ticked = "", [], 0
    body = match.group(2)
    sections = _sections(body)
    for heading, content in sections:
        if heading is None or heading.lower() == "description":
            description = "\n\n".join(part for part in (description, content) if part)
        elif heading.lower() == "acceptance criteria":
            for line in content.split("\n"):
                item = _CRITERION.match(line)
                if item:
                    criteria.append(clean_line(item.group(2)))
                    ticked += item.group(1) in "xX"
                elif line.strip():
                    criteria.append(clean_line(line.strip().removeprefix("- ")))
        elif content:
            other[heading] = content
    if ticked and notes is not None:
        notes.append(f"{where}: kept {ticked} ticked acceptance criteria without the tick (taskforge has none)")
    kept.update(other)
    parts = [overflow, description, kept_fields("Backlog.md", other)]
    labels = front.get("labels") or []
    dependencies_ = front.get("dependencies") or []
    fields = {
        "title": title,
        "description": clip("\n\n".join(p.strip("\n") for p in parts if p and p.strip()), DESCRIPTION_MAX, where, notes),
        "status": status,
        "priority": priority,
        "acceptance_criteria": [c for c in criteria if c],
        "tags": [clean_line(str(label)) for label in (labels if isinstance(labels, list) else [labels])],
    }
    depends = [_id(dep) for dep in (dependencies_ if isinstance(dependencies_, list) else [dependencies_])]
    parent = front.get("parent_task_id")
    number = _NUMBERS.findall(ref)
    return Record(where=where, ref=ref, fields=fields, parent=_id(parent) if parent else None,
                  key=f"T{int(number[-1])}" if number and int(number[-1]) > 0 else None, depends=depends), front


def _sections(body: str) -> list[tuple[str | None, str]]:
    """(heading, text) for each `## Heading` of a task body, marker comments removed; text before any heading first."""
    body = _MARKER.sub("", body)
    found = list(_SECTION.finditer(body))
    sections: list[tuple[str | None, str]] = []
    lead = body[: found[0].start()] if found else body
    if lead.strip():
        sections.append((None, clean_block(lead)))
    for n, heading in enumerate(found):
        end = found[n + 1].start() if n + 1 < len(found) else len(body)
        sections.append((clean_line(heading.group(1)), clean_block(body[heading.end():end])))
    return sections


def _plain(value: Any) -> Any:
    """A front-matter value as JSON can say it (dates become text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
