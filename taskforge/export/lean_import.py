"""`taskforge import FILE` without the command-line parser or the ORM, for the common case.

Reading 10,000 tasks and writing them takes a few tenths of a second; typer, click, SQLAlchemy and
SQLModel would add nearly as much again to the process. `launch.py` hands `import` here first. This
path takes the plain shape of the command (`import FILE [--format F] [--db DB] [--json]`: one file
holding one project, into a SQLite file) and does what the full command does with the same pieces —
the file read with the same bounds, the same importer, the same checks — except the two costly ones:
the patch on the empty project is worked out in one pass (`core/fresh.py`) rather than replayed, and
the rows go in through the stdlib (`store/new_project.py`) rather than the ORM. Anything else, and any
error before the write, goes back to the full command (`run` returns None, having written nothing),
which then does or reports it as always: one parser, one set of messages.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from taskforge.core.errors import TaskforgeError
from taskforge.core.text import clean_line
from taskforge.export.lean import parse

_VALUES = {"--format": "fmt", "-f": "fmt", "--db": "db"}
_FLAGS = {"--json": "json"}


def run(args: list[str]) -> int | None:
    """Import as `taskforge import` would and return the exit status; None when the full command must run."""
    options = parse(args, "import", _VALUES, _FLAGS)
    if options is None:
        return None
    source = str(options["argument"])
    config = os.environ.get("TASKFORGE_CONFIG")
    if source == "-" or Path(source).is_dir() or (config and not os.path.isfile(os.path.expanduser(config))):
        return None  # standard input, a folder, a config variable to note or refuse: the full command's work
    gc.disable()  # a short-lived process: see cli.main
    try:
        imported = _import(source, options)
    except TaskforgeError:
        return None
    if imported is None:
        return None
    # Written: from here on the full command must never run again.
    project_id, title, count, notes = imported
    for line in notes:
        sys.stderr.write(f"taskforge: {clean_line(f'note: {line}')}\n")
    from taskforge.export.lean import write_stdout
    from taskforge.output import import_summary, imported_line, json_text

    summary = import_summary(project_id, title, count, 1)
    return write_stdout(json_text(summary) if options.get("json") else imported_line(summary) + "\n")


def _import(source: str, options: dict[str, str | bool]) -> tuple[str, str, int, list[str]] | None:
    """(the project's id, its title, how many tasks, the notes), or None when the full command must do it."""
    from taskforge.core.fresh import first_patch
    from taskforge.export import FOLDERS, import_format, importer
    from taskforge.inputs import read_text_file
    from taskforge.store import new_project, schema

    fmt = options.get("fmt")
    if fmt is not None and fmt in FOLDERS:
        return None
    db, user, limit = _settings(options.get("db"))
    path = schema.plain_sqlite_file(schema.database_url(db))
    if path is None:
        return None
    text = read_text_file(source, limit)
    name, fmt = import_format(Path(source), text, str(fmt) if fmt else None)
    module = importer(fmt)
    if hasattr(module, "read_all"):  # a file that may hold several projects (Task Master's tags)
        return None
    notes: list[str] = []
    project, patch = module.read(text, notes)  # the collector is off for the whole process (run)
    first = first_patch(project, patch)
    if first is None or first.next_key - 1 > schema.MAX_KEY_NUMBER:
        return None
    provenance = new_project.Provenance(message=f"import {name}", planner="import", mode="import", author=user)
    project_id = new_project.write(path, project, first, provenance)
    if project_id is None:
        return None
    return project_id, project.title, len(first.tasks), notes


def _settings(db: str | bool | None) -> tuple[str, str, int]:
    """The database, the author and the input limit: their defaults when nothing can set them, which
    spares loading pydantic-settings; otherwise the settings, as the full command reads them."""
    from taskforge.config_sources import MAX_INPUT_BYTES, default_database_path, defaults_only, login_name

    names = ("user", "max_input_bytes") if db else ("db", "user", "max_input_bytes")
    if defaults_only(*names):
        return str(db or default_database_path()), login_name(), MAX_INPUT_BYTES
    from taskforge.config import settings

    config = settings()
    return str(db or config.db or default_database_path()), config.user, config.max_input_bytes
