"""The repository: every rejected patch leaves the database untouched; accepted ones round-trip exactly.

Every test runs on SQLite and on PostgreSQL (the `store` fixture): the same repository, the same answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from taskforge.core.errors import NothingToDo, TaskforgeError, UnknownProject
from taskforge.core.history import Provenance, RecordKind, RejectedOp
from taskforge.core.models import Mode, Project
from taskforge.core.patches import Limits, PatchError, ProjectPatch, apply, replay
from taskforge.store.repository import SqlRepository
from tests.builders import chain, create, delete, patch, update
from tests.conftest import Store, sample_patch, sample_tree


@pytest.fixture
def repo(store: Store) -> Iterator[SqlRepository]:
    repository = SqlRepository.open(store.url)
    yield repository
    repository.close()

# The `sample` fixture stores sample_tree() as project "sample" at version 1:
# T1 Design (T2 Wireframes, T3 Review→T2), T4 Build→T1 (T5 API), T6 Ship.


def state(repository: SqlRepository, project_id: str = "sample") -> tuple:
    tree = repository.load(project_id)
    return tree.snapshot(), tree.project.version, tree.project.next_key, len(repository.history(project_id))


def assert_rejected(
    repo: SqlRepository, store: Store, offending: ProjectPatch, *, mode: Mode = Mode.PROJECT,
    focus: str | None = None, limits: Limits = Limits(), conflict: bool = False,
    error_type: type[TaskforgeError] = PatchError,
) -> TaskforgeError:
    """Apply through a freshly opened repository and prove that not one byte of the database changed."""
    before = state(repo)
    repo.close()  # connections closed: the WAL is folded into the file, so the digest is the whole truth
    digest = store.digest()
    fresh = SqlRepository.open(store.url, limits=limits)
    try:
        with pytest.raises(error_type) as info:
            fresh.apply_patch(offending, mode=mode, focus=focus, provenance=Provenance(message="bad"))
    finally:
        fresh.close()
    assert store.digest() == digest
    with SqlRepository.open(store.url) as reopened:
        assert state(reopened) == before
    error = info.value
    assert getattr(error, "conflict", False) is conflict
    assert error.exit_code == (3 if conflict else 1)
    return error


def test_the_digest_check_notices_a_change(repo, store, sample):
    """The byte-for-byte check is real: an accepted patch does change the file."""
    repo.close()
    digest = store.digest()
    with SqlRepository.open(store.url) as fresh:
        fresh.apply_patch(patch(update("T6", title="Ship it")), mode=Mode.EDIT)
    assert store.digest() != digest


OFFENDING = {
    "missing key": (patch(update("T99", title="x")), {}),
    "missing dependency": (patch(create("n1", depends_on=["T42"])), {}),
    "key deleted earlier in the patch": (patch(delete("T6"), update("T6", title="x")), {}),
    "create with an existing key": (patch(create("T2", "Clash")), {}),
    "same temporary id twice": (patch(create("n1"), create("n1")), {}),
    "parenthood cycle": (patch(update("T1", parent_task_id="T3")), {}),
    "dependency cycle": (patch(update("T1", depends_on=["T4"])), {}),
    "self dependency": (patch(update("T5", depends_on=["T5"])), {}),
    "depth on create": (patch(*chain("T2", ["n3", "n4", "n5", "n6"])), {}),
    "depth on move": (patch(*chain("T6", ["n2", "n3", "n4"]), update("T1", parent_task_id="n4")), {}),
    "seven new roots": (patch(*[create(f"n{i}", f"Root {i}") for i in range(7)]), {}),
    "task mode: create outside focus": (patch(create("n1", parent_task_id="T4")), {"mode": Mode.TASK, "focus": "T1"}),
    "task mode: update outside focus": (patch(update("T6", title="x")), {"mode": Mode.TASK, "focus": "T1"}),
    "task mode: delete the focus": (patch(delete("T1", cascade=True)), {"mode": Mode.TASK, "focus": "T1"}),
    "task mode: move the focus": (patch(update("T1", position=2)), {"mode": Mode.TASK, "focus": "T1"}),
    "task mode: meta updates": (patch(meta={"title": "x"}), {"mode": Mode.TASK, "focus": "T1"}),
    "delete with children, no cascade": (patch(delete("T4")), {}),
    "delete a task others depend on": (patch(delete("T2")), {}),
    "too many operations": (
        patch(update("T1", title="a"), update("T2", title="b"), update("T3", title="c")),
        {"limits": Limits(max_ops=2)},
    ),
    "valid ops before an invalid one": (
        patch(create("n1", "Fine"), update("T6", title="Fine"), delete("T4", cascade=True), update("T99", title="x")),
        {},
    ),
}


@pytest.mark.parametrize("name", list(OFFENDING))
def test_rejected_patch_changes_nothing(repo, store, sample, name):
    offending, options = OFFENDING[name]
    error = assert_rejected(repo, store, offending, **options)
    assert error.problems


@pytest.mark.parametrize("name", list(OFFENDING))
def test_a_patch_is_refused_for_the_problems_the_core_finds_in_the_whole_tree(store, sample, name):
    """The repository checks a patch against the outline of the tasks it leaves alone (`rows.outline`)."""
    offending, options = OFFENDING[name]
    limits = options.get("limits", Limits())
    expected = replay(offending, sample, options.get("mode", Mode.PROJECT), options.get("focus"), limits).problems
    with SqlRepository.open(store.url, limits=limits) as fresh, pytest.raises(PatchError) as info:
        fresh.apply_patch(offending, mode=options.get("mode", Mode.PROJECT), focus=options.get("focus"))
    assert info.value.problems == expected != []


def test_patch_for_another_project_changes_nothing(repo, store, sample):
    """The repository addresses a project by the patch's project_id: one that does not exist is refused."""
    error = assert_rejected(repo, store, patch(update("T1", title="x"), project="other"), error_type=UnknownProject)
    assert str(error) == "no project 'other' (see `taskforge projects`)"


