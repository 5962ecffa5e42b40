"""Opening a database: URL resolution, SQLite pragmas, write transactions and the schema check.

Every CLI call opens the database, so the check is cheap: read the stored Alembic revision and
import Alembic only when an upgrade is actually needed.
"""

from __future__ import annotations

import os
import sqlite3
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from taskforge.core.errors import NoDatabase, StoreError
from taskforge.store import schema
from taskforge.store.schema import HEAD, database_url, redact, scrub

__all__ = ["WRITE", "database_url", "open_database"]

WRITE = {"taskforge_write": True}
# Serialises schema upgrades between processes opening the same PostgreSQL database at once.
_MIGRATION_LOCK = 0x7461736B666F7267  # "taskforg"
CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise: an unreachable server is one line, soon


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """The database as messages name it: a file's path, or the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def create(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"'{redact(url)}' is neither a file path nor a database URL") from None
    if parsed.get_backend_name() == "postgresql":
        return _create_postgres(url, parsed)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
        except (NoSuchModuleError, ImportError) as exc:
            raise StoreError(f"cannot use {describe(url)}: {exc}") from None
    if sqlite_path(url) is None:  # in memory: every connection must see the same database
        engine = create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:  # SQLAlchemy's pool for files: a long-running app reuses its connections, and does not pay
        # for a WAL checkpoint each time the last one closes (~10 ms after a big write)
        engine = create_engine(parsed)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _create_postgres(url: str, parsed) -> Engine:
    """PostgreSQL: psycopg 3, sessions in UTC (timestamps are stored as UTC without a zone), a bounded
    connect timeout; the isolation level stays the server's READ COMMITTED: writes are made safe by the
    version check that opens each of them, not by the isolation level."""
    connect_args: dict = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    options = parsed.query.get("options")
    connect_args["options"] = " ".join(["-c TimeZone=UTC", *([options] if isinstance(options, str) else options or ())])
    try:
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
    except (NoSuchModuleError, ImportError):
        raise StoreError(
            f"cannot use {describe(url)}: the PostgreSQL driver is not installed (pip install 'taskforge[postgres]')"
        ) from None


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    # We issue BEGIN ourselves (see _sqlite_on_begin); pysqlite's implicit transactions get in the way.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    # Writers take the lock up front, so two writers queue instead of failing mid-transaction.
    write = connection.get_execution_options().get("taskforge_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_database(url: str, *, create_missing: bool) -> Engine:
    """An engine on a database whose schema is current, upgrading it in place when it is older."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            if not create_missing:
                raise NoDatabase(path)
            _make_parent(path)
        elif path.is_dir():
            raise StoreError(f"{path} is a directory, not a database file")
        else:
            refuse_foreign_file(path)
    engine = create(url)
    try:
        ensure_schema(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open {describe(url)}: {reason(exc, url)}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def refuse_foreign_file(path: Path) -> None:
    """Raise StoreError when the SQLite file at `path` is not taskforge's, reading it read-only first.

    The engine's first connection switches the journal to WAL, which rewrites the file's header: a
    foreign database must be refused before that, so that it stays byte-for-byte as it was. Only a
    SQLite file in rollback-journal mode needs this (a WAL one is not rewritten, and a read-only
    connection would leave its -wal and -shm files behind); anything else is left for the engine.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return
    if not header.startswith(b"SQLite format 3\x00") or header[18:20] == b"\x02\x02":
        return
    try:
        connection = sqlite3.connect(f"file:{quote(os.fsencode(path))}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        revision, has_tables = schema.sqlite_revision(connection)
    except sqlite3.Error:
        return
    finally:
        connection.close()
    schema.check_revision(revision, has_tables, str(path))


def _make_parent(path: Path) -> None:
    from taskforge.config import default_database_path

    if path == default_database_path():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, no permission, a read-only file system
            raise StoreError(f"cannot create the data folder {path.parent}: {exc.strerror}") from None
    elif not path.parent.is_dir():
        raise StoreError(f"cannot create {path}: the folder {path.parent} does not exist")


def reason(exc: Exception, url: str = "") -> str:
    """The driver's error (wrapped by SQLAlchemy or raised by the driver itself) as one line, with no password in it."""
    orig = getattr(exc, "orig", None)
    return scrub(schema.reason(str(orig) if orig is not None else str(exc)), url)


def stored_revision(engine: Engine) -> tuple[str | None, bool]:
    """(the revision stamped in the database, whether it has any tables at all)."""
    with engine.connect() as connection:
        return _stored_revision(connection)


def _stored_revision(connection) -> tuple[str | None, bool]:
    sql = schema.PG_TABLES_SQL if connection.dialect.name == "postgresql" else schema.SQLITE_TABLES_SQL
    names = {row[0] for row in connection.exec_driver_sql(sql)}
    if "alembic_version" not in names:
        return None, bool(names)
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return (row[0] if row else None), True


def ensure_schema(engine: Engine) -> None:
    revision, has_tables = stored_revision(engine)
    if schema.check_revision(revision, has_tables, describe(str(engine.url))):
        return
    if revision is None and engine.dialect.name == "sqlite":
        create_head(engine)
    else:
        upgrade(engine)


def create_head(engine: Engine) -> None:
    """A new SQLite database gets the head schema from `head.sql`, stamped at HEAD: the same tables,
    indexes and stamp as running every migration, without importing Alembic (a quarter of a second of a
    first `import`), and the same statements the lean import runs (`store/new_project.py`)."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        if connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar():
            return  # another process made it while we waited for the write lock
        for statement in schema.head_statements():
            connection.exec_driver_sql(statement)


def upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("taskforge.store") / "migrations"))
    with engine.connect().execution_options(**WRITE) as connection:
        if connection.dialect.name == "postgresql":
            # One upgrade at a time (the DDL is transactional: the lock and the migrations commit together);
            # whoever waited finds the schema current and Alembic does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            revision, has_tables = _stored_revision(connection)
            schema.check_revision(revision, has_tables, describe(str(engine.url)))
        config.attributes["connection"] = connection
        command.upgrade(config, HEAD)
        connection.commit()
