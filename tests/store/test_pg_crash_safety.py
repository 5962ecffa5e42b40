"""Crash safety on PostgreSQL: a `taskforge apply` of 5,000 operations SIGKILLed at any moment leaves the
project at the old version or at the new one, never in between.

The same patches as the SQLite test (tests/store/test_crash_safety.py). Each run gets a fresh copy of the
seeded database (`CREATE DATABASE … TEMPLATE`); every other kill is aimed inside the write transaction,
seen from the server (the client's backend holds a transaction id once it has written). After a kill the
test waits for the server to notice the dead client and end its backend, then reads the database.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psycopg

from taskforge.store.schema import libpq_uri
from tests.store.test_crash_safety import (
    NEW,
    OLD,
    PROJECT,
    RUN_TIMEOUT,
    SEED,
    WINDOW,
    State,
    big_document,
    run,
    seed_document,
    taskforge,
)

KILLS = 12


def admin(server) -> psycopg.Connection:
    return psycopg.connect(host=server.socket_dir, port=5433, user="postgres", dbname="postgres", autocommit=True)


def copy_of(server, template: str) -> tuple[str, str]:
    name = f"k_{uuid.uuid4().hex[:10]}"
    with admin(server) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name, server.url(name)


def drop(server, name: str) -> None:
    with admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def writing(server, name: str) -> bool:
    """Whether a client of database `name` is inside a transaction that has written (holds a transaction id)."""
    with admin(server) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL", (name,)
        ).fetchone()[0] > 0


def wait_for_no_clients(server, name: str, timeout: float = 30) -> None:
    """The server ends a dead client's backend (rolling back what it had not committed) once it notices."""
    deadline = time.monotonic() + timeout
    with admin(server) as connection:
        while connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the server kept the killed client's session"
            time.sleep(0.01)


def inspect_db(url: str) -> State:
    with psycopg.connect(libpq_uri(url)) as connection:
        projects = connection.execute("SELECT id, version, next_key FROM project").fetchall()
        assert [p[0] for p in projects] == [PROJECT], projects
        _, version, next_key = projects[0]

        def count(sql: str) -> int:
            return connection.execute(sql, (PROJECT,)).fetchone()[0]

        orphans = connection.execute(
            "SELECT count(*) FROM task t LEFT JOIN task p ON p.id = t.parent_id WHERE t.parent_id IS NOT NULL AND p.id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        last = connection.execute(
            "SELECT seq, version_before, version_after FROM patch_record WHERE project_id = %s ORDER BY seq DESC",
            (PROJECT,),
        ).fetchone()
        return State(
            version=version, next_key=next_key,
            tasks=count("SELECT count(*) FROM task WHERE project_id = %s"),
            records=count("SELECT count(*) FROM patch_record WHERE project_id = %s"),
            updated_titles=count("SELECT count(*) FROM task WHERE project_id = %s AND title LIKE 'Updated T%%'"),
            created_titles=count("SELECT count(*) FROM task WHERE project_id = %s AND title LIKE 'Created c%%'"),
            last_record=tuple(last) if last else None,
        )


