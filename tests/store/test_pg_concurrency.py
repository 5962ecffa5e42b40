"""Concurrent writers on PostgreSQL: 4 processes × 25 patches on one project, each retrying on exit 3.

Under READ COMMITTED the version check and bump that opens every write transaction makes a second writer
on the same base wait for the first and then update no row: it is told (exit 3), re-reads and re-plans.
Nothing is lost and nothing lands twice: the final version is the number of applied patches and every
applied patch is in the history exactly once. The writers are real processes running the CLI's own code
(`taskforge show --json`, `taskforge apply`), imported once per process so the run stays short.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from taskforge.store.schema import libpq_uri

WRITERS = 4
PATCHES = 25
TIMEOUT = 240

WRITER = textwrap.dedent(
    """
    import contextlib, io, json, os, sys, time

    name, db, workdir, go = sys.argv[1:5]
    patches = int(sys.argv[5])
    from taskforge.cli import app

    def cli(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = app([*args, "--db", db], standalone_mode=False)
        return (code or 0), out.getvalue(), err.getvalue()

    open(os.path.join(workdir, name + ".ready"), "w").close()
    while not os.path.exists(go):
        time.sleep(0.001)
    report = {"applied": [], "conflicts": 0, "errors": []}
    for i in range(patches):
        for attempt in range(200):
            code, out, err = cli("show", "race", "--json")
            assert code == 0, err
            version = json.loads(out)["project"]["version"]
            patch = {"project_id": "race", "base_version": version, "task_patches": [
                {"op": "create", "task_id": "n", "body": {"title": f"{name} patch {i}"}},
                {"op": "update", "task_id": "T1", "body": {"title": f"last written by {name} {i}"}},
            ]}
            path = os.path.join(workdir, f"{name}-{i}-{attempt}.json")
            with open(path, "w") as f:
                json.dump(patch, f)
            code, out, err = cli("apply", "race", path, "-m", f"{name}#{i}", "--json")
            if code == 0:
                report["applied"].append([f"{name}#{i}", json.loads(out)["version_after"]])
                break
            if code != 3:
                report["errors"].append([code, err])
                break
            report["conflicts"] += 1
    print(json.dumps(report))
    """
)


def test_four_writers_lose_nothing_and_apply_nothing_twice(pg_url, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"project_id": "race", "base_version": 0, "task_patches": [
        {"op": "create", "task_id": "shared", "body": {"title": "the task everyone renames"}}]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "taskforge", "apply", "race", str(seed), "--db", pg_url],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    go = tmp_path / "go"
    names = [f"w{n}" for n in range(WRITERS)]
    processes = {
        name: subprocess.Popen([sys.executable, str(script), name, pg_url, str(tmp_path), str(go), str(PATCHES)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in names
    }
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"{name}.ready").exists() for name in names):
        assert time.monotonic() < deadline, "the writers did not start"
        for name, process in processes.items():
            assert process.poll() is None, f"{name} died: {process.communicate()}"
        time.sleep(0.01)
    go.touch()
    reports = {}
    for name, process in processes.items():
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in processes.values():
                other.kill()
            pytest.fail(f"{name} did not finish in {TIMEOUT} s")
        assert process.returncode == 0, err
        reports[name] = json.loads(out.splitlines()[-1])

    assert all(not report["errors"] for report in reports.values()), reports
    applied = [entry for report in reports.values() for entry in report["applied"]]
    conflicts = sum(report["conflicts"] for report in reports.values())
    assert len(applied) == WRITERS * PATCHES
    # Each successful apply got its own version: no two writers ever committed on the same base.
    assert sorted(version for _, version in applied) == list(range(2, 2 + WRITERS * PATCHES))

    with psycopg.connect(libpq_uri(pg_url)) as connection:
        version = connection.execute("SELECT version FROM project WHERE id = 'race'").fetchone()[0]
        messages = [row[0] for row in connection.execute(
            "SELECT message FROM patch_record WHERE project_id = 'race' AND seq > 1 ORDER BY seq")]
        titles = [row[0] for row in connection.execute(
            "SELECT title FROM task WHERE project_id = 'race' AND key <> 'T1'")]
        chain = connection.execute(
            "SELECT version_before, version_after FROM patch_record WHERE project_id = 'race' ORDER BY seq").fetchall()
    assert version == 1 + len(applied)
    assert sorted(messages) == sorted(message for message, _ in applied)  # each applied patch exactly once
    assert len(set(messages)) == len(messages)
    assert sorted(titles) == sorted(f"{name} patch {i}" for name in names for i in range(PATCHES))
    assert chain == [(v, v + 1) for v in range(len(chain))]
    print(f"\n{len(applied)} patches applied by {WRITERS} writers, {conflicts} conflicts told and retried")
