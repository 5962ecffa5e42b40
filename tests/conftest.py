"""Shared fixtures: a temporary database, a repository on it, and small trees to patch."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from taskforge.core.history import Provenance
from taskforge.core.models import Project
from taskforge.core.patches import ProjectPatch, parse_patch
from taskforge.core.tree import Tree
from taskforge.store.repository import SqlRepository


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's config or database, or talks to a real model."""
    home = tmp_path_factory.mktemp("home")
    (home / "config.toml").write_text("")  # an empty config: a missing one would be noted on stderr
    monkeypatch.setenv("TASKFORGE_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in list(os.environ):
        if name.startswith("TASKFORGE_") and name != "TASKFORGE_CONFIG":
            monkeypatch.delenv(name)
    from taskforge import config

    config.settings.cache_clear()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "taskforge.db"


@pytest.fixture
def repo(db_path: Path) -> Iterator[SqlRepository]:
    repository = SqlRepository.open(str(db_path))
    yield repository
    repository.close()


@pytest.fixture
def cli(db_path: Path):
    """The command line in-process (typer's runner) on the test database."""
    from typer.testing import CliRunner

    from taskforge.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [*args, "--db", str(db_path)], input=input, catch_exceptions=False)

    return invoke


SAMPLE = {
    "project_id": "sample",
    "base_version": 0,
    "rationale": "A small plan with depth and dependencies.",
    "meta_updates": {"summary": "A sample project"},
    "task_patches": [
        {"op": "create", "task_id": "a", "body": {"title": "Design", "estimate_minutes": 600, "tags": ["ux"]}},
        {"op": "create", "task_id": "a1", "body": {"parent_task_id": "a", "title": "Wireframes", "status": "done"}},
        {"op": "create", "task_id": "a2", "body": {"parent_task_id": "a", "title": "Review", "depends_on": ["a1"]}},
        {"op": "create", "task_id": "b", "body": {"title": "Build", "priority": "high", "depends_on": ["a"]}},
        {"op": "create", "task_id": "b1", "body": {"parent_task_id": "b", "title": "API"}},
        {"op": "create", "task_id": "c", "body": {"title": "Ship", "acceptance_criteria": ["Deployed"]}},
    ],
}


def sample_patch() -> ProjectPatch:
    return parse_patch(SAMPLE)


def sample_tree() -> Tree:
    """T1 Design (T2 Wireframes, T3 Review→T2), T4 Build→T1 (T5 API), T6 Ship; version 1."""
    from taskforge.core.patches import apply

    return apply(sample_patch(), Tree.empty(Project(id="sample", title="Sample"))).tree


@pytest.fixture
def sample(repo: SqlRepository) -> Tree:
    """The sample project stored in `repo`, as loaded back."""
    repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance(message="seed"))
    return repo.load("sample")


def file_digest(path: Path) -> str:
    """The database's bytes, for 'nothing changed' checks (the WAL is folded in when connections close)."""
    digest = hashlib.sha256(path.read_bytes())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


# -- PostgreSQL: a real server for the session, a fresh database per test ---------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server in a temporary directory (tests/pg_server.py), stopped at the end; the tests
    that need it are skipped, with the reason, where the server's binaries or the driver are missing."""
    from tests import pg_server as pg

    if pg.server_binaries() is None:
        pytest.skip("PostgreSQL's server binaries are not installed (Debian package postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    server = pg.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new, empty database on the session's server."""
    return pg_server.create_database()


_TABLES = ("alembic_version", "project", "task", "patch_record", "message", "proposal", "sync_link", "app_user")


@dataclass(frozen=True)
class Store:
    """A database to test on: its URL, and a digest of everything in it for 'nothing changed' checks."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None  # the SQLite file

    def digest(self) -> str:
        if self.path is not None:
            return file_digest(self.path)
        import psycopg

        from taskforge.store.schema import libpq_uri

        digest = hashlib.sha256()
        with psycopg.connect(libpq_uri(self.url)) as connection:
            for table in _TABLES:
                order = "version_num" if table == "alembic_version" else "id"
                for row in connection.execute(f"SELECT * FROM {table} ORDER BY {order}"):
                    digest.update(repr(row).encode())
        return digest.hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request, tmp_path_factory) -> Callable[[], Store]:
    """Makes empty databases of one kind; tests using it run once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        return lambda: Store("postgresql", server.create_database())

    def sqlite() -> Store:
        path = tmp_path_factory.mktemp("store") / f"{uuid.uuid4().hex[:8]}.db"
        return Store("sqlite", str(path), path)

    return sqlite


@pytest.fixture
def store(new_store) -> Store:
    """One empty database, on SQLite and on PostgreSQL."""
    return new_store()
