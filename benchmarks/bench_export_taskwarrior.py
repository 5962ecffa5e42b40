"""`taskforge export --format taskwarrior` of 10k tasks vs `task export` of the same 10k tasks.

Taskwarrior (the Debian package) gets the tasks through `task import` of a JSON file generated here
from the same data set, into a data folder of its own. Whole processes; target ≤ 1.0×.
"""

from __future__ import annotations

import json
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
    project_id,
    ratio_row,
    reported_row,
    run_figure,
    system_tool,
    taskforge_command,
)
from formats import taskwarrior_env, taskwarrior_tasks  # noqa: E402

FIGURE = "export --format taskwarrior, 10k tasks vs task export"
TARGET = 1.0
SIZE = 10_000


def ours_export(output: Path | None = None) -> list[str]:
    args = [*taskforge_command(), "export", project_id(SIZE), "--format", "taskwarrior", "--db", str(database(SIZE))]
    return [*args, "-o", str(output)] if output else args


def require_taskwarrior_format(folder: Path) -> Path:
    """Our taskwarrior export of the data set, or n/a while that format is not in this build."""
    target = folder / "ours.json"
    probe = subprocess.run(ours_export(target), capture_output=True, text=True)
    if probe.returncode != 0:
        raise NotAvailable("taskwarrior format not available yet")
    return target


def loaded_taskwarrior(folder: Path) -> dict[str, str]:
    """A Taskwarrior data folder holding the data set; its environment."""
    task = system_tool("task", "taskwarrior")
    source = folder / "taskwarrior-import.json"
    source.write_text(json.dumps(taskwarrior_tasks(load_document(SIZE))), encoding="utf-8")
    env = taskwarrior_env(folder / "tw")
    loaded = subprocess.run([task, "import", str(source)], env=env, capture_output=True, text=True)
    if loaded.returncode != 0:
        raise NotAvailable(f"task import failed: {(loaded.stderr.strip().splitlines() or [''])[-1][:100]}")
    return env


def measure():
    task = system_tool("task", "taskwarrior")
    with tempfile.TemporaryDirectory(prefix="bench-taskwarrior-") as scratch:
        folder = Path(scratch)
        require_taskwarrior_format(folder)
        env = loaded_taskwarrior(folder)
        ours, theirs = interleaved(command(ours_export()), command([task, "export"], env=env))
    return ratio_row(FIGURE, ours, theirs, TARGET)


REFERENCE = "  (reference) export --format json, 10k tasks vs task export"


def measure_reference():
    """The same comparison with our own JSON format: where the export path stands whatever the format."""
    task = system_tool("task", "taskwarrior")
    with tempfile.TemporaryDirectory(prefix="bench-taskwarrior-") as scratch:
        env = loaded_taskwarrior(Path(scratch))
        args = [*taskforge_command(), "export", project_id(SIZE), "--format", "json", "--db", str(database(SIZE))]
        ours, theirs = interleaved(command(args), command([task, "export"], env=env))
    return reported_row(REFERENCE, ours, theirs, "info")


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET:g}×", measure)
    run_figure(REFERENCE, "info", measure_reference)
