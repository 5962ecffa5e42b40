"""The diff of a past record: the tree before it is rebuilt by walking the stored inverses back."""

from __future__ import annotations

import pytest

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.service import AgentService
from taskforge.core.diff import FieldChange, detail
from taskforge.core.history import Provenance, entries_for, walk_back
from taskforge.core.models import Mode
from taskforge.core.patches import PatchError
from tests.builders import create, delete, patch, update


@pytest.fixture
def story(repo):
    """A project through creates, an update, a move, a cascading delete, a meta edit, undo and redo.

    Returns the repository, the project id and the snapshot the repository held at each version.
    """
    service = AgentService(repo, OfflinePlanner())
    applied = service.accept(service.propose(None, Mode.PROJECT, None, "Build a new user authentication flow"))
    pid = applied.tree.project.id
    snapshots = {1: repo.load(pid).snapshot()}

    def send(*ops, meta=None, mode=Mode.PROJECT):
        version = repo.load(pid).project.version
        repo.apply_patch(patch(*ops, base=version, project=pid, meta=meta), mode=mode, provenance=Provenance(planner="user"))
        snapshots[version + 1] = repo.load(pid).snapshot()

    def step(undo: bool):
        applied = repo.undo(pid) if undo else repo.redo(pid)
        snapshots[applied.record.version_after] = repo.load(pid).snapshot()

    send(create("n1", "Draft the API docs", parent_task_id="T4"), create("n2", "Review them", parent_task_id="n1"))  # T7, T8 (T6 is the plan's documentation)
    send(update("T3", title="Login form", status="doing"))
    send(update("T5", parent_task_id="T4", position=0))
    send(delete("T4", cascade=True))
    step(undo=True)  # the delete
    step(undo=True)  # the move
    step(undo=False)  # the move again
    send(meta={"title": "Auth, reworked"}, mode=Mode.EDIT)
    return repo, pid, snapshots


def trees_before(records, current) -> dict:
    """The tree just before each record, by seq: the walk the history view takes."""
    return {record.seq: tree for record, tree in walk_back(records, current)}


def record_entries(records, current, seq: int):
    """The diff of record `seq` as the history view shows it."""
    [record] = [r for r in records if r.seq == seq]
    return entries_for(record, trees_before(records, current)[seq])


def changes_of(entry) -> dict[str, tuple[str, str]]:
    return {change.name: (change.before, change.after) for change in entry.changes}


def test_tree_before_each_record_is_the_tree_the_repository_had(story):
    repo, pid, snapshots = story
    records, current = repo.history(pid), repo.load(pid)
    assert [r.kind.value for r in records] == ["apply"] * 5 + ["undo", "undo", "redo", "apply"]
    before_each = trees_before(records, current)
    for record in records[1:]:
        before = before_each[record.seq]
        assert before.snapshot() == snapshots[record.version_before], record.seq
        assert before.project.version == record.version_before
    first = before_each[1]
    assert len(first) == 0 and first.project.version == 0
    assert current.snapshot() == snapshots[records[-1].version_after]  # the walk never touches `current`


def test_an_update_shows_old_and_new_values(story):
    repo, pid, _ = story
    [entry] = record_entries(repo.history(pid), repo.load(pid), 3)
    assert (entry.kind, entry.key, entry.title) == ("update", "T3", "Login form")
    assert changes_of(entry) == {
        "title": ('"Implement login, sessions and logout"', '"Login form"'),
        "status": ("todo", "doing"),
    }
    assert 'title: "Implement login, sessions and logout" → "Login form"' in map(detail, entry.changes)


def test_creates_keep_the_keys_they_received(story):
    repo, pid, _ = story
    found = record_entries(repo.history(pid), repo.load(pid), 2)
    assert [(e.kind, e.task_id, e.key, e.title) for e in found] == [
        ("create", "T7", "T7", "Draft the API docs"),
        ("create", "T8", "T8", "Review them"),
    ]
    assert FieldChange("parent", "", "under T7 #1") in found[1].changes


def test_a_move_its_undo_and_its_redo(story):
    repo, pid, _ = story
    records, current = repo.history(pid), repo.load(pid)
    moved = {seq: changes_of(record_entries(records, current, seq)[0])["moved"] for seq in (4, 7, 8)}
    assert moved == {
        4: ("top level #5", "under T4 #1"),
        7: ("under T4 #1", "top level #5"),  # the undo
        8: ("top level #5", "under T4 #1"),  # the redo
    }


def test_a_cascading_delete_and_its_undo_bring_back_the_same_keys(story):
    repo, pid, _ = story
    records, current = repo.history(pid), repo.load(pid)
    [gone] = record_entries(records, current, 5)
    assert (gone.kind, gone.key, gone.removed) == ("delete", "T4", ("T4", "T5", "T7", "T8"))
    back = record_entries(records, current, 6)
    created = [(e.key, e.title) for e in back if e.kind == "create"]
    assert created == [
        ("T4", "Add password reset and two-factor authentication"),
        ("T5", "Security-test, monitor and roll out"),
        ("T7", "Draft the API docs"),
        ("T8", "Review them"),
    ]
    assert all(e.task_id == e.key for e in back)
    restored_dependencies = {e.key: changes_of(e)["depends_on"] for e in back if e.kind == "update"}
    assert restored_dependencies == {"T4": ("", "T3"), "T5": ("", "T3, T4")}


def test_project_metadata_changes(story):
    repo, pid, _ = story
    records = repo.history(pid)
    [entry] = record_entries(records, repo.load(pid), records[-1].seq)
    assert entry.kind == "meta"
    assert changes_of(entry)["title"][1] == '"Auth, reworked"'


def test_a_history_that_does_not_lead_to_the_tree_is_refused(story):
    repo, pid, snapshots = story
    records = repo.history(pid)
    with pytest.raises(PatchError) as caught:
        list(walk_back(records[:-1], repo.load(pid)))
    assert caught.value.conflict
