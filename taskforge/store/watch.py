"""Changes made elsewhere, as they happen: what an open TUI needs to refresh in place.

    watcher = watch_changes(db)          # db: a --db value (path or URL), None for the configured one
    try:
        while running:
            for project_id, version in watcher.wait(1.0):
                if (project_id, version) == RESYNC: ...re-read everything shown...
                else: ...re-read project_id if it is shown at a version below `version`...
    finally:
        watcher.close()

`wait(timeout)` blocks up to `timeout` seconds and returns the `(project_id, version)` pairs changed since
the last call (each project once, at the newest version seen), or `[]`. It never raises: a dropped
connection, a server restart or a database file gone for a while make it return `[]` while it cannot see
changes, and `[RESYNC]` once it can again, because changes may have been missed in between: re-read
everything. `connected` says whether it can see changes right now (for a notice).

PostgreSQL: a dedicated autocommit psycopg connection doing `LISTEN taskforge_changes`; each committed write
sends `<project_id> <version>` on that channel (the repository's NOTIFY, delivered at commit). SQLite: its
own connection polls `PRAGMA data_version` (which moves when another connection commits) about once a
second and, when it moves, reads `SELECT id, version FROM project` (and each project's review queue) and
reports the projects whose version or queue differs from what it saw before. A proposal queued or decided
reports the project at the version it already has (PostgreSQL: the queue sends the same NOTIFY). Changes made by this very process through another connection are
reported too; a caller that already shows that version simply ignores them.

Imports neither textual nor SQLAlchemy; psycopg only for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from taskforge.store import schema

Change = tuple[str, int]
RESYNC: Change = ("*", -1)  # "the watcher was blind for a while: re-read everything"
CHANNEL = "taskforge_changes"  # the repository's NOTIFY channel (repository.CHANNEL)


class ChangeWatcher(Protocol):
    connected: bool

    def wait(self, timeout: float) -> list[Change]: ...
    def close(self) -> None: ...


def watch_changes(db: str | None, *, poll_interval: float = 1.0) -> ChangeWatcher:
    """A watcher on the database `db` names (a path or URL, as `--db` takes; None: the configured one)."""
    url = schema.database_url(db)
    if schema.is_postgres(url):
        return PostgresWatcher(url)
    path = schema.plain_sqlite_file(url)
    if path is not None:
        return SqliteWatcher(path, poll_interval=poll_interval)
    return NullWatcher()  # an in-memory database: nobody else can change it


def _coalesce(changes: list[Change]) -> list[Change]:
    """Each project once, at the newest version, in the order first seen."""
    newest: dict[str, int] = {}
    for project_id, version in changes:
        newest[project_id] = max(version, newest.get(project_id, version))
    return list(newest.items())


class NullWatcher:
    """Nothing else can change the database: waits and reports nothing."""

    connected = True

    def __init__(self) -> None:
        self._closed = threading.Event()

    def wait(self, timeout: float) -> list[Change]:
        self._closed.wait(max(0.0, timeout))
        return []

    def close(self) -> None:
        self._closed.set()


class _Reconnecting:
    """What both real watchers share: one connection of their own, lost and found again, and closing."""

    def __init__(self) -> None:
        self.connected = False
        self._connection: Any = None
        self._closed = threading.Event()
        self._missed = False  # blind for a while: the next successful connection reports RESYNC

    def _drop(self) -> None:
        """The connection went away: changes may be missed until it is back."""
        self._missed = True
        self._release()

    def close(self) -> None:
        self._closed.set()
        self._release()

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        self.connected = False
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


class PostgresWatcher(_Reconnecting):
    """LISTEN on a dedicated autocommit connection; reconnects (at most once per `retry` seconds) when it drops."""

    def __init__(self, url: str, *, retry: float = 1.0):
        super().__init__()
        self.url = url
        self.retry = retry
        self._last_attempt = 0.0
        if not self._connect():
            self._missed = True

    def _connect(self) -> bool:
        self._last_attempt = time.monotonic()
        try:
            import psycopg

            connection = psycopg.connect(
                schema.libpq_uri(self.url), autocommit=True, connect_timeout=5,
                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
            )
            connection.execute(f"LISTEN {CHANNEL}")
        except Exception:  # unreachable, refused, not installed: stay blind and try again later
            return False
        self._connection = connection
        self.connected = True
        return True

    def wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + max(0.0, timeout)
        if self._closed.is_set():
            return []
        if self._connection is None:
            pause = self._last_attempt + self.retry - time.monotonic()
            if pause > 0 and self._closed.wait(min(pause, max(0.0, deadline - time.monotonic()))):
                return []
            if time.monotonic() >= self._last_attempt + self.retry and self._connect():
                self._missed = False
                return [RESYNC]
            self._closed.wait(max(0.0, deadline - time.monotonic()))
            return []
        connection = self._connection
        try:
            notes = list(connection.notifies(timeout=max(0.0, deadline - time.monotonic()), stop_after=1))
            if notes:  # whatever else arrived with it, without waiting any longer
                notes += list(connection.notifies(timeout=0.0))
        except Exception:  # the server went away or the connection was closed (close() from another thread)
            self._drop()
            return []
        changes = []
        for note in notes:
            project_id, _, version = note.payload.rpartition(" ")
            if project_id and version.isdigit():
                changes.append((project_id, int(version)))
        return _coalesce(changes)


class SqliteWatcher(_Reconnecting):
    """Polls `PRAGMA data_version` on its own connection every `poll_interval` seconds."""

    def __init__(self, path: Path, *, poll_interval: float = 1.0):
        super().__init__()
        self.path = path
        self.poll_interval = poll_interval
        self._data_version: int | None = None
        self._versions: dict[str, tuple] = {}
        if not self._open():
            self._missed = True

    def _open(self) -> bool:
        if not self.path.is_file():
            return False
        try:
            connection = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA busy_timeout=1000")
            data_version = connection.execute("PRAGMA data_version").fetchone()[0]
            versions = self._read_versions(connection)
        except sqlite3.Error:
            return False
        self._connection, self._data_version, self._versions = connection, data_version, versions
        self.connected = True
        return True

    @staticmethod
    def _read_versions(connection: sqlite3.Connection) -> dict[str, tuple]:
        """Each project's version and the state of its review queue: a proposal queued or decided is a change too."""
        try:
            versions = {pid: (version,) for pid, version in connection.execute("SELECT id, version FROM project")}
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # created but not yet given its schema
                return {}
            raise
        try:
            queues = connection.execute(
                "SELECT project_id, count(*), max(id) FROM proposal WHERE state = 'pending' GROUP BY project_id"
            ).fetchall()
        except sqlite3.OperationalError:  # a database from before the review queue
            queues = []
        for pid, count, newest in queues:
            if pid in versions:
                versions[pid] += (count, newest)
        return versions

    def _poll(self) -> list[Change] | None:
        """The changes since the last poll, or None when the database cannot be read."""
        if self._connection is None:
            if not self._open():
                return None
            if self._missed:
                self._missed = False
                return [RESYNC]
            return []
        try:
            data_version = self._connection.execute("PRAGMA data_version").fetchone()[0]
            if data_version == self._data_version:
                return []
            versions = self._read_versions(self._connection)
        except sqlite3.Error:
            self._drop()
            return None
        self._data_version = data_version
        changed = [(pid, state[0]) for pid, state in versions.items() if self._versions.get(pid) != state]
        self._versions = versions
        return changed

    def wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + max(0.0, timeout)
        while not self._closed.is_set():
            changes = self._poll()
            if changes:
                return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._closed.wait(min(self.poll_interval, remaining))
        return []
