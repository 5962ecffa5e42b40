"""Write taskforge/store/head.sql: the DDL of a new SQLite database, as the table models describe it.

Run it after a migration changes the tables (tests/store/test_schema.py fails until you do):
    .venv/bin/python scripts/write_head_sql.py
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from taskforge.store import tables  # noqa: F401  (registers the tables)
from taskforge.store.schema import HEAD_SQL, VERSION_TABLE


def head_ddl() -> str:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        SQLModel.metadata.create_all(connection)
        connection.exec_driver_sql(VERSION_TABLE)
        statements = [row[0] for row in connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        )]
    return "".join(f"{statement};\n\n" for statement in statements)


if __name__ == "__main__":
    sqlite3.connect(":memory:")  # fail early without the driver
    Path(HEAD_SQL).write_text(
        "-- A new SQLite database at the head revision (written by scripts/write_head_sql.py; do not edit).\n\n"
        + head_ddl(),
        encoding="utf-8",
    )
    print(f"wrote {HEAD_SQL}")
