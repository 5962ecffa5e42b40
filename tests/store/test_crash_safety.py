"""Crash safety: a `taskforge apply` killed with SIGKILL at any moment leaves the old state or the new one.

A 5,000-operation patch is applied by a real `taskforge apply` process, which is killed at a random moment
(seeded, so a failing run can be replayed) somewhere between its start and 1.2 × the time a full run takes,
or, every other time, at a random moment inside its write transaction.
After each kill the database is opened with the stdlib `sqlite3` module (which recovers the WAL the way any
later reader would) and must pass `PRAGMA integrity_check`, with the project at exactly the old version and
the old counts, or exactly the new version and the new counts, never anything in between.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = "crash"
SEED_ROOTS = 3
SEED_PER_ROOT = 99  # plus its root: 100 tasks per root, 300 in all
SEED_TASKS = SEED_ROOTS * (SEED_PER_ROOT + 1)
BIG_OPS = 5_000
BIG_UPDATES = 300  # one per seed task, so no key is touched twice
BIG_NEW_ROOTS = 4  # project mode allows at most 6 new roots per patch
BIG_CREATES = BIG_OPS - BIG_UPDATES
KILLS = 20
WINDOW = 1.2  # kill moments are drawn from [0, WINDOW × the full run's duration]
MAX_DEPTH = 5
RUN_TIMEOUT = 120  # seconds: a hung apply fails the test instead of blocking it
# Read at import, before conftest's fixture clears TASKFORGE_* variables for the test itself.
SEED = int(os.environ.get("TASKFORGE_CRASH_SEED", "20240611"))


def taskforge(*args: str) -> list[str]:
    return [sys.executable, "-m", "taskforge", *args]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(taskforge(*args), capture_output=True, text=True, timeout=RUN_TIMEOUT)


# -- the patches -------------------------------------------------------------------------------------


def seed_document() -> dict:
    """300 tasks under 3 roots, filled breadth-first up to depth 5 (keys T1…T300 in creation order)."""
    ops: list[dict] = []
    for r in range(SEED_ROOTS):
        root = f"r{r}"
        ops.append({"op": "create", "task_id": root, "body": {"title": f"Seed root {r}", "parent_task_id": None}})
        parents = [(root, 1)]
        for i in range(SEED_PER_ROOT):
            parent, depth = parents[i % len(parents)]
            temp = f"s{r}_{i}"
            ops.append({"op": "create", "task_id": temp, "body": {"title": f"Seed {r}.{i}", "parent_task_id": parent}})
            if depth + 1 < MAX_DEPTH:
                parents.append((temp, depth + 1))
    assert len(ops) == SEED_TASKS
    return {"project_id": PROJECT, "base_version": 0, "rationale": "seed", "task_patches": ops}


def big_document(rng: random.Random, base_version: int) -> dict:
    """5,000 operations: 300 updates of seed tasks, then 4 new roots and 4,696 creates below them and below
    the seed tasks, each under a parent chosen at random among those still shallower than depth 5."""
    ops: list[dict] = []
    for n in rng.sample(range(1, SEED_TASKS + 1), BIG_UPDATES):
        ops.append({
            "op": "update", "task_id": f"T{n}",
            "body": {"title": f"Updated T{n}", "status": rng.choice(["doing", "done", "blocked"])},
        })
    parents: list[tuple[str, int]] = []
    for r in range(BIG_NEW_ROOTS):
        ops.append({"op": "create", "task_id": f"n{r}", "body": {"title": f"New root {r}", "parent_task_id": None}})
        parents.append((f"n{r}", 1))
    parents += [(f"T{n}", None) for n in rng.sample(range(1, SEED_TASKS + 1), 20)]  # depth looked up below
    seed_depths = _seed_depths()
    parents = [(ref, depth if depth is not None else seed_depths[ref]) for ref, depth in parents]
    parents = [(ref, depth) for ref, depth in parents if depth < MAX_DEPTH]
    i = 0
    while len(ops) < BIG_OPS:
        parent, depth = rng.choice(parents)
        temp = f"c{i}"
        i += 1
        body = {"title": f"Created {temp}", "parent_task_id": parent, "estimate_minutes": rng.randint(5, 480)}
        if i % 50 == 0:
            body["description"] = "x" * rng.randint(100, 2000)
        ops.append({"op": "create", "task_id": temp, "body": body})
        if depth + 1 < MAX_DEPTH:
            parents.append((temp, depth + 1))
    assert len(ops) == BIG_OPS
    assert sum(op["op"] == "create" for op in ops) == BIG_CREATES
    return {"project_id": PROJECT, "base_version": base_version, "rationale": "a big one", "task_patches": ops}


def _seed_depths() -> dict[str, int]:
    """Depth of every seed key, replaying seed_document's layout (keys are handed out in creation order)."""
    depth_of_temp: dict[str | None, int] = {None: 0}
    depths: dict[str, int] = {}
    for n, op in enumerate(seed_document()["task_patches"], start=1):
        depth = depth_of_temp[op["body"]["parent_task_id"]] + 1
        depth_of_temp[op["task_id"]] = depth
        depths[f"T{n}"] = depth
    return depths


