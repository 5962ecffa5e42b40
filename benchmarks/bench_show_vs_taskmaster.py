"""`taskforge show` of a 200-task project vs `task-master list --with-subtasks` on the same 200 tasks.

Task Master (npm `task-master-ai`) nests two levels, so each root is a task and the rest its subtasks;
`--with-subtasks` makes it print all 200 as we do. Telemetry is off. Target ≤ 0.15×.
"""

from __future__ import annotations

import json
import os
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
from formats import write_taskmaster  # noqa: E402

FIGURE = "show 200 tasks vs task-master list"
TARGET = 0.15
SIZE = 200


def measure():
    taskmaster = npm_tool("task-master-ai", "task-master")
    with tempfile.TemporaryDirectory(prefix="bench-taskmaster-") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "NO_COLOR": "1"}
        init = subprocess.run(
            [str(taskmaster), "init", "--yes", "--skip-install", "--no-git", "--no-aliases"],
            cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        )
        config = folder / ".taskmaster" / "config.json"
        if init.returncode != 0 or not config.exists():
            raise NotAvailable(f"task-master init failed: {(init.stderr.strip().splitlines() or [''])[-1][:100]}")
        settings = json.loads(config.read_text())
        settings.setdefault("global", {})["anonymousTelemetry"] = False  # no network calls while timing
        config.write_text(json.dumps(settings, indent=2))
        write_taskmaster(load_document(SIZE), folder)
        listed = subprocess.run([str(taskmaster), "list", "--with-subtasks"], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        if listed.returncode != 0 or "Subtasks Progress" not in listed.stdout:
            raise NotAvailable(f"task-master list failed: {(listed.stderr.strip().splitlines() or [''])[-1][:100]}")
        ours, theirs = interleaved(
            command([*taskforge_command(), "show", project_id(SIZE), "--db", str(database(SIZE))]),
            command([str(taskmaster), "list", "--with-subtasks"], cwd=folder, env=env),
            runs=int(os.environ.get("BENCH_RUNS", "5")),
        )
    return ratio_row(FIGURE, ours, theirs, TARGET)


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET:g}×", measure)
