"""The team store: PostgreSQL against SQLite, measured in the same run on the same machine.

- apply a 1,000-operation patch (1,000 creates into the 1k-task project), in one process as the TUI
  applies an accepted patch: `SqlRepository.apply_patch` on PostgreSQL vs the same on SQLite, each run
  on a fresh copy of the database (untimed: a file copy / `CREATE DATABASE … TEMPLATE`). Target ≤ 2×.
- `taskforge show bench-10000 --json`, the whole process, on PostgreSQL vs SQLite (the 10k project
  copied to the server with `taskforge db copy`). Target ≤ 1.5×.
- patches committed per second on PostgreSQL by 4 concurrent writer processes (each: read, apply a
  small patch, retry on a version conflict) vs 1 writer: reported.

The server is a throw-away one started by tests/pg_server.py (Debian's binaries; fsync off, as in the
tests), on a unix socket.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import (  # noqa: E402
    NotAvailable,
    Row,
    command,
    database,
    interleaved,
    project_id,
    ratio_row,
    run_figure,
    taskforge_command,
)
from bench_apply_patch import creates  # noqa: E402

APPLY = "apply a 1,000-op patch: PostgreSQL vs SQLite"
SHOW = "show --json of a 10k-task project: PostgreSQL vs SQLite"
WRITERS = "4 concurrent writers on PostgreSQL: patches/s vs 1 writer"
WRITE_SECONDS = 8


def server():
    from tests import pg_server

    if pg_server.server_binaries() is None:
        raise NotAvailable("PostgreSQL's server binaries are not installed (Debian package postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise NotAvailable("psycopg is not installed (pip install -e '.[postgres]')") from exc
    return pg_server.start()


def admin(pg):
    import psycopg

    return psycopg.connect(host=pg.socket_dir, port=5433, user="postgres", dbname="postgres", autocommit=True)


def copy_to_server(pg, source: Path, name: str) -> str:
    url = pg.create_database(name)
    from taskforge.store.copy import copy_projects

    copy_projects(str(source), url)
    return url


def measure_apply(pg) -> Row:
    from taskforge.core.models import Mode
    from taskforge.store.repository import SqlRepository

    size = 1_000
    source = database(size)
    template = f"tpl_{uuid.uuid4().hex[:8]}"
    copy_to_server(pg, source, template)
    with SqlRepository.open(str(source), create=False) as repo:
        patch = creates(repo.load(project_id(size)))
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as scratch, admin(pg) as control:
        folder = Path(scratch)

        def fresh() -> None:
            for name in ("pg", "sqlite"):
                if name in state:
                    state.pop(name).close()
            if "db" in state:
                control.execute(f'DROP DATABASE "{state.pop("db")}"')
            for leftover in folder.glob("copy*"):
                leftover.unlink()
            shutil.copyfile(source, folder / "copy.db")
            state["db"] = f"c_{uuid.uuid4().hex[:8]}"
            control.execute(f'CREATE DATABASE "{state["db"]}" TEMPLATE "{template}"')
            state["pg"] = SqlRepository.open(pg.url(state["db"]), create=False)
            state["sqlite"] = SqlRepository.open(str(folder / "copy.db"), create=False)
            for repo in (state["pg"], state["sqlite"]):
                repo.projects()  # the engine has connected once, as in a running app

        mine, baseline = interleaved(
            lambda: state["pg"].apply_patch(patch, mode=Mode.EDIT),
            lambda: state["sqlite"].apply_patch(patch, mode=Mode.EDIT),
            setup=fresh,
        )
        for name in ("pg", "sqlite"):
            state.pop(name).close()
    return ratio_row(APPLY, mine, baseline, 2.0)


def measure_show(pg) -> Row:
    size = 10_000
    source = database(size)
    url = copy_to_server(pg, source, f"show_{uuid.uuid4().hex[:8]}")
    base = taskforge_command()
    mine, baseline = interleaved(
        command([*base, "show", project_id(size), "--json", "--db", url]),
        command([*base, "show", project_id(size), "--json", "--db", str(source)]),
    )
    return ratio_row(SHOW, mine, baseline, 1.5)


def writer(url: str, name: str, seconds: float, start_at: float, results) -> None:
    from taskforge.core.models import Mode
    from taskforge.core.patches import Op, PatchError, ProjectPatch, TaskFields, TaskPatch
    from taskforge.store.repository import SqlRepository

    committed = conflicts = 0
    with SqlRepository.open(url, create=False) as repo:
        repo.projects()
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        n = 0
        while time.time() < deadline:
            version = repo.load("writers").project.version
            patch = ProjectPatch(project_id="writers", base_version=version, task_patches=[
                TaskPatch(op=Op.CREATE, task_id="n", body=TaskFields(title=f"{name} {n}")),
                TaskPatch(op=Op.UPDATE, task_id="T1", body=TaskFields(title=f"last: {name} {n}")),
            ])
            try:
                repo.apply_patch(patch, mode=Mode.EDIT)
                committed += 1
                n += 1
            except PatchError:
                conflicts += 1
    results.put((committed, conflicts))


def throughput(pg, count: int) -> tuple[float, int]:
    from taskforge.core.history import Provenance
    from taskforge.core.models import Project
    from taskforge.core.patches import parse_patch
    from taskforge.store.repository import SqlRepository

    url = pg.create_database(f"w_{uuid.uuid4().hex[:8]}")
    with SqlRepository.open(url) as repo:
        seed = parse_patch({"project_id": "writers", "base_version": 0, "task_patches": [
            {"op": "create", "task_id": "t", "body": {"title": "shared"}}]})
        repo.create_project(Project(id="writers", title="Writers"), seed, Provenance())
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 3  # every writer imported and connected before the clock starts
    processes = [context.Process(target=writer, args=(url, f"w{i}", WRITE_SECONDS, start_at, results))
                 for i in range(count)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    committed = sum(c for c, _ in outcomes)
    conflicts = sum(x for _, x in outcomes)
    with SqlRepository.open(url, create=False) as repo:
        assert repo.load("writers").project.version == 1 + committed, "a lost or doubled update"
    return committed / WRITE_SECONDS, conflicts


def measure_writers(pg) -> Row:
    one, _ = throughput(pg, 1)
    four, conflicts = throughput(pg, 4)
    return Row(WRITERS, f"{four:.0f}/s ({conflicts} conflicts retried)", f"{one:.0f}/s", f"{four / one:.2f}×",
               "report", "—")


def main() -> None:
    try:
        pg = server()
    except NotAvailable as exc:
        for figure, target in ((APPLY, "≤ 2×"), (SHOW, "≤ 1.5×"), (WRITERS, "report")):
            run_figure(figure, target, lambda exc=exc: (_ for _ in ()).throw(exc))
        return
    try:
        run_figure(APPLY, "≤ 2×", lambda: measure_apply(pg))
        run_figure(SHOW, "≤ 1.5×", lambda: measure_show(pg))
        run_figure(WRITERS, "report", lambda: measure_writers(pg))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
