"""What an applied patch leaves in the database is exactly what it was before the engine stopped building a
model per operation: the audit record's patch and inverse JSON (byte for byte), the task rows, undo and redo,
and the problems of a bad patch, for creates, updates, moves, deletes with cascade, dependencies, project
metadata and task mode, on SQLite and on PostgreSQL.

`stored_patches.json` was written by the engine before that change; `python -m tests.store.test_stored_patches`
writes it again (only when the stored form is meant to change)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.core.patches import PatchError, ProjectPatch, replay
from taskforge.store.repository import SqlRepository

EXPECTED = Path(__file__).with_name("stored_patches.json")
AWKWARD = 'Überprüfung ✓ 日本 "quoted" back\\slash </script> \u2028 tab\there'

SEED = [
    {"op": "create", "task_id": "plan", "body": {"title": "Plan the launch", "description": "Line one\nline two\ttabbed",
                                                  "priority": "high", "estimate_minutes": 480, "tags": ["ops", "q3"]}},
    {"op": "create", "task_id": "design", "body": {"title": "Design", "parent_task_id": "plan",
                                                    "acceptance_criteria": ["Reviewed", "Signed off"]}},
    {"op": "create", "task_id": "mock", "body": {"title": "Mock-ups", "parent_task_id": "design", "status": "doing"}},
    {"op": "create", "task_id": "build", "body": {"title": "Build", "depends_on": ["design"], "actual_minutes": 30}},
    {"op": "create", "task_id": "api", "body": {"title": "API", "parent_task_id": "build", "tags": ["backend"]}},
    {"op": "create", "task_id": "ui", "body": {"title": "UI", "parent_task_id": "build", "depends_on": ["api"]}},
    {"op": "create", "task_id": "ship", "body": {"title": AWKWARD, "description": AWKWARD, "depends_on": ["build"]}},
]

# (name, mode, focus, operations, meta_updates)
CASES = [
    ("creates", Mode.EDIT, None, [
        {"op": "create", "task_id": "n1", "body": {"title": AWKWARD, "description": "a\nb", "status": "blocked",
                                                   "priority": "critical", "estimate_minutes": 90, "actual_minutes": 0,
                                                   "acceptance_criteria": ["One", AWKWARD], "tags": ["x", "y"]}},
        {"op": "create", "task_id": "n2", "body": {"title": "First child", "parent_task_id": "T1", "position": 0}},
        {"op": "create", "task_id": "n3", "body": {"title": "Under n2", "parent_task_id": "n2", "depends_on": ["n1", "T2", "n1"]}},
        {"op": "create", "task_id": "n4", "body": {"title": "Cleared", "description": None, "tags": None,
                                                   "estimate_minutes": None, "position": 99}},
    ], {}),
    ("updates", Mode.EDIT, None, [
        {"op": "update", "task_id": "T1", "body": {"title": "Plan it", "description": None, "tags": []}},
        {"op": "update", "task_id": "T3", "body": {"status": "done", "actual_minutes": 45, "priority": "low"}},
        {"op": "update", "task_id": "T4", "body": {"actual_minutes": 30}},
        {"op": "update", "task_id": "T7", "body": {"acceptance_criteria": ["Works"], "depends_on": ["T2"]}},
    ], {}),
    ("moves", Mode.EDIT, None, [
        {"op": "update", "task_id": "T3", "body": {"parent_task_id": "T4", "position": 1}},
        {"op": "update", "task_id": "T5", "body": {"parent_task_id": None}},
        {"op": "update", "task_id": "T6", "body": {"position": 0}},
        {"op": "update", "task_id": "T2", "body": {"parent_task_id": "T1", "title": "Design again"}},
    ], {}),
    ("cascade delete", Mode.EDIT, None, [
        {"op": "update", "task_id": "T7", "body": {"depends_on": []}},
        {"op": "delete", "task_id": "T4", "cascade": True},
        {"op": "delete", "task_id": "T3"},
        {"op": "create", "task_id": "n1", "body": {"title": "After the deletes", "parent_task_id": "T2"}},
    ], {}),
    ("dependencies and metadata", Mode.EDIT, None, [
        {"op": "update", "task_id": "T2", "body": {"depends_on": ["T5", "T6"]}},
        {"op": "update", "task_id": "T6", "body": {"depends_on": []}},
    ], {"title": "Launch " + AWKWARD, "summary": "Two\nlines", "status": "active"}),
    ("task mode", Mode.TASK, "T4", [
        {"op": "create", "task_id": "n1", "body": {"title": "Tests", "parent_task_id": "T4", "position": 1}},
        {"op": "update", "task_id": "T6", "body": {"parent_task_id": "n1", "depends_on": []}},
        {"op": "delete", "task_id": "T5", "cascade": False},
    ], {}),
    ("project mode", Mode.PROJECT, None, [
        {"op": "create", "task_id": f"r{n}", "body": {"title": f"Root {n}"}} for n in range(3)
    ], {}),
    ("problems", Mode.TASK, "T4", [
        {"op": "create", "task_id": "T1", "body": {"title": "Taken"}},
        {"op": "create", "task_id": "n1", "body": {"title": "Outside"}},
        {"op": "update", "task_id": "T2", "body": {"depends_on": ["T2"]}},
        {"op": "update", "task_id": "T5", "body": {"depends_on": ["T6"]}},
        {"op": "delete", "task_id": "T9"},
        {"op": "delete", "task_id": "T4"},
        {"op": "update", "task_id": "n1", "body": {"title": None}},
    ], {}),
]


def _texts(repo: SqlRepository, project_id: str) -> dict:
    with repo.engine.connect() as connection:
        records = connection.exec_driver_sql(
            "SELECT seq, kind, target_seq, mode, CAST(patch AS TEXT), CAST(inverse AS TEXT), version_before,"
            f" version_after FROM patch_record WHERE project_id = '{project_id}' ORDER BY seq"
        ).all()
        tasks = connection.exec_driver_sql(
            "SELECT t.key, p.key, t.position, t.title, t.description, t.status, t.priority, t.estimate_minutes,"
            " t.actual_minutes, CAST(t.acceptance_criteria AS TEXT), CAST(t.depends_on AS TEXT), CAST(t.tags AS TEXT)"
            f" FROM task t LEFT JOIN task p ON p.id = t.parent_id WHERE t.project_id = '{project_id}' ORDER BY t.key"
        ).all()
        project = connection.exec_driver_sql(
            f"SELECT title, summary, status, version, next_key FROM project WHERE id = '{project_id}'"
        ).one()
    return {"records": [list(row) for row in records], "tasks": [list(row) for row in tasks], "project": list(project)}


def outcome(url: str, case: tuple) -> dict:
    """Seed a project, apply the case's patch, undo it and redo it; what the engine and the database say."""
    name, mode, focus, ops, meta = case
    with SqlRepository.open(url) as repo:
        seed = ProjectPatch.model_validate({"project_id": "p", "base_version": 0, "task_patches": SEED})
        repo.create_project(Project(id="p", title="Launch"), seed, Provenance(message="seed"), Mode.IMPORT)
        tree = repo.load("p")
        patch = ProjectPatch.model_validate(
            {"project_id": "p", "base_version": tree.project.version, "meta_updates": meta, "task_patches": ops}
        )
        result = replay(patch, tree, mode, focus)
        found: dict = {
            "problems": [[str(problem), problem.code.value] for problem in result.problems],
            "resolved": result.resolved.to_json() if result.resolved else None,
            "inverse": result.inverse.to_json() if result.inverse else None,
        }
        try:
            applied = repo.apply_patch(patch, mode=mode, focus=focus, provenance=Provenance(message=name))
        except PatchError as exc:
            found["error"] = str(exc)
        else:
            found["applied"] = [applied.record.patch.to_json(), applied.record.inverse.to_json(), applied.key_map]
            repo.undo("p")
            found["undone"] = repo.load("p").snapshot() == tree.snapshot()
            repo.redo("p")
        found["database"] = _texts(repo, "p")
    return found


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_the_database_holds_what_it_held_before(store, case):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[case[0]]
    assert json.loads(json.dumps(outcome(store.url, case))) == expected


if __name__ == "__main__":  # pragma: no cover - regenerates the expected outcomes on SQLite
    with tempfile.TemporaryDirectory() as folder:
        results = {case[0]: outcome(str(Path(folder) / f"{n}.db"), case) for n, case in enumerate(CASES)}
    EXPECTED.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.exit(0)
