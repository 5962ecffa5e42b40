"""`taskforge import` of 10k tasks in Taskwarrior's JSON vs `task import` of the same file.

The file is our own `export --format taskwarrior` of the 10k data set, so both importers read the
very same bytes; each run imports into a fresh database / a fresh Taskwarrior data folder (made
outside the timing). Whole processes; target ≤ 1.0×. The same on the plain data set (titles and
descriptions only) is reported too.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    command,
    dataset,
    interleaved,
    load_document,
    ratio_row,
    reported_row,
    run_figure,
    system_tool,
    taskforge_command,
)
from bench_export_taskwarrior import require_taskwarrior_format  # noqa: E402
from formats import taskwarrior_env, taskwarrior_tasks  # noqa: E402

FIGURE = "import 10k tasks (taskwarrior JSON) vs task import"
PLAIN_FIGURE = "  (reference) the same, 10k tasks with titles and descriptions only"
TARGET = 1.0
SIZE = 10_000


def imports_vs_task(folder: Path, ours_args: list[str], theirs_file: Path) -> tuple[float, float]:
    """Median seconds of `taskforge import <ours_args>` and of `task import theirs_file`, each run into a
    fresh database / a fresh Taskwarrior data folder made outside the timing."""
    task = system_tool("task", "taskwarrior")
    counter = itertools.count()
    state: dict = {}

    def fresh() -> None:  # untimed: a new database path and a new, empty Taskwarrior
        n = next(counter)
        shutil.rmtree(folder / "run", ignore_errors=True)
        (folder / "run").mkdir()
        state["db"] = folder / "run" / f"import-{n}.db"
        state["env"] = taskwarrior_env(folder / "run" / "tw")

    def ours() -> None:
        command([*taskforge_command(), "import", *ours_args, "--db", str(state["db"])])()

    def theirs() -> None:
        command([task, "import", str(theirs_file)], env=state["env"])()

    return interleaved(ours, theirs, setup=fresh)


def measure(plain: bool = False):
    system_tool("task", "taskwarrior")
    with tempfile.TemporaryDirectory(prefix="bench-taskwarrior-import-") as scratch:
        folder = Path(scratch)
        source = require_taskwarrior_format(folder, plain=plain)
        mine, baseline = imports_vs_task(folder, [str(source), "--format", "taskwarrior"], source)
    if plain:
        return reported_row(PLAIN_FIGURE, mine, baseline, "info")
    return ratio_row(FIGURE, mine, baseline, TARGET)


REFERENCE = "  (reference) import 10k tasks (taskforge/1 JSON) vs task import"


def measure_reference():
    """Our own format's import against `task import` of the same tasks in Taskwarrior's JSON."""
    system_tool("task", "taskwarrior")
    with tempfile.TemporaryDirectory(prefix="bench-taskwarrior-import-") as scratch:
        folder = Path(scratch)
        tw_source = folder / "taskwarrior-import.json"
        tw_source.write_text(json.dumps(taskwarrior_tasks(load_document(SIZE))), encoding="utf-8")
        mine, baseline = imports_vs_task(folder, [str(dataset(SIZE))], tw_source)
    return reported_row(REFERENCE, mine, baseline, "info")


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET:g}×", measure)
    run_figure(PLAIN_FIGURE, "info", lambda: measure(plain=True))
    run_figure(REFERENCE, "info", measure_reference)