# -- looking at the database from outside --------------------------------------------------------------


@dataclass(frozen=True)
class State:
    version: int
    next_key: int
    tasks: int
    records: int
    updated_titles: int
    created_titles: int
    last_record: tuple[int, int, int] | None  # seq, version_before, version_after


def assert_sound(connection: sqlite3.Connection, path: Path) -> None:
    """SQLite's own integrity check and no dangling foreign key."""
    integrity = connection.execute("PRAGMA integrity_check").fetchall()
    assert integrity == [("ok",)], f"{path}: integrity_check says {integrity}"
    orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    assert orphans == [], f"{path}: foreign key violations {orphans[:5]}"


def inspect_db(path: Path) -> State:
    """Open with the stdlib driver, check integrity and foreign keys, and read what the checks compare."""
    connection = sqlite3.connect(path, timeout=5)
    try:
        assert_sound(connection, path)
        projects = connection.execute("SELECT id, version, next_key FROM project").fetchall()
        assert [p[0] for p in projects] == [PROJECT], f"{path}: projects {projects}"
        _, version, next_key = projects[0]

        def count(sql: str) -> int:
            return connection.execute(sql, (PROJECT,)).fetchone()[0]

        last = connection.execute(
            "SELECT seq, version_before, version_after FROM patch_record WHERE project_id = ? ORDER BY seq DESC",
            (PROJECT,),
        ).fetchone()
        return State(
            version=version,
            next_key=next_key,
            tasks=count("SELECT count(*) FROM task WHERE project_id = ?"),
            records=count("SELECT count(*) FROM patch_record WHERE project_id = ?"),
            updated_titles=count("SELECT count(*) FROM task WHERE project_id = ? AND title LIKE 'Updated T%'"),
            created_titles=count("SELECT count(*) FROM task WHERE project_id = ? AND title LIKE 'Created c%'"),
            last_record=tuple(last) if last else None,
        )
    finally:
        connection.close()


OLD = State(
    version=1, next_key=SEED_TASKS + 1, tasks=SEED_TASKS, records=1,
    updated_titles=0, created_titles=0, last_record=(1, 0, 1),
)
NEW = State(
    version=2, next_key=SEED_TASKS + BIG_CREATES + 1, tasks=SEED_TASKS + BIG_CREATES, records=2,
    updated_titles=BIG_UPDATES, created_titles=BIG_CREATES - BIG_NEW_ROOTS, last_record=(2, 1, 2),
)


def fresh_copy(seed_db: Path, target: Path) -> Path:
    shutil.copyfile(seed_db, target)
    return target


def start_apply(db: Path, patch_file: Path, log: Path) -> subprocess.Popen:
    # --json: the same apply, but the report is one JSON document instead of a 5,000-entry rich diff, which
    # alone takes longer to lay out than the whole apply (see the report). stdout goes nowhere: a pipe
    # nobody reads could fill up and stall the child.
    with log.open("w") as stderr:
        return subprocess.Popen(
            taskforge("apply", PROJECT, str(patch_file), "--db", str(db), "--json"),
            stdout=subprocess.DEVNULL, stderr=stderr,
        )


def in_write_transaction(pid: int, db: Path) -> bool | None:
    """Whether `pid` holds SQLite's WAL write lock on `db` right now (None: cannot tell on this system).

    A WAL writer holds a POSIX lock on byte 120 of the -shm file from BEGIN IMMEDIATE to COMMIT; Linux lists
    every such lock in /proc/locks, so looking costs the writer nothing (no probe transaction of our own).
    """
    locks = Path("/proc/locks")
    if not locks.exists():
        return None
    try:
        inode = Path(f"{db}-shm").stat().st_ino
    except FileNotFoundError:
        return False
    for line in locks.read_text().splitlines():
        # "5: POSIX  ADVISORY  WRITE 5126 fe:00:2148707 120 120" (a "->" marks a waiter, which has 1 more field)
        fields = line.split()
        if "->" in fields:
            continue
        ours = fields[1:4] == ["POSIX", "ADVISORY", "WRITE"] and fields[4] == str(pid) and fields[6] == "120"
        if ours and int(fields[5].rsplit(":", 1)[1]) == inode:
            return True
    return False


