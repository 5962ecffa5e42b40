"""Peak memory (max RSS) of `taskforge show` on 10k tasks, and of the TUI, vs a bare Textual app.

Reported, not a target: whole processes, output discarded; the bare app (bare_textual_app.py) exits
at its first paint.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HERE, Row, database, not_available, peak_rss_mb, project_id, run_figure, taskforge_command  # noqa: E402

SHOW = "peak memory of show, 10k tasks vs bare Textual app"
TUI = "peak memory of the TUI, 10k tasks vs bare Textual app"
SIZE = 10_000


def measure_show() -> Row:
    ours = [peak_rss_mb([*taskforge_command(), "show", project_id(SIZE), "--db", str(database(SIZE))]) for _ in range(3)]
    bare = [peak_rss_mb([sys.executable, str(HERE / "bare_textual_app.py")]) for _ in range(3)]
    mine, theirs = statistics.median(ours), statistics.median(bare)
    return Row(SHOW, f"{mine:.0f} MB", f"{theirs:.0f} MB", f"{mine / theirs:.2f}×", "report", "—")


if __name__ == "__main__":
    run_figure(SHOW, "report", measure_show)
    not_available(TUI, "needs the TUI/agent issue", "report").emit()