def test_stale_base_version_is_a_conflict_and_changes_nothing(repo, store, sample):
    repo.apply_patch(patch(update("T6", title="Ship it")), mode=Mode.EDIT)  # now at version 2
    error = assert_rejected(repo, store, patch(update("T1", title="x"), base=1), conflict=True)
    assert "based on version 1" in str(error) and "version 2" in str(error)


def test_rejection_reports_every_problem(repo, store, sample):
    offending = patch(update("T99", title="x"), create("n1", "Fine"), update("T1", depends_on=["T1"]), delete("T4"))
    error = assert_rejected(repo, store, offending)
    assert [p.op_index for p in error.problems] == [0, 2, 3]


def test_unknown_project(repo, sample):
    with pytest.raises(UnknownProject):
        repo.apply_patch(patch(update("T1", title="x"), project="nope"), mode=Mode.EDIT)
    with pytest.raises(UnknownProject):
        repo.load("nope")


# -- round trips ------------------------------------------------------------------------------------------


def test_create_project_loads_back_what_the_core_computed(repo):
    applied = repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance(message="seed"))
    expected = sample_tree()
    assert applied.tree.snapshot() == expected.snapshot()
    loaded = repo.load("sample")
    assert loaded.snapshot() == expected.snapshot()
    assert (loaded.project.version, loaded.project.next_key) == (1, 7)
    assert applied.key_map == {"a": "T1", "a1": "T2", "a2": "T3", "b": "T4", "b1": "T5", "c": "T6"}
    [summary] = repo.projects()
    assert (summary.id, summary.tasks, summary.done, summary.version) == ("sample", 6, 1, 1)


