"""`taskforge export` without the command-line parser, pydantic or the ORM, for the common case.

A 10k-task export does ~0.1 s of work, and loading typer, click and pydantic would cost a process more
than that. `launch.py` hands `export` here first; this path takes only the plain shape of the command
(`export PROJECT --format taskwarrior --db FILE [-o FILE] [--task KEY] [--force]`, a current SQLite
file) and reads the project as the plain records of `core.plain`. Anything else, and any error, goes
back to the full command (`run` returns None before anything was written), which then does or reports
it as it always does: one parser, one set of messages.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from pathlib import Path

from taskforge.core.errors import TaskforgeError
from taskforge.core.text import clean_line, unprintable
from taskforge.output import silence_stdout

# Exporters that read tasks only through their attributes, so render the same text from plain records
# (tests/export/test_lean_export.py checks that, format by format).
PLAIN_FORMATS = frozenset({"taskwarrior"})

_VALUES = {"--format": "fmt", "-f": "fmt", "--db": "db", "--output": "output", "-o": "output", "--task": "task"}
_FLAGS = {"--force": "force"}


def parse(
    args: list[str], command: str = "export", values: dict[str, str] = _VALUES, flags: dict[str, str] = _FLAGS,
) -> dict[str, str | bool] | None:
    """The options of a plain `command` line (options taking a value, flags, one positional argument),
    or None for anything else (help, `--opt=value`, repeated options, unknown options, values that look
    like options): typer parses those. The positional argument is returned as "argument"."""
    if args[:1] != [command]:
        return None
    options: dict[str, str | bool] = {}
    positional: list[str] = []
    rest = args[1:]
    index = 0
    while index < len(rest):
        arg = rest[index]
        if arg in values:
            name = values[arg]
            if name in options or index + 1 == len(rest) or rest[index + 1].startswith("-"):
                return None
            options[name] = rest[index + 1]
            index += 2
        elif arg in flags:
            if flags[arg] in options:
                return None
            options[flags[arg]] = True
            index += 1
        elif arg.startswith("-"):
            return None
        else:
            positional.append(arg)
            index += 1
    if len(positional) != 1:
        return None
    options["argument"] = positional[0]
    return options


def run(args: list[str]) -> int | None:
    """Export as `taskforge export` would and return the exit status; None when the full command must run."""
    options = parse(args)
    if options is None or options.get("fmt") not in PLAIN_FORMATS:
        return None
    options["project"] = options.pop("argument")
    db = options.get("db") or os.environ.get("TASKFORGE_DB")
    config = os.environ.get("TASKFORGE_CONFIG")
    if not db or (config and not os.path.isfile(os.path.expanduser(config))) or unprintable(str(options["project"])):
        # The configured database, a config variable to note or refuse, a hostile id: the full command's work.
        return None
    gc.disable()  # a short-lived process: see cli.main
    try:
        text, count = _render(str(db), options)
    except TaskforgeError:
        return None
    if text is None:
        return None
    output = options.get("output")
    if output is None:
        return write_stdout(text)
    from taskforge.export.files import write_export

    try:
        write_export(Path(str(output)), text, str(db), force=bool(options.get("force")))
    except TaskforgeError:
        return None
    sys.stderr.write(clean_line(f"Wrote {output} ({options['fmt']}, {count} tasks).") + "\n")
    return 0


def _render(db: str, options: dict[str, str | bool]) -> tuple[str | None, int]:
    """The export's text and how many tasks it holds; (None, 0) when this path cannot do it."""
    from taskforge.export.files import check_export_target, export_text
    from taskforge.store.reader import SqliteReader
    from taskforge.store.schema import database_url, plain_sqlite_file

    path = plain_sqlite_file(database_url(db))
    if path is None:
        return None, 0
    if options.get("output") is not None:  # before any work, as the full command checks it
        check_export_target(Path(str(options["output"])), db, force=bool(options.get("force")))
    reader = SqliteReader.open(path)
    if reader is None:  # an older schema: the full command upgrades it
        return None, 0
    with reader:
        tree = reader.load(str(options["project"]), plain=True)
    task = options.get("task")
    notes: list[str] = []
    text = export_text(tree, str(options["fmt"]), str(task) if task is not None else None, notes)
    if notes:  # said on stderr by the full command
        return None, 0
    return text, len(tree.subtree(str(task))) if task is not None else len(tree)


def write_stdout(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        silence_stdout()
        if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
            return 0  # a reader that closed the pipe (`| head`): quietly, as every command
        sys.stderr.write(f"taskforge: {clean_line(f'cannot write the output: {exc.strerror or exc}')}\n")
        return 1
    return 0
