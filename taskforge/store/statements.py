"""The SQL both ways of writing a SQLite database share: `SqlRepository` (on the driver, inside the ORM's
transaction) and `new_project.py` (the lean import, on the stdlib alone). One text for each statement
and one way to spell a list column, so the two write the same rows."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

INSERT_TASK_SQL = (
    "INSERT INTO task (id, project_id, key, parent_id, position, title, description, status, priority,"
    " estimate_minutes, actual_minutes, acceptance_criteria, depends_on, tags, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

INSERT_RECORD_SQL = (
    "INSERT INTO patch_record (project_id, seq, kind, target_seq, mode, focus, message, planner, model, usage,"
    " patch, inverse, rejected_ops, version_before, version_after, created_at, author)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# The ids a new project's id could clash with: itself, and its numbered variants.
TAKEN_IDS_SQL = "SELECT id FROM project WHERE id = ? OR id LIKE ?"


_encode = json.JSONEncoder().encode  # json.dumps' defaults, without its per-call set-up
_quote = encode_basestring_ascii  # the very function `json.dumps` uses for a string (ensure_ascii)


def json_list(value: list) -> str:
    """A list column's text (acceptance criteria, dependencies, tags), as SQLAlchemy's JSON type writes it:
    `json.dumps`' text, made for a list of strings (what every list column holds) by C-level calls alone."""
    if not value:
        return "[]"
    try:
        return "[" + ", ".join(map(_quote, value)) + "]"
    except TypeError:  # not all strings
        return _encode(value)


def free_id(base: str, taken: set[str]) -> str:
    """`base`, or the first of `base-2`, `base-3`, … that no project has."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
