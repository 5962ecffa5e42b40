"""Peak memory (max RSS) of `taskforge show` on 10k tasks, and of the TUI, vs a bare Textual app.

Reported, not a target: whole processes, output discarded, median of 3; the bare app
(bare_textual_app.py) exits at its first paint. The TUI runs headless through tui_probe.py and exits
once the 10k-task tree is on screen (store opened, project loaded, top level of the tree built).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HERE, Row, database, peak_rss_mb, project_id, reported_row, run_figure, taskforge_command  # noqa: E402

SHOW = "peak memory of show, 10k tasks vs bare Textual app"
TUI = "peak memory of the TUI, 10k tasks vs bare Textual app"
SIZE = 10_000
_bare: list[float] = []


def bare_mb() -> float:
    """The baseline both rows share, measured once."""
    if not _bare:
        _bare.extend(peak_rss_mb([sys.executable, str(HERE / "bare_textual_app.py")]) for _ in range(3))
    return statistics.median(_bare)


def row(figure: str, ours: list[float]) -> Row:
    mine, theirs = statistics.median(ours), bare_mb()
    return reported_row(figure, mine, theirs, unit=lambda mb: f"{mb:.0f} MB")


def measure_show() -> Row:
    return row(
        SHOW,
        [peak_rss_mb([*taskforge_command(), "show", project_id(SIZE), "--db", str(database(SIZE))]) for _ in range(3)],
    )


def measure_tui() -> Row:
    probe = [
        sys.executable,
        str(HERE / "tui_probe.py"),
        "tree",
        "--db",
        str(database(SIZE)),
        "--project",
        project_id(SIZE),
    ]
    return row(TUI, [peak_rss_mb(probe) for _ in range(3)])


if __name__ == "__main__":
    run_figure(SHOW, "report", measure_show)
    run_figure(TUI, "report", measure_tui)
