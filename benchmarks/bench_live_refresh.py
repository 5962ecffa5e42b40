"""Live refresh: a change committed by another session until an open TUI shows it.

An app runs headless (Textual's test driver) on a project; another connection applies a small patch,
and the clock runs from its commit until the app's main screen shows the new version. Median of
`BENCH_RUNS` changes, on SQLite (PRAGMA data_version polled about once a second) and on PostgreSQL
(LISTEN/NOTIFY). Target ≤ 2 s on both.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import RUNS, NotAvailable, Row, median, ms, run_figure  # noqa: E402

FIGURE = "change made in one session → shown in an open TUI ({store})"
LIMIT = 2.0


def seed(url: str) -> str:
    from taskforge.agent.offline import OfflinePlanner
    from taskforge.agent.service import AgentService
    from taskforge.core.models import Mode
    from taskforge.store.repository import SqlRepository

    with SqlRepository.open(url) as repo:
        service = AgentService(repo, OfflinePlanner())
        return service.accept(service.propose(None, Mode.PROJECT, None, "Build a new user authentication flow")).tree.project.id


def change(repo, project: str, n: int) -> int:
    from taskforge.core.history import Provenance
    from taskforge.core.models import Mode
    from taskforge.core.patches import ProjectPatch, TaskPatch

    tree = repo.load(project)
    patch = ProjectPatch(project_id=project, base_version=tree.project.version, rationale="bench",
                         task_patches=[TaskPatch.model_validate({"op": "create", "task_id": "n", "body": {"title": f"Task {n}"}})])
    return repo.apply_patch(patch, mode=Mode.EDIT, provenance=Provenance(message="bench", author="bench")).tree.project.version


async def latencies(url: str) -> list[float]:
    from taskforge.agent.offline import OfflinePlanner
    from taskforge.store.repository import SqlRepository
    from taskforge.tui.app import TaskforgeApp

    project = seed(url)
    shown, other = SqlRepository.open(url), SqlRepository.open(url)
    app = TaskforgeApp(repo=shown, planner=OfflinePlanner())
    found: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while app.main_screen.project_tree is None:
                await pilot.pause(0.05)
            await asyncio.sleep(1.5)  # the watcher is up and has seen the starting state
            for n in range(RUNS):
                version = await asyncio.to_thread(change, other, project, n)
                committed = time.monotonic()
                while app.main_screen.project_tree.project.version < version:
                    if time.monotonic() - committed > 10:
                        raise RuntimeError("the change never showed")
                    await asyncio.sleep(0.01)
                found.append(time.monotonic() - committed)
                await asyncio.sleep(0.3)  # changes a moment apart, as people make them
    finally:
        shown.close()
        other.close()
    return found


def row(store: str, url: str) -> Row:
    samples = asyncio.run(latencies(url))
    worst = max(samples)
    return Row(FIGURE.format(store=store), f"{ms(median(samples))} (worst {ms(worst)})", "—", "—", f"≤ {LIMIT:g} s",
               "yes" if worst <= LIMIT else "no")


def postgres_url():
    from tests import pg_server

    if pg_server.server_binaries() is None:
        raise NotAvailable("PostgreSQL's server binaries are not installed (Debian package postgresql)")
    server = pg_server.start()
    return server, server.create_database()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        run_figure(FIGURE.format(store="SQLite"), f"≤ {LIMIT:g} s", lambda: row("SQLite", str(Path(scratch) / "live.db")))
    server = None

    def on_postgres() -> Row:
        nonlocal server
        server, url = postgres_url()
        return row("PostgreSQL", url)

    try:
        run_figure(FIGURE.format(store="PostgreSQL"), f"≤ {LIMIT:g} s", on_postgres)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
