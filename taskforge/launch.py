"""The console script. Bare `taskforge` goes straight to the TUI: the command-line parser (typer and
click, ~35 ms) loads only when there is a command to parse, so the TUI paints that much sooner."""

from __future__ import annotations

import contextlib
import os
import sys


def tui_database(args: list[str]) -> tuple[bool, str | None]:
    """(True, db) when the arguments ask for nothing but the TUI, optionally on `--db PATH`."""
    if not args:
        return True, None
    if len(args) == 2 and args[0] == "--db" and not args[1].startswith("-"):
        return True, args[1]
    if len(args) == 1 and args[0].startswith("--db=") and len(args[0]) > 5:
        return True, args[0][5:]
    return False, None


def leave(code: int) -> None:
    """End a finished short command at once. Its work is written, closed and flushed here; what is left are
    the hundred thousand objects of a 10k-task file, and freeing them one by one on the way out would
    cost the process a tenth of its time."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # said already by its writer (a closed pipe, a full disk)
            stream.flush()
    os._exit(code)


def main() -> None:
    # taskforge's pydantic models are its own business: without this, the first model built looks for
    # third-party pydantic plugins by reading every installed distribution's metadata (~10 ms per start).
    # Set the variable yourself (even empty) to have plugins looked for.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    tui, db = tui_database(sys.argv[1:])
    if tui:
        from taskforge.tui import run

        sys.exit(run(db))
    if sys.argv[1:2] == ["export"]:  # the common export skips the parser, pydantic and the ORM too
        from taskforge.export.lean import run

        code = run(sys.argv[1:])
        if code is not None:
            leave(code)
    elif sys.argv[1:2] == ["import"]:  # the common import skips the parser and the ORM
        from taskforge.export.lean_import import run

        code = run(sys.argv[1:])
        if code is not None:
            leave(code)
    from taskforge.cli import main as cli_main

    cli_main()
