"""TaskforgeApp: opens the store, holds the keymap, the theme and the global keys; `MainScreen` does the rest.

The database opens in a thread worker: the ORM costs a quarter of a second to import, and the screen
paints before it is ready. Whatever goes wrong there ends the app with one line, never a hang.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.worker import Worker, WorkerState

from taskforge.core.errors import TaskforgeError
from taskforge.core.text import clean_line
from taskforge.tui.commands import TaskforgeCommands
from taskforge.tui.main_screen import MainScreen
from taskforge.tui.messages import StoreChanged, StoreOpened, StoreRefused

# The domain models (pydantic) load in the store worker, not before the first paint.
if TYPE_CHECKING:
    from taskforge.agent.planner import Planner
    from taskforge.agent.service import AgentService
    from taskforge.store.interface import Repository
    from taskforge.tui.writes import WriteQueue

Opener = Callable[[str | None], "Repository"]
WATCH_INTERVAL = 0.25  # seconds the watcher blocks at a time; what another session changed shows within ~1 s


class TaskforgeApp(App[None]):
    """The taskforge TUI.

    | Key(s) | Description |
    | :- | :- |
    | ctrl+q | Quit. |
    | ctrl+z | Undo the last change (even while typing in the chat). |
    | ctrl+y | Redo. |
    | ctrl+p | The command palette. |
    """

    CSS_PATH = "app.tcss"
    TITLE = "taskforge"
    COMMANDS = App.COMMANDS | {TaskforgeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # Not priority bindings: a priority key runs the moment it arrives, before the keys typed ahead of
        # it have reached the focused widget, so `s s ctrl+z` would undo first and edit after. No widget
        # here takes ctrl+z or ctrl+y, so they still work while typing in the chat.
        Binding("ctrl+z", "undo", "Undo", id="app.undo"),
        Binding("ctrl+y", "redo", "Redo", id="app.redo"),
    ]

    def __init__(
        self,
        db: str | None = None,
        *,
        repo: Repository | None = None,
        planner: Planner | None = None,
        project: str | None = None,
        opener: Opener | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.db = db
        self.repo: Repository | None = repo
        self.planner = planner
        self.service: AgentService | None = None
        self.writes: WriteQueue | None = None
        self.requested_project = project
        self._opener = opener
        self.live = live  # follow what other sessions change; off, the app sees them only when it writes
        self._main_screen: MainScreen
        self._connected = True

    def get_default_screen(self) -> MainScreen:
        self._main_screen = MainScreen()
        return self._main_screen

    @property
    def main_screen(self) -> MainScreen:
        return self._main_screen

    # -- opening the store -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def open_store(self) -> None:
        """Open the database and load the latest project; the main screen asks once it is on screen."""
        from taskforge.agent.service import AgentService
        from taskforge.config import settings

        try:
            repo = self.repo
            if repo is None:
                if self._opener is None:
                    from taskforge.actions import open_repository as opener
                else:
                    opener = self._opener
                repo = opener(self.db)
            keymap = settings().keymap
            projects = repo.projects()
            chosen = self.requested_project or (max(projects, key=lambda p: p.updated_at).id if projects else None)
            tree = repo.load(chosen) if chosen else None
            conversation = repo.messages(chosen, None) if chosen else []
        except TaskforgeError as error:
            self.post_message(StoreRefused(str(error)))
            return
        self.post_message(StoreOpened(repo, AgentService(repo, self.planner), tree, conversation, keymap))

    def on_store_opened(self, message: StoreOpened) -> None:
        from taskforge.tui.writes import WriteQueue

        self.set_keymap(message.keymap)
        self.repo, self.service = message.repo, message.service
        self.writes = WriteQueue(self, message.repo, self.report_failure)
        self.main_screen.store_ready(message.tree, message.conversation)
        if self.live:
            self._watch(message.repo)
        # What is loaded now lives as long as the app: keep the collector from rescanning it on every pass.
        gc.freeze()

    def on_store_refused(self, message: StoreRefused) -> None:
        self.exit(None, 1, f"taskforge: {message.reason}")

    # -- changes made elsewhere ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch(self, repo: Repository) -> None:
        """Report what other sessions change (another TUI, the CLI, another machine) while the app runs."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        watcher = repo.watch()
        connected = True
        try:
            while not worker.is_cancelled:
                changes = watcher.wait(WATCH_INTERVAL)  # short, so that quitting never waits on it
                if changes or watcher.connected != connected:
                    connected = watcher.connected
                    self.post_message(StoreChanged(changes, connected))
        finally:
            watcher.close()

    def on_store_changed(self, message: StoreChanged) -> None:
        if message.connected != self._connected:
            self._connected = message.connected
            if message.connected:
                self.notify("Connected to the database again.", markup=False)
            else:
                self.notify(
                    "Lost the connection to the database: showing the last state; reconnecting…",
                    severity="warning", markup=False, timeout=10,
                )
        if message.changes:
            self.main_screen.changed_elsewhere(message.changes)

    # -- failures nobody foresaw ---------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            if event.worker.group == "store":
                self.exit(None, 1, f"taskforge: cannot open the database: {one_line(event.worker.error)}")
            else:
                self.report_failure(event.worker.error)

    def report_failure(self, error: BaseException) -> None:
        """An error that is not the user's: one line, and the app stays usable."""
        self.notify(f"Something went wrong: {one_line(error)}", severity="error", markup=False, timeout=10)

    # -- global keys ---------------------------------------------------------------------------------

    def action_undo(self) -> None:
        self.main_screen.action_undo()

    def action_redo(self) -> None:
        self.main_screen.action_redo()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("undo", "redo"):
            # Only over the main screen (a dialog or the review is not the place to undo); the palette
            # offers them too, and runs them once it has closed.
            over_main = self.screen is self.main_screen or isinstance(self.screen, CommandPalette)
            return over_main and self.writes is not None and self.main_screen.check_action(action, parameters)
        return True


def one_line(error: BaseException) -> str:
    """`PermissionError: [Errno 13] …` on one cleaned line: no traceback, no terminal control."""
    return clean_line(f"{type(error).__name__}: {error}")[:300]
