"""One headless start of the TUI (or of the bare Textual app), ended at a chosen moment; for the TUI benchmarks.

    python benchmarks/tui_probe.py bare                      # bare_textual_app.BareApp, ends at its first paint
    python benchmarks/tui_probe.py ready --db PATH [--project ID]   # TaskforgeApp, ends at its first paint
    python benchmarks/tui_probe.py tree  --db PATH [--project ID]   # TaskforgeApp, ends once the tree is on screen

"First paint" is Textual's Ready event: the screen posts it after its first layout and compositor
refresh. TaskforgeApp paints before its database is open (the store loads in a thread worker), so
`ready` ends with the project still loading; `tree` waits for `on_store_opened` to fill the tree and for
the refresh after it, and fails (exit 1) if the tree has no nodes then.

Every mode ends the process with `os._exit(0)` at that moment, the bare app included, so both sides
pay the same (no) teardown: a normal exit of TaskforgeApp would first wait for the store thread, and
that wait is not part of any figure. The TUI modes import `taskforge.launch` first, as the console
script does, so its start-up is what a user's `taskforge --db PATH` pays.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def end() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def bare() -> None:
    from bare_textual_app import BareApp

    class Probe(BareApp):
        def on_ready(self) -> None:
            end()

    Probe().run(headless=True)


def taskforge(mode: str, db: str, project: str | None) -> None:
    import taskforge.launch  # noqa: F401 - what the console script imports before it opens the TUI
    from taskforge.tui.app import TaskforgeApp

    class Probe(TaskforgeApp):
        # Textual reads a relative CSS_PATH next to the file that defines the class: here, not the app's.
        CSS_PATH = str(Path(sys.modules[TaskforgeApp.__module__].__file__).with_name(str(TaskforgeApp.CSS_PATH)))

        def on_ready(self) -> None:
            if mode == "ready":
                end()

        def on_store_opened(self, message) -> None:
            super().on_store_opened(message)
            if mode == "tree":
                self.call_after_refresh(self._tree_shown)

        def _tree_shown(self) -> None:
            if not self.main_screen.task_tree.root.children:
                print("tui_probe: the tree has no nodes once the store is ready", file=sys.stderr, flush=True)
                os._exit(1)
            end()

    app = Probe(db, project=project)
    app.run(headless=True)
    # Only reached when the app exited by itself (e.g. the database failed to open).
    print(f"tui_probe: the app exited before the {mode} point (return code {app.return_code})", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("bare", "ready", "tree"))
    parser.add_argument("--db")
    parser.add_argument("--project")
    args = parser.parse_args()
    if args.mode == "bare":
        bare()
    else:
        if not args.db:
            parser.error("--db is required for the TUI modes")
        taskforge(args.mode, args.db, args.project)


if __name__ == "__main__":
    main()
