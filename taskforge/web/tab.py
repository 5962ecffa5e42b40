"""One browser tab's app process: the TUI, drawn by textual-serve's web driver instead of a terminal.

The server starts it with the signed-in user as TASKFORGE_USER and the database as TASKFORGE_DB (see
`taskforge.web.environment`); there is no terminal to check for, the driver talks over standard I/O.
"""

from __future__ import annotations

import sys


def main() -> int:
    from taskforge.tui.app import TaskforgeApp

    app = TaskforgeApp(None)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
