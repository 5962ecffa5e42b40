"""`taskforge/1`: the canonical, lossless interchange document (export and import).

    {"format": "taskforge/1",
     "project": {"id", "title", "summary", "status"},
     "tasks": [{"key", "title", "description", "status", "priority", "estimate_minutes",
                "actual_minutes", "acceptance_criteria", "depends_on", "tags", "children": [...]}]}

Volatile facts (the version, timestamps) stay out, so export → import → export is identical.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from taskforge.core import jsontext
from taskforge.core.errors import BadInput
from taskforge.core.limits import MAX_IMPORTED_KEY
from taskforge.core.models import Priority, Project, ProjectStatus, Status, key_number
from taskforge.core.patches import (
    Criterion,
    Description,
    Minutes,
    Op,
    ProjectPatch,
    Ref,
    Summary,
    Tag,
    TaskFields,
    TaskPatch,
    Title,
)
from taskforge.core.text import quote
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope

FORMAT = "taskforge/1"


def document(tree: Tree, root: str | None = None, *, with_version: bool = False) -> dict[str, Any]:
    """The document for the whole project, or for the subtree under `root`."""
    project = tree.project
    head: dict[str, Any] = {
        "id": project.id,
        "title": project.title,
        "summary": project.summary,
        "status": project.status.value,
    }
    if with_version:
        head["version"] = project.version

    scope = in_scope(tree, root)

    def node(key: str) -> dict[str, Any]:
        # Field order follows the Task model; the parent is implied by the nesting.
        fields = tree[key].model_dump(mode="json", exclude={"parent_key"})
        if scope is not None:  # a subtree document stays importable on its own
            fields["depends_on"] = dependencies(tree, key, scope)
        return fields | {"children": [node(child) for child in tree.children[key]]}

    tops = [root] if root is not None else tree.roots
    return {"format": FORMAT, "project": head, "tasks": [node(key) for key in tops]}


def render(tree: Tree, root: str | None = None) -> str:
    return json.dumps(document(tree, root), ensure_ascii=False, indent=2) + "\n"


class _TaskRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    title: Title
    description: Description = ""
    status: Status = Status.TODO
    priority: Priority = Priority.MEDIUM
    estimate_minutes: Minutes | None = None
    actual_minutes: Minutes | None = None
    acceptance_criteria: list[Criterion] = Field(default_factory=list, max_length=50)
    depends_on: list[Ref] = Field(default_factory=list, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    children: list[_TaskRecord] = Field(default_factory=list)


class _ProjectRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: Title
    summary: Summary = ""
    status: ProjectStatus = ProjectStatus.DRAFT
    version: int | None = None  # present in `show --json`; ignored on import


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str
    project: _ProjectRecord
    tasks: list[_TaskRecord] = Field(default_factory=list)


def read(text: str, notes: list[str] | None = None) -> tuple[Project, ProjectPatch]:
    """A new project and the one patch that fills it, from a document (lossless: no notes). Raises BadInput."""
    try:
        data = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not a taskforge/1 JSON document: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadInput(f'not a taskforge/1 document (expected "format": "{FORMAT}")')
    try:
        doc = _Document.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = _where(data, error["loc"])
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        raise BadInput(f"{where}: {message}" + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")) from None
    return to_patch(doc)


def _where(data: Any, loc: tuple) -> str:
    """`tasks[0].children[2] (T5).status` from a pydantic location, naming the task by its key."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("key"), str):
            parts[-1] += f" ({node['key']})"
    return ".".join(parts)


def to_patch(doc: _Document) -> tuple[Project, ProjectPatch]:
    creates: list[TaskPatch] = []
    dependencies: list[TaskPatch] = []
    seen: set[str] = set()
    highest = 0

    def visit(record: _TaskRecord, parent: str | None) -> None:
        nonlocal highest
        number = key_number(record.key)
        if number is None and record.key[:1] == "T" and record.key[1:].isascii() and record.key[1:].isdigit():
            number = MAX_IMPORTED_KEY + 1  # a key too long to be one
        if number is None:
            raise BadInput(f"task '{quote(record.key)}': a key looks like T1, T2, …")
        if number > MAX_IMPORTED_KEY:
            raise BadInput(f"task {quote(record.key, 24)}: a key is at most T{MAX_IMPORTED_KEY}")
        if record.key in seen:
            raise BadInput(f"task {record.key}: the key appears twice")
        seen.add(record.key)
        highest = max(highest, number)
        fields = record.model_dump(exclude={"key", "children", "depends_on"})
        creates.append(
            TaskPatch(op=Op.CREATE, task_id=record.key, body=TaskFields.model_validate({"parent_task_id": parent, **fields}))
        )
        if record.depends_on:
            dependencies.append(
                TaskPatch(op=Op.UPDATE, task_id=record.key, body=TaskFields(depends_on=record.depends_on))
            )
        for child in record.children:
            visit(child, record.key)

    for record in doc.tasks:
        visit(record, None)
    for patch in dependencies:
        for dep in patch.body.depends_on:
            if dep not in seen:
                raise BadInput(f"task {patch.task_id}: depends on {dep}, which is not in the file")
    project = Project(
        id=doc.project.id, title=doc.project.title, summary=doc.project.summary,
        status=doc.project.status, next_key=highest + 1,
    )
    patch = ProjectPatch(
        project_id=project.id, base_version=0, rationale="Imported from a taskforge/1 document.",
        task_patches=creates + dependencies,
    )
    return project, patch
