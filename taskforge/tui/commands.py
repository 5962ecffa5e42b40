"""The command palette's taskforge commands: everything the keys do, findable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (name, help, main-screen action); the screen's check decides whether the command applies now.
COMMANDS = [
    ("New project", "Start a project from a goal", "new_project"),
    ("New project from a file…", "Plan a new project from a Markdown or text brief (a PRD, a spec)", "new_project_from_file"),
    ("Switch project", "Open another project", "projects"),
    ("What next", "Go to the task to do next (critical path, priority, plan order), and see why", "what_next"),
    ("Approve plan", "Mark the plan approved, so tasks can be broken down", "approve"),
    ("Export", "Write the project to a file in any export format", "export"),
    ("Undo", "Undo the last change", "undo"),
    ("Redo", "Redo the last undone change", "redo"),
    ("History", "Every change, with its diff", "history"),
    ("Review proposals", "Review what agents proposed, one at a time", "review_proposals"),
    ("Expand all", "Expand every task in the tree", "expand_all"),
    ("Collapse all", "Collapse every task in the tree", "collapse_all"),
    ("Project mode", "Leave task mode", "project_mode"),
]


class TaskforgeCommands(Provider):
    def _available(self):
        from taskforge.tui.main_screen import MainScreen

        screen = self.screen  # the screen the palette was opened over
        if not isinstance(screen, MainScreen):
            return
        for name, help_text, action in COMMANDS:
            if screen.check_action(action, ()) is not False:
                yield name, help_text, partial(screen.run_action, action)
        if screen.check_action("sync", ()) is not False:
            for remote in screen.remote_names:
                yield f"Pull from {remote}", f"Review what changed on {remote} as a patch", partial(screen.sync_pull, remote)
                yield f"Push to {remote}", f"Send what changed here to {remote}", partial(screen.sync_push, remote)

    async def discover(self) -> Hits:
        for name, help_text, run in self._available():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._available():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
