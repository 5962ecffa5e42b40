"""What the CLI and the TUI both do, written once: each shell only parses input and shows results.

Opening the store, applying a patch document, approving, exporting and importing, and the direct edits a
user makes on one task (the TUI's `n r s x` keys): each edit is an ordinary audited patch, so undo and history
see it; it needs no review because the user typed the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskforge.core.bulk import gc_paused
from taskforge.core.diff import DiffEntry, entries
from taskforge.core.errors import BadInput, NothingToDo, UnknownProject, UnknownTask
from taskforge.core.history import Provenance
from taskforge.core.limits import MAX_DEPTH, TITLE_MAX
from taskforge.core.models import SLUG_PATTERN, Mode, Project, ProjectStatus, Status
from taskforge.core.patches import (
    MetaUpdates,
    PatchError,
    ProjectPatch,
    TaskPatch,
    parse_patch,
    replay,
)
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from taskforge.export import FOLDERS, folder_format, import_format, importer
from taskforge.export.files import check_export_target as check_export_target
from taskforge.export.files import export_text as export_text
from taskforge.export.files import write_export as write_export
from taskforge.inputs import decoded as decoded
from taskforge.inputs import read_bounded as read_bounded
from taskforge.inputs import read_text_file as read_text_file
from taskforge.store.interface import Applied, Repository


def open_repository(db: str | None, *, create: bool = True) -> Repository:
    """The repository on `db` (a path or URL; the configured database when None), with the configured limits."""
    from taskforge.config import settings
    from taskforge.core.patches import Limits
    from taskforge.store.repository import SqlRepository

    config = settings()
    return SqlRepository.open(db, create=create, limits=Limits(max_ops=config.max_ops), author=config.user)


def provenance(message: str, planner: str, **more) -> Provenance:
    """Why and by whom a change is made: the setting `user` is its author."""
    from taskforge.config import current_user

    return Provenance(message=message, planner=planner, author=current_user(), **more)


@dataclass(frozen=True)
class Preview:
    """A validated patch and what it would do, before anything is written."""

    patch: ProjectPatch
    entries: list[DiffEntry]
    tree: Tree


def preview(
    repo: Repository, patch: ProjectPatch, mode: Mode = Mode.PROJECT, focus: str | None = None, *, tree: Tree | None = None
) -> Preview:
    """Validate against the stored project (or `tree`) and compute the diff; raises PatchError."""
    tree = tree if tree is not None else repo.load(patch.project_id)
    if mode is Mode.TASK and focus not in tree:
        raise UnknownTask(tree.project.id, str(focus))
    result = replay(patch, tree, mode, focus)
    if result.problems:
        raise PatchError(result.problems)
    return Preview(patch, entries(result), tree)


def read_patch(text: str, project_id: str) -> ProjectPatch:
    patch = parse_patch(text)
    if patch.project_id != project_id:
        raise BadInput(f"the patch is for project '{patch.project_id}', not '{project_id}'")
    return patch


def new_project_for(patch: ProjectPatch) -> Project:
    """The project a patch at version 0 creates when its id is not taken yet."""
    if not SLUG_PATTERN.fullmatch(patch.project_id):
        raise BadInput(
            f"'{patch.project_id}' cannot be a project id: use lowercase letters, digits and dashes"
        )
    title = patch.meta_updates.title or patch.project_id.replace("-", " ").capitalize()
    return Project(id=patch.project_id, title=title)


def apply_document(
    repo: Repository,
    patch: ProjectPatch,
    *,
    focus: str | None = None,
    provenance: Provenance,
    dry_run: bool = False,
) -> tuple[Preview, Applied | None]:
    """Apply a patch document; one at version 0 for an unknown project creates that project."""
    mode = Mode.TASK if focus else Mode.PROJECT
    try:
        tree = repo.load(patch.project_id)
        new = None
    except UnknownProject:
        if patch.base_version != 0 or focus:
            raise
        new = new_project_for(patch)
        tree = Tree.empty(new)
    shown = preview(repo, patch, mode, focus, tree=tree)
    if dry_run:
        return shown, None
    if new is not None:
        return shown, repo.create_project(new, patch, provenance, mode=mode, rename_if_taken=False)
    return shown, repo.apply_patch(patch, mode=mode, focus=focus, provenance=provenance)


def approve(repo: Repository, project_id: str) -> Applied:
    """Draft → active: an ordinary patch, so it is audited and can be undone."""
    tree = repo.load(project_id)
    if tree.project.status is ProjectStatus.ACTIVE:
        raise NothingToDo(f"'{project_id}' is already approved")
    if not tree.tasks:
        raise BadInput(f"'{project_id}' has no tasks yet: there is no plan to approve")
    patch = ProjectPatch(
        project_id=project_id,
        base_version=tree.project.version,
        rationale="Plan approved.",
        meta_updates=MetaUpdates(status=ProjectStatus.ACTIVE),
    )
    return repo.apply_patch(patch, mode=Mode.EDIT, provenance=provenance("approve plan", "user"))


def import_file(
    repo: Repository, path: Path | None, text: str, fmt: str | None, notes: list[str] | None = None
) -> Applied:
    """A new project from a file, through one audited patch that can be undone; what was left out goes to `notes`."""
    name, fmt = import_format(path, text, fmt)
    with gc_paused():  # tens of thousands of small objects: no point rescanning them as they pile up
        project, patch = importer(fmt).read(text, notes)
    return _create(repo, name, [(project, patch)])[0]


def import_projects(
    repo: Repository, path: Path | None, text: str, fmt: str | None, notes: list[str] | None = None,
    *, tag: str | None = None,
) -> list[Applied]:
    """Every project a file holds (each tag of a Task Master file, or only `tag`), one audited patch each."""
    name, fmt = import_format(path, text, fmt)
    module = importer(fmt)
    if tag is not None and not hasattr(module, "read_all"):
        raise BadInput(f"--tag is for Task Master files, not {fmt}")
    with gc_paused():
        read = module.read_all(text, notes, tag=tag) if hasattr(module, "read_all") else [module.read(text, notes)]
    return _create(repo, name, read)


def import_folder(repo: Repository, folder: Path, fmt: str, notes: list[str] | None = None) -> Applied:
    """A new project from a folder format (Backlog.md), through one audited patch."""
    if fmt not in FOLDERS:
        raise BadInput(f"{folder.name} is a folder; only {', '.join(FOLDERS)} imports a folder")
    with gc_paused():
        project, patch = folder_format(fmt).read_folder(folder, notes)
    return _create(repo, clean_line(folder.name), [(project, patch)])[0]


def folder_import_format(folder: Path) -> str | None:
    """The folder format a directory holds, if any."""
    return "backlog" if folder_format("backlog").is_backlog_folder(folder) else None


def export_folder(tree: Tree, fmt: str, folder: Path, task: str | None = None, notes: list[str] | None = None) -> list[Path]:
    """Write a folder format (Backlog.md) into `folder`; returns the files written."""
    if task is not None and task not in tree:
        raise UnknownTask(tree.project.id, task)
    module = folder_format(fmt)
    if notes is not None:
        notes.extend(module.losses(tree, task))
    return module.write(tree, task, folder, notes)


def _create(repo: Repository, name: str, read: list[tuple[Project, ProjectPatch]]) -> list[Applied]:
    """Each project through its own audited patch; with several, every patch is checked before any is written."""
    if len(read) > 1:
        for project, patch in read:
            result = replay(patch, Tree.empty(project), Mode.IMPORT)
            if result.problems:
                _refuse(name, PatchError(result.problems))
    applied = []
    for project, patch in read:
        try:
            applied.append(repo.create_project(
                project, patch, provenance(f"import {name}", "import"), mode=Mode.IMPORT
            ))
        except PatchError as exc:
            _refuse(name, exc)
    return applied


def _refuse(name: str, exc: PatchError) -> None:
    """Name the task, not the operation of a patch the user never wrote."""
    reasons = "; ".join(f"task {p.task_id}: {p.reason}" if p.task_id else p.reason for p in exc.problems)
    raise BadInput(f"{name}: {reasons}") from None


# -- direct edits on one task ------------------------------------------------------------------

STATUS_CYCLE = list(Status)  # todo → doing → blocked → done → todo


def next_status(status: Status) -> Status:
    return STATUS_CYCLE[(STATUS_CYCLE.index(status) + 1) % len(STATUS_CYCLE)]


def _title(text: str) -> str:
    title = clean_line(text)
    if not title:
        raise BadInput("a task needs a title")
    if len(title) > TITLE_MAX:
        raise BadInput(f"the title is too long ({len(title)} characters; at most {TITLE_MAX})")
    return title


def _task(tree: Tree, key: str) -> None:
    if key not in tree:
        raise UnknownTask(tree.project.id, key)


def _apply(repo: Repository, tree: Tree, message: str, ops: list[dict]) -> Applied:
    patch = ProjectPatch(
        project_id=tree.project.id,
        base_version=tree.project.version,
        rationale=message,
        task_patches=[TaskPatch.model_validate(op) for op in ops],
    )
    return repo.apply_patch(patch, mode=Mode.EDIT, provenance=provenance(message, "user"))


def rename(repo: Repository, tree: Tree, key: str, title: str) -> Applied:
    _task(tree, key)
    title = _title(title)
    if title == tree[key].title:
        raise BadInput(f"{key} is already called that")
    return _apply(repo, tree, f"rename {key}", [{"op": "update", "task_id": key, "body": {"title": title}}])


def cycle_status(repo: Repository, tree: Tree, key: str) -> Applied:
    _task(tree, key)
    status = next_status(tree[key].status)
    return _apply(
        repo, tree, f"mark {key} {status.value}", [{"op": "update", "task_id": key, "body": {"status": status.value}}]
    )


def add_child(repo: Repository, tree: Tree, parent: str | None, title: str) -> Applied:
    """A new task at the end of `parent`'s children (or of the top level when `parent` is None)."""
    if parent is not None:
        _task(tree, parent)
        if tree.depth(parent) >= MAX_DEPTH:
            raise BadInput(f"{parent} is at depth {MAX_DEPTH}, the deepest a task can be: it cannot have sub-tasks")
    title = _title(title)
    where = f"under {parent}" if parent else "at the top level"
    return _apply(
        repo, tree, f"add a task {where}",
        [{"op": "create", "task_id": "new", "body": {"parent_task_id": parent, "title": title}}],
    )


def delete(repo: Repository, tree: Tree, key: str) -> Applied:
    """Delete `key` with its sub-tasks; other tasks that depended on them stop depending on them first.

    The store rejects deleting a task others depend on, so the unlinking is spelled out as updates
    in the same patch: the history shows it and undo restores it.
    """
    _task(tree, key)
    gone = set(tree.subtree(key))
    ops: list[dict] = []
    for other, task in tree.tasks.items():
        if other not in gone and gone.intersection(task.depends_on):
            kept = [dep for dep in task.depends_on if dep not in gone]
            ops.append({"op": "update", "task_id": other, "body": {"depends_on": kept}})
    ops.append({"op": "delete", "task_id": key, "cascade": len(gone) > 1})
    return _apply(repo, tree, f"delete {key}", ops)