def test_taken_project_ids_get_a_suffix(repo, sample):
    second = repo.create_project(Project(id="sample", title="Again"), sample_patch(), Provenance())
    third = repo.create_project(Project(id="Sample", title="Third"), sample_patch(), Provenance())
    assert second.tree.project.id == "sample-2"
    assert third.tree.project.id == "sample-3"
    assert second.record.patch.project_id == "sample-2"
    assert repo.load("sample-2").snapshot()[1] == sample.snapshot()[1]
    assert {p.id for p in repo.projects()} == {"sample", "sample-2", "sample-3"}


def test_failed_create_project_leaves_no_project(repo, store):
    with pytest.raises(PatchError):
        repo.create_project(Project(id="broken", title="Broken"), patch(update("T1", title="x"), base=0), Provenance())
    assert repo.projects() == []
    with pytest.raises(UnknownProject):
        repo.load("broken")


@pytest.mark.parametrize(
    "ops",
    [
        [create("n1", "Docs", parent_task_id="T1", position=0, depends_on=["T6"], tags=["docs"]),
         create("n2", "Child", parent_task_id="n1", estimate_minutes=30)],
        [update("T1", title="Design v2", estimate_minutes=None, tags=None, status="doing"),
         update("T3", depends_on=[]), update("T6", acceptance_criteria=["A", "B"], actual_minutes=15)],
        [update("T6", position=0), update("T3", parent_task_id="T4", position=0), update("T5", parent_task_id=None)],
        [update("T4", depends_on=[]), delete("T1", cascade=True)],
        # Patches are checked against the outline of the tasks they leave alone (`rows.outline`): the
        # tasks they push along keep every field, and the tree the write returns is read whole.
        [create("n1", "Between", parent_task_id="T1", position=1), create("n2", "First root", position=0)],
        [create("n1", "Last", parent_task_id="T4", position=9), create("n2", "Under", parent_task_id="n1", position=0),
         create("n3", "Before it", parent_task_id="n1", position=0)],
        [create("n1", "Docs", depends_on=["T3", "T5"]), create("n2", "After the docs", parent_task_id="T6", depends_on=["n1", "T1"])],
    ],
    ids=["creates", "updates", "moves", "cascade-delete", "creates-between", "creates-nested", "creates-waiting"],
)
def test_apply_stores_what_the_core_computes_and_undo_redo_are_exact(repo, sample, ops):
    proposed = patch(*ops)
    expected = apply(proposed, sample, Mode.EDIT).tree
    applied = repo.apply_patch(proposed, mode=Mode.EDIT)
    assert applied.tree.snapshot() == expected.snapshot()
    assert repo.load("sample").snapshot() == expected.snapshot()

    undone = repo.undo("sample")
    assert undone.record.kind is RecordKind.UNDO and undone.record.target_seq == 2
    assert repo.load("sample").snapshot() == sample.snapshot()
    redone = repo.redo("sample")
    assert redone.record.kind is RecordKind.REDO and redone.record.target_seq == 2
    assert repo.load("sample").snapshot() == expected.snapshot()
    assert repo.load("sample").project.version == 4


def test_nothing_to_undo_or_redo(repo):
    repo.create_project(Project(id="empty", title="Empty"), patch(base=0, project="empty"), Provenance())
    repo.undo("empty")  # the project's first patch can be undone like any other
    with pytest.raises(NothingToDo, match="nothing to undo in 'empty'"):
        repo.undo("empty")
    repo.redo("empty")
    with pytest.raises(NothingToDo, match="nothing to redo in 'empty'"):
        repo.redo("empty")


def test_a_new_patch_clears_the_redo_stack(repo, sample):
    repo.apply_patch(patch(update("T6", title="Ship it")), mode=Mode.EDIT)
    repo.undo("sample")
    repo.apply_patch(patch(update("T5", title="API v2"), base=3), mode=Mode.EDIT)
    with pytest.raises(NothingToDo):
        repo.redo("sample")
    repo.undo("sample")
    assert repo.load("sample").snapshot() == sample.snapshot()