def start_apply(url: str, patch_file: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as stderr:
        return subprocess.Popen(taskforge("apply", PROJECT, str(patch_file), "--db", url, "--json"),
                                stdout=subprocess.DEVNULL, stderr=stderr)


def test_sigkill_during_apply_on_postgresql_leaves_the_old_or_the_new_state(pg_server, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seed_name = f"seed_{uuid.uuid4().hex[:10]}"
    seed_url = pg_server.create_database(seed_name)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed_document()), encoding="utf-8")
    done = run("apply", PROJECT, str(seed_file), "--db", seed_url)
    assert done.returncode == 0, done.stderr
    assert inspect_db(seed_url) == OLD
    big_file = tmp_path / "big.json"
    big_file.write_text(json.dumps(big_document(rng, base_version=1)), encoding="utf-8")

    name, url = copy_of(pg_server, seed_name)
    started = time.monotonic()
    process = start_apply(url, big_file, tmp_path / "full.log")
    locked_at = None
    while process.poll() is None:
        if locked_at is None and writing(pg_server, name):
            locked_at = time.monotonic()
        time.sleep(0.002)
    full = time.monotonic() - started
    write_time = time.monotonic() - locked_at if locked_at else None
    assert process.returncode == 0, (tmp_path / "full.log").read_text()
    assert inspect_db(url) == NEW
    drop(pg_server, name)
    print(f"\nfull apply of 5,000 ops on PostgreSQL: {full:.2f} s" + (f", {write_time:.2f} s writing" if write_time else ""))

    outcomes: list[tuple[float, str, str]] = []
    for n in range(KILLS):
        aimed = n % 2 == 1 and write_time is not None
        delay = rng.uniform(0, write_time) if aimed else rng.uniform(0, WINDOW * full)
        name, url = copy_of(pg_server, seed_name)
        log = tmp_path / f"kill-{n}.log"
        process = start_apply(url, big_file, log)
        began = time.monotonic()
        if aimed:
            while process.poll() is None and not writing(pg_server, name) and time.monotonic() - began < RUN_TIMEOUT:
                time.sleep(0.002)
            began = time.monotonic()
        try:
            code = process.wait(timeout=max(0.0, began + delay - time.monotonic()))
            fate = "finished"
        except subprocess.TimeoutExpired:
            mid_write = writing(pg_server, name)
            process.send_signal(signal.SIGKILL)
            code = process.wait(timeout=RUN_TIMEOUT)
            fate = "killed mid-write" if mid_write else "killed"
            if code == 0:
                fate = "finished"
        if fate == "finished":
            assert code == 0, log.read_text()
        wait_for_no_clients(pg_server, name)
        state = inspect_db(url)
        assert state in (OLD, NEW), f"run {n} ({fate} at {delay:.3f} s, seed {SEED}): torn state {state}"
        assert fate != "finished" or state == NEW
        outcomes.append((delay, fate, "new" if state == NEW else "old"))
        if fate == "killed mid-write" and state == OLD and not any(o[1] == "recovered" for o in outcomes):
            again = run("apply", PROJECT, str(big_file), "--db", url, "--json")  # the database is usable at once
            assert again.returncode == 0, again.stderr
            assert inspect_db(url) == NEW
            outcomes.append((0.0, "recovered", "new"))
        drop(pg_server, name)

    summary = ", ".join(f"{delay:.2f}s:{fate}/{state}" for delay, fate, state in outcomes)
    print(f"outcomes: {summary}")
    assert any(fate.startswith("killed") and state == "old" for _, fate, state in outcomes), summary
    assert any(state == "new" for _, _, state in outcomes), summary
    assert any(fate == "killed mid-write" for _, fate, _ in outcomes), summary


def test_a_connection_dropped_during_a_write_is_one_line_and_writes_nothing(pg_server, tmp_path: Path) -> None:
    """The server ends the session while `taskforge apply` is inside its write transaction: the user gets one
    line saying nothing was written (exit 1), and nothing was."""
    seed_name = f"drop_{uuid.uuid4().hex[:10]}"
    seed_url = pg_server.create_database(seed_name)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed_document()), encoding="utf-8")
    assert run("apply", PROJECT, str(seed_file), "--db", seed_url).returncode == 0
    big_file = tmp_path / "big.json"
    big_file.write_text(json.dumps(big_document(random.Random(SEED), base_version=1)), encoding="utf-8")
    log = tmp_path / "apply.log"
    for _attempt in range(5):  # the write takes about a second; catch it inside
        name, url = copy_of(pg_server, seed_name)
        process = start_apply(url, big_file, log)
        deadline = time.monotonic() + RUN_TIMEOUT
        while process.poll() is None and not writing(pg_server, name) and time.monotonic() < deadline:
            time.sleep(0.001)
        if process.poll() is None:
            pg_server.terminate_clients(name)
        code = process.wait(timeout=RUN_TIMEOUT)
        if code != 0:
            break
        drop(pg_server, name)
    else:
        raise AssertionError("the apply always finished before its session could be ended")
    lines = log.read_text().splitlines()
    assert code == 1, lines
    assert len(lines) == 1 and lines[0].startswith("taskforge: cannot write postgresql+psycopg://"), lines
    assert lines[0].endswith("nothing was written"), lines
    wait_for_no_clients(pg_server, name)
    assert inspect_db(url) == OLD
    drop(pg_server, name)