def wait_for_write_lock(process: subprocess.Popen, db: Path, timeout: float) -> float | None:
    """Poll until `process` holds the write lock on `db`; the moment it was seen (None: never, or no way to tell)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        held = in_write_transaction(process.pid, db)
        if held is None:
            return None
        if held:
            return time.monotonic()
        time.sleep(0.0005)
    return None


def wal_bytes(db: Path) -> int | None:
    """The WAL left behind (None: the process never opened the database). Read before anything reopens it."""
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else None


# -- the test -----------------------------------------------------------------------------------------


def test_sigkill_during_apply_leaves_the_old_or_the_new_state(tmp_path: Path) -> None:
    began = time.monotonic()
    rng = random.Random(SEED)
    print(f"\ncrash-safety seed: {SEED} (replay with TASKFORGE_CRASH_SEED={SEED})")

    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed_document()), encoding="utf-8")
    seed_db = tmp_path / "seed.db"
    done = run("apply", PROJECT, str(seed_file), "--db", str(seed_db))
    assert done.returncode == 0, done.stderr
    # Fold the WAL into the main file so that one file copy is the whole seed database.
    with sqlite3.connect(seed_db) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    connection.close()
    assert not Path(f"{seed_db}-wal").exists()
    assert inspect_db(seed_db) == OLD

    big_file = tmp_path / "big.json"
    big_file.write_text(json.dumps(big_document(rng, base_version=1)), encoding="utf-8")

    # One full run, on a copy, for the time a whole apply takes (and to check what "new" looks like),
    # and for how long it holds the write lock.
    full_db = fresh_copy(seed_db, tmp_path / "full.db")
    started = time.monotonic()
    process = start_apply(full_db, big_file, tmp_path / "full.log")
    locked_at = wait_for_write_lock(process, full_db, RUN_TIMEOUT)
    code = process.wait(timeout=RUN_TIMEOUT)
    full = time.monotonic() - started
    writing = time.monotonic() - locked_at if locked_at is not None else None
    assert code == 0, (tmp_path / "full.log").read_text()
    assert inspect_db(full_db) == NEW
    print(f"full apply of {BIG_OPS} ops: {full:.2f} s" + (f", {writing:.3f} s of it in the write transaction" if writing else ""))

    outcomes: list[tuple[float, str, str, int | None]] = []  # (kill moment, process's fate, state, WAL bytes)
    recovered_once = False
    def covered() -> bool:
        """Every path was exercised: a kill before commit, a run that committed, a kill inside the write."""
        fates = {(fate, state) for _, fate, state, _ in outcomes}
        mid_write_seen = any(fate == "killed mid-write" for fate, _ in fates) or not Path("/proc/locks").exists()
        return any(f != "finished" and st == "old" for f, st in fates) and any(st == "new" for _, st in fates) and mid_write_seen

    n = -1
    # KILLS runs always; on a loaded machine timings shift, so keep going (up to 3×) until every path is covered.
    while (n := n + 1) < KILLS or (not covered() and n < 3 * KILLS):
        # Every other kill is aimed at the write transaction (a random moment after the writer takes the
        # lock): the transaction is a small part of a run, and random moments alone can all miss it.
        aimed = n % 2 == 1 and writing is not None
        delay = rng.uniform(0, writing) if aimed else rng.uniform(0, WINDOW * full)
        db = fresh_copy(seed_db, tmp_path / f"kill-{n}.db")
        log = tmp_path / f"kill-{n}.log"
        started = time.monotonic()
        process = start_apply(db, big_file, log)
        if aimed:
            started = wait_for_write_lock(process, db, RUN_TIMEOUT) or started
        try:
            code = process.wait(timeout=max(0.0, started + delay - time.monotonic()))
            fate = "finished"
            mid_write = False
        except subprocess.TimeoutExpired:
            mid_write = in_write_transaction(process.pid, db)
            process.send_signal(signal.SIGKILL)
            code = process.wait(timeout=RUN_TIMEOUT)
            fate = "killed mid-write" if mid_write else "killed"
            if code == 0:  # it exited between the timeout and the signal: a finished run after all
                fate, mid_write = "finished", False
        if fate == "finished":
            assert code == 0, f"run {n}: exit {code}: {log.read_text()}"
        else:
            assert code == -signal.SIGKILL, f"run {n}: exit {code}: {log.read_text()}"

        wal = wal_bytes(db)
        state = inspect_db(db)
        assert state in (OLD, NEW), f"run {n} (seed {SEED}, {fate} at {delay:.3f} s): torn state {state}"
        assert fate != "finished" or state == NEW, f"run {n}: finished with exit 0 but the database is {state}"
        outcomes.append((delay, fate, "new" if state == NEW else "old", wal))

        if state == OLD and not recovered_once and (fate == "killed mid-write" or not Path("/proc/locks").exists()):
            # A database whose writer died holding the lock is still usable: the same patch applies on it now.
            again = run("apply", PROJECT, str(big_file), "--db", str(db), "--json")
            assert again.returncode == 0, again.stderr
            assert inspect_db(db) == NEW
            recovered_once = True
        db.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    summary = ", ".join(
        f"{delay:.2f}s:{fate}/{state}/wal={'-' if wal is None else wal}" for delay, fate, state, wal in outcomes
    )
    print(f"outcomes: {summary}")
    print(f"crash-safety total: {time.monotonic() - began:.1f} s")
    interrupted = [o for o in outcomes if o[1] != "finished" and o[2] == "old"]
    if not interrupted:
        raise AssertionError(
            f"no kill landed before the apply committed (seed {SEED}, full run {full:.2f} s): "
            f"the test proved nothing; shrink WINDOW. Outcomes: {summary}"
        )
    assert any(o[2] == "new" for o in outcomes), f"no run got to commit (seed {SEED}): {summary}"
    if Path("/proc/locks").exists():  # Linux: we could see who held the write lock
        assert any(o[1] == "killed mid-write" for o in outcomes), (
            f"no kill landed inside the write transaction (seed {SEED}); the rollback path went untested: {summary}"
        )
