"""Where the database is and which schema it holds, decided without loading SQLAlchemy.

Both ways of opening a database use these: `database.py` (the ORM engine, for writes and for any URL)
and `reader.py` (the lean stdlib reader for the read-only commands), so both give the same answers
and the same messages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from taskforge.core.errors import StoreError

# Revisions this taskforge knows, oldest first; the last is the one it writes.
REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD = REVISIONS[-1]

# A new SQLite database is made from this file: the head schema's DDL, as the table models describe it
# (scripts/write_head_sql.py writes it; tests/store/test_schema.py holds it to the models and the migrations).
HEAD_SQL = Path(__file__).with_name("head.sql")

# Alembic's own DDL for its version table, so that a new database is the very database the migrations make.
VERSION_TABLE = (
    "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\t"
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"
)

# Keys are `T<number>` in a 16-character column: the largest number a key can carry, on every database.
MAX_KEY_NUMBER = 10**15 - 1

# The tables in the database (SQLite) or in the connection's schema (PostgreSQL): is it taskforge's, and which revision?
SQLITE_TABLES_SQL = "SELECT name FROM sqlite_master WHERE type='table'"
PG_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
)

# PostgreSQL through psycopg 3: the URL schemes users type, and the driver they mean.
PG_DRIVER = "postgresql+psycopg"
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from a --db value: a URL as it is, a path as a SQLite file."""
    if db is None:
        from taskforge.config import default_database_path, settings

        db = settings().db or str(default_database_path())
    if "://" in db:
        scheme, rest = db.split("://", 1)
        return f"{PG_DRIVER}://{rest}" if scheme in _PG_SCHEMES else db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def is_postgres(url: str) -> bool:
    """A URL for PostgreSQL through psycopg 3 (as `database_url` returns it)."""
    return url.startswith(f"{PG_DRIVER}://")


def libpq_uri(url: str) -> str:
    """A `postgresql+psycopg://` URL as the libpq connection URI psycopg takes (same parts, same query)."""
    return "postgresql://" + url.split("://", 1)[1]


def redact(url: str) -> str:
    """The URL with its password (if any) replaced by `***`: what messages and logs may show."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)
    if not password:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}").geturl()


def scrub(message: str, url: str) -> str:
    """A driver's message with the URL's password taken out, should a driver ever echo it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return message
    if password:
        for form in {password, unquote(password)}:
            message = message.replace(form, "***")
    return message


def plain_sqlite_file(url: str) -> Path | None:
    """The file behind a plain `sqlite:///path` URL; None for anything that needs SQLAlchemy to read it
    (another database, another driver, query options, escapes, an in-memory database)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix):]
    if not rest or rest == ":memory:" or any(char in rest for char in "?%#"):
        return None
    return Path(rest)


def sqlite_revision(connection) -> tuple[str | None, bool]:
    """(the revision stamped in a SQLite database, whether it has any tables at all), on a stdlib connection."""
    names = {row[0] for row in connection.execute(SQLITE_TABLES_SQL)}
    if "alembic_version" not in names:
        return None, bool(names)
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return (row[0] if row else None), True


def check_revision(revision: str | None, has_tables: bool, where: str) -> bool:
    """True when the stored schema is the current one, False when an upgrade is due; raises when
    the database is not taskforge's or was written by a newer taskforge."""
    if revision == HEAD:
        return True
    if revision is None and has_tables:
        raise StoreError(f"{where} holds other tables: it is not a taskforge database")
    if revision is not None and revision not in REVISIONS:
        raise StoreError(f"{where} was written by a newer taskforge (schema {revision}); upgrade taskforge to open it")
    return False


def reason(message: str) -> str:
    """A database driver's error, as one line a user can act on."""
    if "file is not a database" in message:
        return "it is not a taskforge database (the file is not SQLite, or it is corrupt)"
    if "malformed" in message:
        return "the database file is corrupt (SQLite: database disk image is malformed); restore it from a backup"
    if "unable to open database file" in message:
        return "the file cannot be opened or created there (check the path and its permissions)"
    if "readonly database" in message:
        return "the database is read-only (check the file's permissions)"
    return message.splitlines()[0] if message else "unknown database error"


def stamp(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores a DateTime in SQLite: UTC, no offset, microseconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_stamp(value: str) -> datetime:
    """A stored timestamp back as an aware UTC datetime, as SQLAlchemy reads it."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def head_statements() -> list[str]:
    """The statements that make a new SQLite database at HEAD, stamp included, without SQLAlchemy or Alembic."""
    text = HEAD_SQL.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    statements = [statement.strip() for statement in body.split(";\n") if statement.strip()]
    return [*statements, f"INSERT INTO alembic_version (version_num) VALUES ('{HEAD}')"]
