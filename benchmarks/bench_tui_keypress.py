"""Key-press latency in the TUI's task tree at 50k nodes vs the same at 1k nodes; target ≤ 1.1×.

In-process, headless, driven by Textual's Pilot (`App.run_test`, an 80×24 screen) on the generated
1k- and 50k-task databases. Each session waits for the store, focuses the tree, expands the first
top-level task and its first child (the same shape at both sizes: 35 and 277 lines, more than the
pane shows, so moving scrolls), puts the cursor on line 0, then presses ↓ j ↑ k, 20 moves down and
20 back up. Only the keys are timed; the cursor is placed for set-up with `move_cursor`.

A press is timed from the moment the Pilot sends the key to the end of the last screen refresh it
caused (the screen's compositor refresh is wrapped to note when each paint ends); the Pilot's own
idle polling after the key is not counted. So the latency is everything the key costs the user: the
cursor line, the detail pane, the footer's bindings and the 60 fps frame pacing between them. A
second row times only until the first paint in which the tree itself was redrawn (the cursor moves).

Sessions of the two sizes alternate (max(2, BENCH_RUNS // 2) of each, a full garbage collection
before each, untimed); medians over every press.
Also reported: the first expansion of a top-level task (`l`, the last five, each collapsed again),
with the first task already open so that the scroll bar is there at both sizes; its cost follows
that task's number of children (about 14 at 1k, 230 at 50k), not the size of the tree.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RUNS,
    NotAvailable,
    Row,
    database,
    not_available,
    project_id,
    ratio_row,
    reported_row,
    run_figure,
)

FIGURE_DOWN = "key-press latency in the tree (↓/j, to screen settled), 50k vs 1k nodes"
FIGURE_UP = "key-press latency in the tree (↑/k, to screen settled), 50k vs 1k nodes"
FIGURE_CURSOR = "key-press latency in the tree (↓↑jk, to cursor repainted), 50k vs 1k nodes"
FIGURE_EXPAND = "expand a top-level task (l, first time), 50k vs 1k nodes"
TARGET = 1.1
SMALL, LARGE = 1_000, 50_000
MOVES = 20  # downs, then as many ups, per session
EXPANSIONS = 5  # first expansions timed per session
DOWN_KEYS = ("down", "j")
UP_KEYS = ("up", "k")
SESSIONS = max(2, RUNS // 2)


async def finish_work(app) -> None:
    """Wait for the app's workers but the change watcher, which runs as long as the app does."""
    running = [worker for worker in app.workers if worker.group != "watch"]
    if running:
        await app.workers.wait_for_complete(running)


class Samples:
    def __init__(self) -> None:
        self.settled: dict[str, list[float]] = {"down": [], "up": []}
        self.cursor: list[float] = []
        self.expand: list[float] = []
        self.children: list[int] = []


