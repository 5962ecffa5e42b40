"""`taskforge show` of a 200-task project vs `backlog task list --plain` on the same 200 tasks (Backlog.md).

Both are whole processes with their output going nowhere; target ≤ 1.0×.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    NotAvailable,
    command,
    database,
    interleaved,
    load_document,
    npm_tool,
    project_id,
    ratio_row,
    run_figure,
    taskforge_command,
)
from formats import write_backlog  # noqa: E402

FIGURE = "show 200 tasks vs backlog task list --plain"
TARGET = 1.0
SIZE = 200


def measure():
    backlog = npm_tool("backlog.md", "backlog")
    with tempfile.TemporaryDirectory(prefix="bench-backlog-") as scratch:
        folder = Path(scratch)
        # Its leanest set-up: files only, no git (so no branch scanning), as fast as Backlog.md lists.
        init = subprocess.run(
            [str(backlog), "init", "bench", "--defaults", "--integration-mode", "none", "--auto-open-browser", "false",
             "--no-git"],
            cwd=folder, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        if init.returncode != 0:
            raise NotAvailable(f"backlog init failed: {(init.stderr.strip().splitlines() or [''])[-1][:100]}")
        written = write_backlog(load_document(SIZE), folder)
        listed = subprocess.run([str(backlog), "task", "list", "--plain"], cwd=folder, capture_output=True, text=True)
        shown = sum(1 for line in listed.stdout.splitlines() if "TASK-" in line)
        if shown != written:
            raise NotAvailable(f"backlog lists {shown} of the {written} tasks written; the file format drifted")
        ours, theirs = interleaved(
            command([*taskforge_command(), "show", project_id(SIZE), "--db", str(database(SIZE))]),
            command([str(backlog), "task", "list", "--plain"], cwd=folder),
        )
    return ratio_row(FIGURE, ours, theirs, TARGET)


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET:g}×", measure)
