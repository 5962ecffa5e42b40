"""A real server on a free port of 127.0.0.1, in the test's event loop, and helpers to talk to it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from taskforge.store.repository import SqlRepository
from taskforge.store.schema import database_url
from taskforge.store.users import Users
from taskforge.web.users import add_user

WEB_EXTRA = "the web extra is not installed (pip install 'taskforge[web]')"


@dataclass
class Served:
    server: object  # taskforge.web.server.TaskforgeServer
    url: str
    users: Users
    db: Path

    def token(self, name: str) -> str:
        return add_user(self.users, name)[1]

    @property
    def origin(self) -> str:
        return self.url


def children() -> set[int]:
    """The process ids of this process's children (an app process per open tab)."""
    found: set[int] = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with contextlib.suppress(OSError):
            found |= {int(pid) for pid in Path(f"/proc/{os.getpid()}/task/{task}/children").read_text().split()}
    return found


async def start(db: Path, **options) -> tuple[Served, object]:
    pytest.importorskip("textual_serve", reason=WEB_EXTRA)
    from taskforge.web.server import TaskforgeServer

    repo = SqlRepository.open(str(db))
    server = TaskforgeServer(Users(repo.engine), database_url(str(db)), host="127.0.0.1", port=0,
                             watch_interval=0.2, **options)
    runner = await server.start()
    port = runner.addresses[0][1]
    return Served(server, f"http://127.0.0.1:{port}", server.users, db), (runner, repo)


@pytest.fixture
async def served(db_path: Path) -> AsyncIterator[Served]:
    result, (runner, repo) = await start(db_path)
    try:
        yield result
    finally:
        await runner.cleanup()
        repo.close()