async def session(size: int, samples: Samples) -> None:
    from taskforge.tui.app import TaskforgeApp

    app = TaskforgeApp(str(database(size)), project=project_id(size))
    async with app.run_test() as pilot:
        await finish_work(app)
        await pilot.pause()
        tree = app.main_screen.task_tree
        if app.main_screen.project_tree is None or not tree.root.children:
            raise NotAvailable(f"the TUI showed no tasks for the {size}-task database")
        tree.focus()
        await pilot.pause()

        paints: list[tuple[float, bool]] = []  # (when the paint ended, whether the tree was redrawn in it)
        tree_drawn = False
        screen = app.screen
        compositor_refresh = screen._compositor_refresh
        render_lines = tree.render_lines

        def tree_render_lines(crop):
            nonlocal tree_drawn
            tree_drawn = True
            return render_lines(crop)

        def timed_compositor_refresh() -> None:
            nonlocal tree_drawn
            tree_drawn = False
            compositor_refresh()
            paints.append((time.perf_counter(), tree_drawn))

        tree.render_lines = tree_render_lines  # type: ignore[method-assign]
        screen._compositor_refresh = timed_compositor_refresh  # type: ignore[method-assign]

        async def press(key: str) -> tuple[float, float | None]:
            """Seconds from the key to the last paint it caused, and to the first paint of the tree."""
            await pilot.pause()  # nothing left over from before
            first = len(paints)
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            after = paints[first:]
            if not after:
                raise NotAvailable(f"pressing {key} repainted nothing")
            cursor = next((when for when, drawn in after if drawn), None)
            return after[-1][0] - start, (cursor - start if cursor is not None else None)

        async def cursor_to(node) -> None:  # set-up, untimed
            tree._tree_lines  # noqa: B018 - brings the line numbers up to date after an expand or collapse
            tree.move_cursor(node)
            await pilot.pause()

        # The first top-level task expanded, so that the tree overflows its pane (and shows its scroll
        # bar) at both sizes; then first expansions of the last top-level tasks: l (timed), then h.
        roots = list(tree.root.children)
        await cursor_to(roots[0])
        await pilot.press("l")
        for node in [node for node in reversed(roots[1:]) if node.allow_expand][:EXPANSIONS]:
            await cursor_to(node)
            settled, _ = await press("l")
            if not node.is_expanded:
                raise NotAvailable("l did not expand a top-level task")
            samples.expand.append(settled)
            samples.children.append(len(node.children))
            await pilot.press("h")
        await cursor_to(roots[0])
        await pilot.press("l", "l")  # to its first child, and expand that
        await cursor_to(roots[0])
        lines = len(tree._tree_lines)
        if lines <= MOVES:
            raise NotAvailable(f"only {lines} lines after expanding; the data set has the wrong shape")

        for direction, keys in (("down", DOWN_KEYS), ("up", UP_KEYS)):
            for index in range(MOVES):
                before = tree.cursor_line
                settled, cursor = await press(keys[index % len(keys)])
                if tree.cursor_line == before:
                    raise NotAvailable(f"{keys[index % len(keys)]} did not move the cursor (line {before})")
                samples.settled[direction].append(settled)
                if cursor is not None:
                    samples.cursor.append(cursor)


async def measure_all() -> dict[int, Samples]:
    results = {SMALL: Samples(), LARGE: Samples()}
    await session(SMALL, Samples())  # warm-up: imports, caches
    for round_ in range(SESSIONS):
        for size in (SMALL, LARGE) if round_ % 2 == 0 else (LARGE, SMALL):
            gc.collect()  # the last session's app is garbage now; collecting it is no part of this one's keys
            await session(size, results[size])
    return results


def main() -> None:
    figures = [
        (FIGURE_DOWN, f"≤ {TARGET:g}×"),
        (FIGURE_UP, f"≤ {TARGET:g}×"),
        (FIGURE_CURSOR, "report"),
        (FIGURE_EXPAND, "report"),
    ]
    try:
        results = asyncio.run(measure_all())
    except Exception as exc:  # one reason, on every row
        reason = str(exc) if isinstance(exc, NotAvailable) else f"{type(exc).__name__}: {exc}"
        for figure, target in figures:
            not_available(figure, reason.splitlines()[0] if reason else "failed", target).emit()
        return
    small, large = results[SMALL], results[LARGE]

    def settled(figure: str, direction: str) -> Row:
        return ratio_row(
            figure, statistics.median(large.settled[direction]), statistics.median(small.settled[direction]), TARGET
        )

    def cursor() -> Row:
        if not small.cursor or not large.cursor:
            raise NotAvailable("no paint redrew the tree")
        mine, theirs = statistics.median(large.cursor), statistics.median(small.cursor)
        return reported_row(FIGURE_CURSOR, mine, theirs)

    def expand() -> Row:
        if not small.expand or not large.expand:
            raise NotAvailable("no top-level task to expand")
        mine, theirs = statistics.median(large.expand), statistics.median(small.expand)
        children = f" ({statistics.median(large.children):.0f} vs {statistics.median(small.children):.0f} children)"
        return reported_row(FIGURE_EXPAND + children, mine, theirs)

    run_figure(FIGURE_DOWN, figures[0][1], lambda: settled(FIGURE_DOWN, "down"))
    run_figure(FIGURE_UP, figures[1][1], lambda: settled(FIGURE_UP, "up"))
    run_figure(FIGURE_CURSOR, "report", cursor)
    run_figure(FIGURE_EXPAND, "report", expand)
    print(
        f"presses timed per size: {sum(map(len, small.settled.values()))}; first expansions: "
        f"{len(small.expand)} at 1k, {len(large.expand)} at 50k",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
