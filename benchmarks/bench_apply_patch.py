"""Apply a 1,000-operation patch with its audit record vs raw `sqlite3.executemany` of 1,000 rows.

In one process, as the TUI applies an accepted patch: `SqlRepository.apply_patch` (load the tree,
validate and replay, write the rows, bump the version, write the audit record with the inverse,
commit) of 1,000 creates into the 1k-task project, against a bare `executemany` of 1,000 task rows
into the same table of the same database, committed. Each run starts from a fresh copy of the
database (untimed). Target: at least 25% of the raw rate, and at most 100 ms.

A second row does the same with a mixed patch (creates, updates, moves, deletes): reported only.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import Row, database, interleaved, ms, project_id, run_figure  # noqa: E402

FIGURE = "apply a 1,000-op patch with audit record vs raw executemany"
MIXED = "  (reference) the same with a mixed patch (create/update/move/delete)"
TARGET_SHARE = 0.25
TARGET_MS = 100
SIZE = 1_000
OPS = 1_000


def creates(tree, count: int = OPS):
    """`count` creates: a few new roots, the rest under existing tasks and under each other (depth ≤ 5)."""
    from taskforge.core.patches import Op, ProjectPatch, TaskFields, TaskPatch

    rng = random.Random(11)
    depth = {key: tree.depth(key) for key in tree.tasks}
    parents = [key for key, d in depth.items() if d < 5]
    ops = []
    for n in range(count):
        temp = f"n{n}"
        parent = None if n < 4 else rng.choice(parents)
        depth[temp] = 1 if parent is None else depth[parent] + 1
        if depth[temp] < 5:
            parents.append(temp)
        body = {"title": f"Generated task {n} for the benchmark", "parent_task_id": parent}
        if n % 3 == 0:
            body["estimate_minutes"] = 30 * (n % 16 + 1)
        if n % 5 == 0:
            body["tags"] = ["bench"]
        ops.append(TaskPatch(op=Op.CREATE, task_id=temp, body=TaskFields(**body)))
    return ProjectPatch(project_id=tree.project.id, base_version=tree.project.version, task_patches=ops)


def mixed(tree, count: int = OPS):
    """Creates, field updates, moves and (leaf) deletes, a quarter each."""
    from taskforge.core.patches import Op, ProjectPatch, TaskFields, TaskPatch

    rng = random.Random(12)
    quarter = count // 4
    new = creates(tree, quarter).task_patches
    used = {op.body.parent_task_id for op in new}  # tasks that get new children stay put
    leaves = [key for key in tree.tasks if not tree.children[key] and key not in used]
    depended = {dep for task in tree.tasks.values() for dep in task.depends_on}
    doomed = rng.sample([k for k in leaves if k not in depended], quarter)
    alive = [k for k in tree.tasks if k not in doomed]
    updates = [TaskPatch(op=Op.UPDATE, task_id=k, body=TaskFields(status="done", actual_minutes=60))
               for k in rng.sample(alive, quarter)]
    movable = [k for k in leaves if k not in doomed]
    targets = [k for k in alive if tree.depth(k) <= 3 and k not in movable]
    moves = [TaskPatch(op=Op.UPDATE, task_id=k, body=TaskFields(parent_task_id=rng.choice(targets), position=0))
             for k in rng.sample(movable, quarter)]
    deletes = [TaskPatch(op=Op.DELETE, task_id=k) for k in doomed]
    return ProjectPatch(project_id=tree.project.id, base_version=tree.project.version,
                        task_patches=new + updates + moves + deletes)


def raw_rows(count: int, project: str) -> list[tuple]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return [
        (project, f"X{n}", None, n, f"Generated task {n} for the benchmark", "", "todo", "medium",
         30 * (n % 16 + 1) if n % 3 == 0 else None, None, "[]", "[]", json.dumps(["bench"]) if n % 5 == 0 else "[]",
         now, now)
        for n in range(count)
    ]


RAW_INSERT = (
    "INSERT INTO task (project_id, key, parent_id, position, title, description, status, priority, estimate_minutes,"
    " actual_minutes, acceptance_criteria, depends_on, tags, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def compare(make_patch):
    from taskforge.core.models import Mode
    from taskforge.store.repository import SqlRepository

    source = database(SIZE)
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as scratch:
        folder = Path(scratch)
        with SqlRepository.open(str(source), create=False) as repo:
            patch = make_patch(repo.load(project_id(SIZE)))
        rows = raw_rows(len(patch.task_patches), project_id(SIZE))
        state: dict = {}

        def fresh() -> None:
            for name in ("repo", "raw"):
                if name in state:
                    state.pop(name).close()
            for leftover in folder.glob("copy*"):
                leftover.unlink()
            shutil.copyfile(source, folder / "copy.db")
            state["repo"] = SqlRepository.open(str(folder / "copy.db"), create=False)
            state["repo"].projects()  # the engine has connected once, as in a running app
            raw = sqlite3.connect(folder / "copy.db", isolation_level=None)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA foreign_keys=ON")
            state["raw"] = raw

        def ours() -> None:
            state["repo"].apply_patch(patch, mode=Mode.EDIT)

        def theirs() -> None:
            raw = state["raw"]
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(RAW_INSERT, rows)
            raw.execute("COMMIT")

        mine, baseline = interleaved(ours, theirs, setup=fresh)
        for name in ("repo", "raw"):
            state.pop(name).close()
    return mine, baseline, len(patch.task_patches)


def measure():
    mine, baseline, count = compare(creates)
    share = baseline / mine  # our rate as a share of the raw rate
    met = share >= TARGET_SHARE and mine * 1000 <= TARGET_MS
    return Row(FIGURE, f"{ms(mine)} ({count / mine:,.0f} ops/s)", f"{ms(baseline)} ({count / baseline:,.0f} rows/s)",
               f"{share:.0%} of raw rate", f"≥ {TARGET_SHARE:.0%} of raw; ≤ {TARGET_MS} ms", "yes" if met else "no")


def measure_mixed():
    mine, baseline, count = compare(mixed)
    share = baseline / mine
    return Row(MIXED, f"{ms(mine)} ({count / mine:,.0f} ops/s)", f"{ms(baseline)} ({count / baseline:,.0f} rows/s)",
               f"{share:.0%} of raw rate", "info", "—")


if __name__ == "__main__":
    run_figure(FIGURE, f"≥ {TARGET_SHARE:.0%} of raw; ≤ {TARGET_MS} ms", measure)
    run_figure(MIXED, "info", measure_mixed)
