"""The lean read path on PostgreSQL: the read-only commands read through psycopg directly, without the ORM.

The same `Reader` as `SqliteReader`, with the same SQL (in psycopg's parameter style) and the same
`rows.py` conversions, so `show`, `export`, `projects` and `history` give the same answers on both
databases; the schema revision is checked with the same rules and messages. A database whose schema is
older than this taskforge's is left to the ORM path, which upgrades it (`open` returns None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskforge.core.bulk import gc_paused
from taskforge.core.errors import StoreError, UnknownProject
from taskforge.core.tree import Tree
from taskforge.store import rows, schema
from taskforge.store.interface import ChatMessage, ProjectSummary

if TYPE_CHECKING:
    import psycopg

    from taskforge.core.history import PatchRecord

_COUNTS_SQL = (
    "SELECT project_id, count(*), sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) FROM task GROUP BY project_id"
)
_SUMMARIES_SQL = f"SELECT {', '.join(rows.SUMMARY_COLUMNS)} FROM project ORDER BY updated_at DESC, id"
_RECORDS_SQL = f"SELECT {', '.join(rows.RECORD_COLUMNS)} FROM patch_record WHERE project_id = %s ORDER BY seq"
_MESSAGES_SQL = (
    f"SELECT {', '.join(rows.MESSAGE_COLUMNS)} FROM message WHERE project_id = %s AND {{focus_is}}"
    " ORDER BY id DESC LIMIT %s"
)


def connect(url: str, **options) -> psycopg.Connection:
    """A psycopg connection for a `postgresql+psycopg://` URL; a failure is one line without the password."""
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            f"cannot use {schema.redact(url)}: the PostgreSQL driver is not installed (pip install 'taskforge[postgres]')"
        ) from None
    try:
        uri = schema.libpq_uri(url)
        if "connect_timeout=" not in uri:
            options.setdefault("connect_timeout", 10)
        return psycopg.connect(uri, **options)
    except psycopg.Error as exc:
        raise StoreError(f"cannot open {schema.redact(url)}: {reason(exc, url)}") from None


def reason(exc: Exception, url: str) -> str:
    return schema.scrub(schema.reason(str(exc)), url)


class PostgresReader:
    """A read-only `Reader` over one PostgreSQL database, on psycopg."""

    def __init__(self, connection: psycopg.Connection | None, url: str):
        self.connection = connection  # None: the database holds no tables yet (nothing to read)
        self.url = url

    @classmethod
    def open(cls, url: str) -> PostgresReader | None:
        """A reader, or None when the schema is older than this taskforge's (the ORM path upgrades it)."""
        import psycopg

        connection = connect(url)
        try:
            names = {row[0] for row in connection.execute(schema.PG_TABLES_SQL)}
            revision = None
            if "alembic_version" in names:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            connection.rollback()
            current = schema.check_revision(revision, bool(names), schema.redact(url))
        except psycopg.Error as exc:
            connection.close()
            raise StoreError(f"cannot open {schema.redact(url)}: {reason(exc, url)}") from None
        except BaseException:
            connection.close()
            raise
        if not names:  # an empty database: no projects yet, and a read creates no schema
            connection.close()
            return cls(None, url)
        if not current:
            connection.close()
            return None
        # Each read is one transaction that sees one snapshot, and writes nothing.
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        return cls(connection, url)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def __enter__(self) -> PostgresReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self, work, empty):
        """Run `work(execute)` in one read transaction; `empty()` answers for a database without tables."""
        import psycopg

        if self.connection is None:
            return empty()
        connection = self.connection
        try:
            with connection.transaction():
                return work(connection.execute)
        except psycopg.Error as exc:
            raise StoreError(f"cannot read {schema.redact(self.url)}: {reason(exc, self.url)}") from None

    # -- reading -----------------------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        return self._read(lambda execute: rows.summaries(execute(_COUNTS_SQL), execute(_SUMMARIES_SQL)), list)

    def load(self, project_id: str) -> Tree:
        def missing():
            raise UnknownProject(project_id)

        with gc_paused():
            return self._read(lambda execute: rows.load_tree(execute, project_id, postgres=True)[0], missing)

    def history(self, project_id: str) -> list[PatchRecord]:
        def work(execute) -> list[PatchRecord]:
            if execute("SELECT 1 FROM project WHERE id = %s", (project_id,)).fetchone() is None:
                raise UnknownProject(project_id)
            return [rows.record(row) for row in execute(_RECORDS_SQL, (project_id,))]

        def missing():
            raise UnknownProject(project_id)

        return self._read(work, missing)

    def messages(self, project_id: str, focus: str | None, limit: int = 50) -> list[ChatMessage]:
        sql = _MESSAGES_SQL.format(focus_is="focus IS NULL" if focus is None else "focus = %s")
        params = (project_id, limit) if focus is None else (project_id, focus, limit)
        return self._read(lambda execute: rows.messages(execute(sql, params).fetchall()), list)
