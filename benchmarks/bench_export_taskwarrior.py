"""`taskforge export --format taskwarrior` of 10k tasks vs `task export` of the same 10k tasks, on two data sets.

Taskwarrior (the Debian package) gets the tasks through `task import` of a JSON file generated here
from the same data set, into a data folder of its own. Whole processes. On the benchmark data set
(dependencies, tags, estimates, …) the target is ≤ 0.7×; on the plain one (titles and descriptions only,
no dependencies: Taskwarrior's export is fastest there, it has no urgency of dependencies to work out)
it is ≤ 1.0×.
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
TARGET = 0.7
PLAIN_FIGURE = "export --format taskwarrior, 10k tasks, titles and descriptions only (no dependencies) vs task export"
PLAIN_TARGET = 1.0
SIZE = 10_000


def ours_export(output: Path | None = None, *, plain: bool = False) -> list[str]:
    args = [*taskforge_command(), "export", project_id(SIZE, plain=plain), "--format", "taskwarrior",
            "--db", str(database(SIZE, plain=plain))]
    return [*args, "-o", str(output)] if output else args


def require_taskwarrior_format(folder: Path, *, plain: bool = False) -> Path:
    """Our taskwarrior export of the data set, or n/a while that format is not in this build."""
    target = folder / "ours.json"
    probe = subprocess.run(ours_export(target, plain=plain), capture_output=True, text=True)
    if probe.returncode != 0:
        raise NotAvailable("taskwarrior format not available yet")
    return target


def loaded_taskwarrior(folder: Path, *, plain: bool = False) -> dict[str, str]:
    """A Taskwarrior data folder holding the data set; its environment."""
    task = system_tool("task", "taskwarrior")
    source = folder / "taskwarrior-import.json"
    source.write_text(json.dumps(taskwarrior_tasks(load_document(SIZE, plain=plain))), encoding="utf-8")
    env = taskwarrior_env(folder / "tw")
    loaded = subprocess.run([task, "import", str(source)], env=env, capture_output=True, text=True)
    if loaded.returncode != 0:
        raise NotAvailable(f"task import failed: {(loaded.stderr.strip().splitlines() or [''])[-1][:100]}")
    return env


def measure(plain: bool = False):
    task = system_tool("task", "taskwarrior")
    with tempfile.TemporaryDirectory(prefix="bench-taskwarrior-") as scratch:
        folder = Path(scratch)
        require_taskwarrior_format(folder, plain=plain)
        env = loaded_taskwarrior(folder, plain=plain)
        ours, theirs = interleaved(command(ours_export(plain=plain)), command([task, "export"], env=env))
    return ratio_row(PLAIN_FIGURE if plain else FIGURE, ours, theirs, PLAIN_TARGET if plain else TARGET)


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
    run_figure(PLAIN_FIGURE, f"≤ {PLAIN_TARGET:g}×", lambda: measure(plain=True))
    run_figure(REFERENCE, "info", measure_reference)