def test_undo_of_the_first_patch_empties_the_project_and_redo_restores_keys(repo, sample):
    repo.undo("sample")
    emptied = repo.load("sample")
    assert len(emptied) == 0 and emptied.project.summary == ""
    repo.redo("sample")
    assert repo.load("sample").snapshot() == sample.snapshot()


def test_keys_are_never_reused_after_delete_and_create(repo, sample):
    repo.apply_patch(patch(delete("T6")), mode=Mode.EDIT)
    applied = repo.apply_patch(patch(create("n1", "Ship again"), base=2), mode=Mode.EDIT)
    assert applied.key_map == {"n1": "T7"}
    # Undo the create, then create once more: T7 is retired too, so the new task is T8.
    repo.undo("sample")
    applied = repo.apply_patch(patch(create("n1", "Third try"), base=4), mode=Mode.EDIT)
    assert applied.key_map == {"n1": "T8"}
    loaded = repo.load("sample")
    assert "T6" not in loaded and "T7" not in loaded and loaded["T8"].title == "Third try"
    assert loaded.project.next_key == 9


def test_undo_of_a_delete_brings_back_the_same_keys(repo, sample):
    repo.apply_patch(patch(update("T4", depends_on=[]), delete("T1", cascade=True)), mode=Mode.EDIT)
    assert set(repo.load("sample").tasks) == {"T4", "T5", "T6"}
    repo.undo("sample")
    loaded = repo.load("sample")
    assert loaded.snapshot() == sample.snapshot()
    assert loaded.children["T1"] == ["T2", "T3"] and loaded["T3"].depends_on == ["T2"]


def test_history_records_carry_provenance_versions_and_rejected_ops(repo, sample):
    rejected = [RejectedOp(index=1, op={"op": "delete", "task_id": "T6"})]
    repo.apply_patch(
        patch(create("n1", "Sketch", parent_task_id="T2")),
        mode=Mode.TASK, focus="T1",
        provenance=Provenance(message="break down design", planner="llm", model="gpt-x", usage={"tokens": 42}),
        rejected=rejected,
    )
    repo.undo("sample")
    first, second, third = repo.history("sample")

    assert (first.seq, first.kind, first.mode, first.message, first.planner) == (1, RecordKind.APPLY, Mode.PROJECT, "seed", "manual")
    assert (first.version_before, first.version_after) == (0, 1)

    assert (second.seq, second.kind, second.mode, second.focus) == (2, RecordKind.APPLY, Mode.TASK, "T1")
    assert (second.message, second.planner, second.model, second.usage) == ("break down design", "llm", "gpt-x", {"tokens": 42})
    assert second.rejected_ops == rejected
    assert (second.version_before, second.version_after) == (1, 2)
    assert second.patch.task_patches[0].task_id == "T7"  # stored with the real key
    assert second.patch.task_patches[0].body.parent_task_id == "T2"
    assert [(op.op.value, op.task_id) for op in second.inverse.task_patches] == [("delete", "T7")]
    assert second.counts() == {"create": 1, "update": 0, "delete": 0}

    assert (third.kind, third.target_seq, third.mode, third.focus, third.planner) == (RecordKind.UNDO, 2, Mode.UNDO, "T1", "undo")
    assert third.message == "undo #2: break down design"
    assert (third.version_before, third.version_after) == (2, 3)
    assert third.patch.task_patches == second.inverse.task_patches


def test_rejected_patch_in_history_count(repo, sample):
    with pytest.raises(PatchError):
        repo.apply_patch(patch(update("T99", title="x")), mode=Mode.EDIT)
    assert len(repo.history("sample")) == 1


def test_reopened_database_sees_the_same_tree(repo, store, sample):
    repo.apply_patch(patch(update("T3", parent_task_id="T4", position=0), meta={"title": "Renamed"}), mode=Mode.EDIT)
    expected = repo.load("sample").snapshot()
    repo.close()
    with SqlRepository.open(store.url) as reopened:
        assert reopened.load("sample").snapshot() == expected
        assert reopened.load("sample").children["T4"] == ["T3", "T5"]
