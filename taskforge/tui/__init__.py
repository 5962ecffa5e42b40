"""The Textual shell. Only `taskforge` with no command (or `taskforge --db PATH`) imports this package.

`run` is the TUI's entry point for both the console script and the CLI's root command; it imports the
app only once it knows there is a terminal to draw on.
"""

from __future__ import annotations

import sys


def run(db: str | None) -> int:
    """Run the TUI on a terminal; the exit status to end with."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("taskforge: the TUI needs a terminal; `taskforge --help` lists the commands that do not", file=sys.stderr)
        return 2
    from taskforge.tui.app import TaskforgeApp

    app = TaskforgeApp(db)
    app.run()
    return app.return_code or 0
