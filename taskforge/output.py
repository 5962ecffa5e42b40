"""What both command paths (the full CLI and the lean export and import) print, and do when standard output fails."""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner's stream)
        pass


def json_text(data: Any) -> str:
    """`--json` output: indented, non-ASCII as it is, one final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def import_summary(project_id: str, title: str, tasks: int, version: int) -> dict[str, Any]:
    """What `import --json` says of each project it made."""
    return {"id": project_id, "title": title, "tasks": tasks, "version": version}


def imported_line(summary: dict[str, Any]) -> str:
    return f"Imported '{summary['id']}' ({summary['title']}): {summary['tasks']} tasks."
