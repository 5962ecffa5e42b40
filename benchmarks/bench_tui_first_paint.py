"""TUI start to first paint on a 10k-task database vs a bare Textual app (Header/Tree/Input/Footer); target ≤ 1.5×.

Whole processes, headless, started by tui_probe.py (interleaved runs, median):

* ours: `TaskforgeApp` on the 10k-task database, ended at Textual's Ready event, i.e. its first paint.
  The database opens in a thread worker that starts on mount, so at that paint the project is still
  loading: this row is the time to a screen, not to the tasks.
* baseline: bare_textual_app.BareApp, ended the same way at its own first paint.

A second row, reported without a target, times the same start until the 10k-task tree is on screen
(`on_store_opened` has filled it and the screen has refreshed), against the same bare first paint.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HERE, Row, command, database, interleaved, project_id, ratio_row, reported_row, run_figure  # noqa: E402

FIGURE = "TUI start to first paint (Ready, tasks still loading), 10k tasks vs bare Textual app"
FIGURE_TREE = "TUI start until the 10k-task tree is shown vs bare Textual app first paint"
TARGET = 1.5
SIZE = 10_000


def probe(mode: str) -> list[str]:
    args = [sys.executable, str(HERE / "tui_probe.py"), mode]
    if mode != "bare":
        args += ["--db", str(database(SIZE)), "--project", project_id(SIZE)]
    return args


def measure_paint() -> Row:
    ours, theirs = interleaved(command(probe("ready")), command(probe("bare")))
    return ratio_row(FIGURE, ours, theirs, TARGET)


def measure_tree() -> Row:
    ours, theirs = interleaved(command(probe("tree")), command(probe("bare")))
    return reported_row(FIGURE_TREE, ours, theirs)


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET:g}×", measure_paint)
    run_figure(FIGURE_TREE, "report", measure_tree)
