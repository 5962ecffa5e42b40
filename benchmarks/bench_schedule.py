"""The critical path and what next of a 10k-task project vs the roll-ups of the same tree; reported.

In-process, on the generated 10k-task database: `core.schedule.schedule` (what the TUI works out in a
worker after every patch, and `taskforge next` once) against `Tree.rollups`, which every patch already
computes on the UI thread. Interleaved runs, medians. The figure says what a patch costs on top of
what it cost before, in the same run on the same machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import database, interleaved, project_id, reported_row, run_figure  # noqa: E402

FIGURE = "critical path and what next of 10k tasks vs the tree's roll-ups (per patch)"
SIZE = 10_000


def measure():
    from taskforge.core.schedule import schedule
    from taskforge.store.reader import open_reader

    with open_reader(str(database(SIZE))) as reader:
        tree = reader.load(project_id(SIZE))

    ours, theirs = interleaved(lambda: schedule(tree), tree.rollups)
    return reported_row(FIGURE, ours, theirs)


if __name__ == "__main__":
    run_figure(FIGURE, "report", measure)
