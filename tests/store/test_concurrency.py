"""Two `taskforge apply` processes on the same project: exactly one wins, the other is told and can re-plan.

The processes are real CLI processes. To make them collide, each one runs a tiny driver that imports
taskforge first, says it is ready, waits for a shared "go" file and only then runs the CLI's `main()` — the
same entry point as `python -m taskforge` — so both start their apply within a millisecond or so of each
other instead of a few hundred milliseconds apart (the cost of importing taskforge).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from taskforge.core.history import Provenance
from taskforge.core.patches import PatchError, parse_patch
from taskforge.store.repository import SqlRepository

PROJECT = "race"
TIMEOUT = 60  # seconds for any one process: a hang fails the test instead of blocking it
TASKS_PER_PATCH = 120  # a root with 119 tasks below it: big enough that validating takes a moment

DRIVER = textwrap.dedent(
    """
    import os, sys, time

    ready, go = sys.argv[1], sys.argv[2]
    sys.argv = ["taskforge", *sys.argv[3:]]
    # Everything `apply` imports, loaded before the barrier so that both processes start level.
    from taskforge import actions, cli
    import taskforge.core.diff, taskforge.present, taskforge.store.repository

    open(ready, "w").close()
    deadline = time.monotonic() + 30
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("driver: no go signal")
        time.sleep(0.0005)
    cli.main()
    """
)

# A writer that plans against the version it reads (`show --json`), applies, and on a version conflict
# reads again and re-plans: "the loser is told and can re-plan". The two writers meet at a barrier after
# their first read, so both first patches are built on the same version and one of them must lose.
REPLANNER = textwrap.dedent(
    """
    import json, os, subprocess, sys, time

    name, db, workdir, peer_marker = sys.argv[1:5]
    project, per_patch = sys.argv[5], int(sys.argv[6])
    cli = [sys.executable, "-m", "taskforge"]

    def current_version():
        shown = subprocess.run([*cli, "show", project, "--json", "--db", db],
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)["project"]["version"]

    def plan(version, attempt):
        ops = [{"op": "create", "task_id": "root", "body": {"title": f"{name} root", "parent_task_id": None}}]
        ops += [{"op": "create", "task_id": f"t{i}", "body": {"title": f"{name} task {i}", "parent_task_id": "root"}}
                for i in range(per_patch - 1)]
        path = os.path.join(workdir, f"{name}-{attempt}.json")
        with open(path, "w") as f:
            json.dump({"project_id": project, "base_version": version, "task_patches": ops}, f)
        return path

    attempts = []
    version = current_version()
    open(os.path.join(workdir, f"{name}.read"), "w").close()
    deadline = time.monotonic() + 30
    while not os.path.exists(peer_marker):
        if time.monotonic() > deadline:
            sys.exit(f"{name}: the other writer never read the version")
        time.sleep(0.0005)
    for attempt in range(5):
        done = subprocess.run([*cli, "apply", project, plan(version, attempt), "--db", db, "-m", f"{name} #{attempt}"],
                              capture_output=True, text=True, timeout=60)
        attempts.append({"base": version, "code": done.returncode, "stderr": done.stderr})
        if done.returncode != 3:
            break
        version = current_version()  # told of the conflict: look again and re-plan
    print(json.dumps(attempts))
    """
)


# -- helpers -------------------------------------------------------------------------------------------


def taskforge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskforge", *args], capture_output=True, text=True, timeout=TIMEOUT
    )


def patch_document(writer: str, base_version: int, *, retitle: str | None = None) -> dict:
    """A root titled after `writer` with TASKS_PER_PATCH - 1 children, optionally renaming T1 as well."""
    ops: list[dict] = [{"op": "create", "task_id": "root", "body": {"title": f"{writer} root", "parent_task_id": None}}]
    ops += [
        {"op": "create", "task_id": f"t{i}", "body": {"title": f"{writer} task {i}", "parent_task_id": "root"}}
        for i in range(TASKS_PER_PATCH - 1)
    ]
    if retitle:
        ops.append({"op": "update", "task_id": "T1", "body": {"title": retitle}})
    return {"project_id": PROJECT, "base_version": base_version, "task_patches": ops}


@dataclass(frozen=True)
class Snapshot:
    version: int
    keys: frozenset[str]
    titles: dict[str, str]  # key -> title
    records: list[tuple[int, int, int, str]]  # seq, version_before, version_after, message

    def count(self, prefix: str) -> int:
        return sum(title.startswith(prefix) for title in self.titles.values())


def snapshot(db: Path) -> Snapshot:
    connection = sqlite3.connect(db, timeout=TIMEOUT)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        version = connection.execute("SELECT version FROM project WHERE id = ?", (PROJECT,)).fetchone()[0]
        titles = dict(connection.execute("SELECT key, title FROM task WHERE project_id = ?", (PROJECT,)))
        records = connection.execute(
            "SELECT seq, version_before, version_after, message FROM patch_record WHERE project_id = ? ORDER BY seq",
            (PROJECT,),
        ).fetchall()
        return Snapshot(version, frozenset(titles), titles, [tuple(r) for r in records])
    finally:
        connection.close()


def seed(tmp_path: Path) -> Path:
    db = tmp_path / "race.db"
    first = tmp_path / "seed.json"
    first.write_text(json.dumps(patch_document("seed", 0)), encoding="utf-8")
    done = taskforge("apply", PROJECT, str(first), "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


def start_at_barrier(tmp_path: Path, tag: str, go: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    driver = tmp_path / "driver.py"
    if not driver.exists():
        driver.write_text(DRIVER, encoding="utf-8")
    ready = tmp_path / f"{tag}.ready"
    process = subprocess.Popen(
        [sys.executable, str(driver), str(ready), str(go), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return process, ready


def wait_for(*paths: Path, processes: tuple[subprocess.Popen, ...] = ()) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not all(p.exists() for p in paths):
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"a driver died before the barrier: {process.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting for {paths}"
        time.sleep(0.005)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"an apply hung for {TIMEOUT} s; stderr so far: {err}") from None
    return process.returncode, out, err


# -- exactly one of two simultaneous writers wins ------------------------------------------------------


@pytest.mark.parametrize("lock_held_first", [False, True], ids=["free-start", "queued-on-lock"])
def test_two_writers_on_the_same_base_exactly_one_wins(tmp_path: Path, lock_held_first: bool) -> None:
    """Five rounds of two processes applying different patches on the same base version at the same moment.

    free-start: both are simply released together. queued-on-lock: the test holds the write lock while
    they start, so both validate against the old version and then queue on BEGIN IMMEDIATE; the one that
    gets the lock second must still notice, inside its transaction, that the version moved.
    """
    db = seed(tmp_path)
    before = snapshot(db)
    winners = []
    for round_ in range(5):
        base = before.version
        go = tmp_path / f"go-{round_}"
        tags = {w: f"r{round_}{w}" for w in "AB"}  # writer -> title prefix, unique per round
        processes, readies = {}, []
        for writer, tag in tags.items():
            patch_file = tmp_path / f"{tag}.json"
            patch_file.write_text(
                json.dumps(patch_document(tag, base, retitle=f"T1 renamed by {tag}")), encoding="utf-8"
            )
            processes[writer], ready = start_at_barrier(
                tmp_path, tag, go, "apply", PROJECT, str(patch_file), "--db", str(db), "-m", f"writer {tag}"
            )
            readies.append(ready)
        wait_for(*readies, processes=tuple(processes.values()))

        holder = None
        if lock_held_first:
            holder = sqlite3.connect(db, isolation_level=None, timeout=TIMEOUT)
            holder.execute("BEGIN IMMEDIATE")
        go.touch()
        if holder is not None:
            time.sleep(0.5)  # both validate (a few ms) and then wait for the lock (they may wait 15 s)
            assert all(p.poll() is None for p in processes.values()), "a writer did not wait for the lock"
            holder.execute("ROLLBACK")
            holder.close()
        results = {writer: finish(process) for writer, process in processes.items()}

        codes = sorted(code for code, _, _ in results.values())
        brief = {w: (code, err.strip(), out.splitlines()[-1][:120] if out else "") for w, (code, out, err) in results.items()}
        assert codes == [0, 3], f"round {round_}: exit code, stderr, last line of stdout: {brief}"
        winner = next(w for w, (code, _, _) in results.items() if code == 0)
        loser = "B" if winner == "A" else "A"
        winners.append(winner)
        _, out, err = results[winner]
        assert f"version {base} → {base + 1}" in out
        _, out, err = results[loser]
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1, f"the loser should print one line, got {err!r}"
        assert lines[0].startswith("taskforge: version conflict"), lines[0]
        assert f"based on version {base}" in lines[0] and f"at version {base + 1}" in lines[0], lines[0]

        after = snapshot(db)
        assert after.version == base + 1
        assert after.count(f"{tags[winner]} ") == TASKS_PER_PATCH  # the winner's tasks, all of them
        assert after.count(f"{tags[loser]} ") == 0  # and none of the loser's
        assert after.titles["T1"] == f"T1 renamed by {tags[winner]}"
        assert before.keys <= after.keys  # nothing lost
        assert len(after.keys) == len(before.keys) + TASKS_PER_PATCH
        assert {k: t for k, t in after.titles.items() if k in before.keys and k != "T1"} == {
            k: t for k, t in before.titles.items() if k != "T1"
        }
        assert after.records[:-1] == before.records  # history keeps everything and gains exactly one record
        assert after.records[-1] == (len(before.records) + 1, base, base + 1, f"writer {tags[winner]}")
        before = after

    history = taskforge("history", PROJECT, "--json", "--db", str(db))
    assert history.returncode == 0, history.stderr
    records = json.loads(history.stdout)
    assert [(r["version_before"], r["version_after"]) for r in records] == [(v, v + 1) for v in range(6)]
    print(f"\nwinners by round: {winners}")


# -- the loser is told and can re-plan ------------------------------------------------------------------


def test_a_writer_that_loses_rereads_the_version_and_replans(tmp_path: Path) -> None:
    db = seed(tmp_path)
    before = snapshot(db)
    replanner = tmp_path / "replanner.py"
    replanner.write_text(REPLANNER, encoding="utf-8")
    processes = {
        name: subprocess.Popen(
            [sys.executable, str(replanner), name, str(db), str(tmp_path), str(tmp_path / f"{peer}.read"),
             PROJECT, str(TASKS_PER_PATCH)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, peer in (("alpha", "beta"), ("beta", "alpha"))
    }
    results = {name: finish(process) for name, process in processes.items()}
    for name, (code, _, err) in results.items():
        assert code == 0, f"{name}: {err}"
    attempts = {name: json.loads(out) for name, (_, out, _) in results.items()}

    # Both planned on the same version, so one lost first time; it was told, re-read and then succeeded.
    first = sorted((runs[0]["code"], name) for name, runs in attempts.items())
    assert [code for code, _ in first] == [0, 3], attempts
    winner, loser = first[0][1], first[1][1]
    assert len(attempts[winner]) == 1
    told = attempts[loser][0]["stderr"].splitlines()
    assert len(told) == 1 and told[0].startswith("taskforge: version conflict"), told
    assert [a["code"] for a in attempts[loser]] == [3, 0]
    assert [a["base"] for a in attempts[loser]] == [before.version, before.version + 1]

    after = snapshot(db)
    assert after.version == before.version + 2
    assert after.count("alpha ") == TASKS_PER_PATCH and after.count("beta ") == TASKS_PER_PATCH
    assert before.keys <= after.keys
    assert len(after.keys) == len(before.keys) + 2 * TASKS_PER_PATCH
    assert after.records[: len(before.records)] == before.records
    assert [r[3] for r in after.records[len(before.records):]] == [f"{winner} #0", f"{loser} #1"]


def test_sequential_writers_each_on_the_current_version_both_land(tmp_path: Path) -> None:
    db = seed(tmp_path)
    before = snapshot(db)
    for writer in ("first", "second"):
        shown = taskforge("show", PROJECT, "--json", "--db", str(db))
        assert shown.returncode == 0, shown.stderr
        version = json.loads(shown.stdout)["project"]["version"]
        patch_file = tmp_path / f"{writer}.json"
        patch_file.write_text(json.dumps(patch_document(writer, version)), encoding="utf-8")
        done = taskforge("apply", PROJECT, str(patch_file), "--db", str(db))
        assert done.returncode == 0, done.stderr
    after = snapshot(db)
    assert after.version == before.version + 2
    assert after.count("first ") == after.count("second ") == TASKS_PER_PATCH
    assert len(after.records) == len(before.records) + 2


# -- creating the same new project twice at once ---------------------------------------------------------


def test_two_writers_creating_the_same_project_one_is_told_of_the_conflict(tmp_path: Path) -> None:
    """Deterministic interleaving: our apply has seen that 'race' does not exist yet; before it writes,
    another process creates 'race'. Ours must then fail as a conflict (exit 3), as it does when it runs
    second outright, not create a second project the patch never named."""
    from taskforge import actions

    db = tmp_path / "race.db"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(patch_document("other", 0)), encoding="utf-8")
    repo = SqlRepository.open(str(db))
    real_create = repo.create_project

    def create_after_the_other_process(*args, **kwargs):
        done = taskforge("apply", PROJECT, str(other), "--db", str(db))
        assert done.returncode == 0, done.stderr
        return real_create(*args, **kwargs)

    repo.create_project = create_after_the_other_process
    try:
        with pytest.raises(PatchError) as raised:
            actions.apply_document(repo, parse_patch(patch_document("ours", 0)), provenance=Provenance())
        assert raised.value.conflict
    finally:
        projects = [p.id for p in repo.projects()]
        repo.close()
    assert projects == [PROJECT]
