"""One queue for every write the TUI makes, in the order the user asked for them.

Direct edits, undo, redo, approving and accepting a proposal all go through `WriteQueue.submit`. One
thread worker drains the queue, one job at a time, and each job computes its patch against the tree the
previous job left, not the tree on screen: two quick edits and an undo pressed within one frame apply
in order, at consecutive versions, and none of them sees a version conflict of its own making. The UI
thread never waits for a write; each job's outcome is posted as `Written` or `WriteRefused` to the
widget that asked for it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskforge.tui.messages import WriteRefused, Written

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

    from taskforge.core.tree import Tree
    from taskforge.store.interface import Applied, Repository

# A job gets the repository and the latest tree of its project (None for a project not written yet).
WriteFunction = Callable[["Repository", "Tree | None"], "Applied"]


@dataclass(frozen=True, eq=False)
class WriteJob:
    kind: str  # "edit", "undo", "redo", "approve", "accept": what the screen says when it lands
    project_id: str | None
    write: WriteFunction
    reply_to: MessagePump


class WriteQueue:
    def __init__(self, app: App, repo: Repository, on_failure: Callable[[Exception], None]) -> None:
        self._app = app
        self._repo = repo
        self._on_failure = on_failure  # called on the UI thread with an error no one foresaw
        self._jobs: deque[WriteJob] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._latest: Tree | None = None  # the newest tree the queue knows, of the project last written

    def submit(self, job: WriteJob) -> None:
        """Queue `job`; called on the UI thread, returns at once."""
        with self._lock:
            self._jobs.append(job)
            if self._draining:
                return
            self._draining = True
        self._app.run_worker(self._drain, name="writes", group="writes", thread=True, exit_on_error=False)

    def seen(self, tree: Tree | None) -> None:
        """The screen loaded `tree`: later jobs start from it unless the queue already knows a newer one."""
        if tree is None:
            return
        with self._lock:
            latest = self._latest
            if latest is None or latest.project.id != tree.project.id or latest.project.version <= tree.project.version:
                self._latest = tree

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._jobs) + self._draining

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._draining = False
                    return
                job = self._jobs.popleft()
            self._run(job)

    def _run(self, job: WriteJob) -> None:
        from taskforge.core.errors import TaskforgeError

        try:
            base = self._tree_of(job.project_id)
            applied = job.write(self._repo, base)
            tree = applied.following(base)  # worked out, or read, here: off the screen's thread
        except TaskforgeError as error:
            self._forget()  # a conflict means the stored project moved on: the next job reloads it
            job.reply_to.post_message(WriteRefused(job, error))
        except Exception as error:  # a bug: reported in one line, and the queue goes on with the next job
            self._forget()
            self._app.call_from_thread(self._on_failure, error)
        else:
            with self._lock:
                self._latest = tree
            job.reply_to.post_message(Written(job, applied))

    def _tree_of(self, project_id: str | None) -> Tree | None:
        if project_id is None:
            return None
        with self._lock:
            latest = self._latest
        if latest is not None and latest.project.id == project_id:
            return latest
        tree = self._repo.load(project_id)
        with self._lock:
            self._latest = tree
        return tree

    def _forget(self) -> None:
        with self._lock:
            self._latest = None
