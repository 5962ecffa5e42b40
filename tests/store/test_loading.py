"""Loading a big tree costs one query for the project and one for all its tasks; a patch of creates reads
only the outline of the tasks already there."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.store import rows
from tests.builders import create, delete, patch, update
from tests.generators import generated_patch


def test_ten_thousand_tasks_load_in_two_queries(repo):
    patch = generated_patch("big", 10_000)
    repo.create_project(Project(id="big", title="Big"), patch, Provenance(), mode=Mode.IMPORT)

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(repo.engine, "before_cursor_execute", listener)
    try:
        tree = repo.load("big")
    finally:
        event.remove(repo.engine, "before_cursor_execute", listener)

    assert len(tree) == 10_000
    assert max(tree.depth(key) for key in tree.tasks) == 5
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects


def _task_selects(repo, write) -> list[str]:
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(repo.engine, "before_cursor_execute", listener)
    try:
        write()
    finally:
        event.remove(repo.engine, "before_cursor_execute", listener)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and " FROM task " in s]


def test_a_patch_of_creates_reads_only_the_outline_of_the_tasks_already_there(repo, sample):
    applied = None

    def write() -> None:
        nonlocal applied
        applied = repo.apply_patch(patch(create("n1", "Between", parent_task_id="T1", position=1)), mode=Mode.EDIT)

    (read,) = [s for s in _task_selects(repo, write) if "WHERE project_id" in s]
    assert "title" not in read and "depends_on" in read
    assert applied is not None
    assert applied.project_id == "sample"
    assert applied.tree.snapshot() == repo.load("sample").snapshot()  # read whole, when asked
    assert applied.tree["T2"].title == "Wireframes"


def test_a_patch_that_changes_tasks_reads_those_whole_with_all_below_what_it_deletes(repo, sample):
    statements: list[tuple[str, tuple]] = []
    listener = lambda *args: statements.append((args[2], args[3]))  # noqa: E731
    event.listen(repo.engine, "before_cursor_execute", listener)
    try:
        applied = repo.apply_patch(patch(update("T4", depends_on=[]), delete("T1", cascade=True)), mode=Mode.EDIT)
    finally:
        event.remove(repo.engine, "before_cursor_execute", listener)
    outline, whole = [(sql, params) for sql, params in statements if " FROM task WHERE project_id" in sql]
    assert "title" not in outline[0]
    assert "title" in whole[0] and set(whole[1][1:]) == {"T1", "T2", "T3", "T4"}
    assert applied.tree.snapshot() == repo.load("sample").snapshot()
    assert sorted(applied.tree.tasks) == ["T4", "T5", "T6"]
    repo.undo("sample")  # the inverse restores every field of what the delete took
    assert repo.load("sample").snapshot() == sample.snapshot()


def test_an_outline_holds_where_tasks_sit_and_nothing_else(sample):
    project = sample.project
    project_row = (project.id, project.title, project.summary, project.status.value, project.version, project.next_key, "")
    ids = {key: n for n, key in enumerate(sample.tasks, start=1)}
    outline_rows = [
        (ids[key], key, ids.get(task.parent_key), json.dumps(task.depends_on)) for key, task in sample.tasks.items()
    ]
    tree, row_ids = rows.outline(project_row, outline_rows)
    assert row_ids == ids
    assert tree.children == {key: keys for key, keys in sample.children.items()}
    assert {key: (task.parent_key, list(task.depends_on)) for key, task in tree.tasks.items()} == {
        key: (task.parent_key, task.depends_on) for key, task in sample.tasks.items()
    }
    with pytest.raises(AttributeError):
        tree["T1"].title  # noqa: B018 - an outline never passes for the task


def test_the_tree_after_a_patch_of_creates_is_worked_out_from_the_tree_it_followed(repo, sample):
    applied = repo.apply_patch(patch(create("n1", "First", parent_task_id="T4", position=0), create("n2", "Under it", parent_task_id="n1")), mode=Mode.EDIT)
    assert _task_selects(repo, lambda: applied.following(sample)) == []  # nothing read again
    assert applied.tree.snapshot() == repo.load("sample").snapshot()
    assert applied.tree.project.version == applied.record.version_after == 2


def test_a_tree_at_another_version_is_not_followed_but_read_again(repo, sample):
    repo.apply_patch(patch(update("T6", title="Ship it")), mode=Mode.EDIT)
    applied = repo.apply_patch(patch(create("n1", "New"), base=2), mode=Mode.EDIT)
    assert len(_task_selects(repo, lambda: applied.following(sample))) == 1  # `sample` is version 1: stale
    assert applied.tree.snapshot() == repo.load("sample").snapshot()
    assert applied.tree["T6"].title == "Ship it"
