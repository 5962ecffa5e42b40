"""The change watcher (store/watch.py): changes made elsewhere are reported within about a second, on SQLite
(PRAGMA data_version polling) and on PostgreSQL (LISTEN/NOTIFY); a dropped connection or a restarted server
never raises, and is reported as RESYNC once the watcher sees changes again."""

from __future__ import annotations

import time

import pytest

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from taskforge.core.patches import PatchError
from taskforge.store import repository
from taskforge.store.repository import SqlRepository
from taskforge.store.watch import CHANNEL, RESYNC, SqliteWatcher, watch_changes
from tests.builders import patch, update
from tests.conftest import Store, sample_patch


def collect(watcher, seconds: float, until=None) -> list:
    """Everything reported within `seconds` (stopping early once `until(changes)` holds)."""
    deadline = time.monotonic() + seconds
    seen: list = []
    while time.monotonic() < deadline:
        seen += watcher.wait(min(0.5, max(0.0, deadline - time.monotonic())))
        if until is not None and until(seen):
            break
    return seen


def test_the_channel_is_the_repositorys():
    assert CHANNEL == repository.CHANNEL


def test_changes_elsewhere_are_reported_with_their_version(store: Store):
    with SqlRepository.open(store.url) as repo:
        repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance())
        watcher = watch_changes(store.url, poll_interval=0.1)
        try:
            assert watcher.connected
            assert watcher.wait(0.3) == []  # nothing happened since it started
            started = time.monotonic()
            repo.apply_patch(patch(update("T1", title="x")), mode=Mode.EDIT)
            assert collect(watcher, 5, until=bool) == [("sample", 2)]
            assert time.monotonic() - started < 2
            # Several changes between two calls: each project once, at its newest version.
            repo.apply_patch(patch(update("T1", title="y"), base=2), mode=Mode.EDIT)
            repo.apply_patch(patch(update("T1", title="z"), base=3), mode=Mode.EDIT)
            repo.create_project(Project(id="other", title="Other"), sample_patch(), Provenance())
            time.sleep(0.3)
            seen = collect(watcher, 3, until=lambda s: ("other", 1) in s and ("sample", 4) in s)
            assert sorted(set(seen)) == [("other", 1), ("sample", 4)]
            # A rejected patch, a chat message and reads announce nothing.
            with pytest.raises(PatchError):
                repo.apply_patch(patch(update("T99", title="x"), base=4), mode=Mode.EDIT)
            repo.add_message("sample", None, "user", "hello")
            repo.load("sample")
            assert collect(watcher, 1.2) == []
        finally:
            watcher.close()
        assert watcher.wait(0.1) == []  # closed: reports nothing, raises nothing


def test_undo_and_redo_are_announced(store: Store):
    with SqlRepository.open(store.url) as repo:
        repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance())
        watcher = watch_changes(store.url, poll_interval=0.1)
        try:
            repo.undo("sample")
            assert collect(watcher, 3, until=bool) == [("sample", 2)]
            repo.redo("sample")
            assert collect(watcher, 3, until=bool) == [("sample", 3)]
        finally:
            watcher.close()


def test_sqlite_database_that_appears_later_is_a_resync(tmp_path):
    path = tmp_path / "later.db"
    watcher = SqliteWatcher(path, poll_interval=0.05)
    try:
        assert not watcher.connected and watcher.wait(0.1) == []
        with SqlRepository.open(str(path)) as repo:
            repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance())
            assert collect(watcher, 2, until=bool) == [RESYNC]
            assert watcher.connected
            repo.apply_patch(patch(update("T1", title="x")), mode=Mode.EDIT)
            assert collect(watcher, 2, until=bool) == [("sample", 2)]
    finally:
        watcher.close()


def test_postgresql_dropped_connection_never_raises_and_resyncs(pg_server):
    database = "dropped"
    pg_url = pg_server.create_database(database)
    with SqlRepository.open(pg_url) as repo:
        repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance())
        watcher = watch_changes(pg_url)
        watcher.retry = 0.1
        try:
            assert watcher.connected
            assert pg_server.terminate_clients(database) >= 1  # the watcher's session among them
            seen = collect(watcher, 5, until=lambda s: RESYNC in s)
            assert seen == [RESYNC] and watcher.connected
            repo.apply_patch(patch(update("T1", title="x")), mode=Mode.EDIT)  # the pool reconnects too
            assert collect(watcher, 3, until=bool) == [("sample", 2)]
        finally:
            watcher.close()


def test_postgresql_server_restart_never_raises_and_resyncs(tmp_path):
    from tests import pg_server as pg

    if pg.server_binaries() is None:
        pytest.skip("PostgreSQL's server binaries are not installed (Debian package postgresql)")
    server = pg.start()  # its own server: restarting the session's would disturb nothing, but be safe
    try:
        url = server.create_database()
        with SqlRepository.open(url) as repo:
            repo.create_project(Project(id="sample", title="Sample"), sample_patch(), Provenance())
        watcher = watch_changes(url)
        watcher.retry = 0.2
        try:
            server.restart()
            seen = collect(watcher, 15, until=lambda s: RESYNC in s)
            assert seen == [RESYNC], seen
            with SqlRepository.open(url) as repo:
                repo.apply_patch(patch(update("T1", title="after the restart")), mode=Mode.EDIT)
            assert collect(watcher, 3, until=bool) == [("sample", 2)]
        finally:
            watcher.close()
    finally:
        server.stop()


def test_an_unreachable_server_is_blind_not_an_error():
    watcher = watch_changes("postgresql://alice:secret@127.0.0.1:1/db")
    try:
        assert not watcher.connected
        assert watcher.wait(0.2) == []
    finally:
        watcher.close()


def test_the_watcher_imports_neither_textual_nor_the_orm():
    from tests.test_import_hygiene import loaded_after

    modules = loaded_after("import taskforge.store.watch")
    assert not modules & {"textual", "sqlalchemy", "sqlmodel", "psycopg"}
