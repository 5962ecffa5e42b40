"""The two one-purpose strips around the panes: the project bar on top, the task detail below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from taskforge.present import detail_text, project_bar_text

if TYPE_CHECKING:  # the models load with the project, after the first paint
    from taskforge.core.tree import Rollup, Tree


class ProjectBar(Static):
    """Title, version, status and mode: the header. Our own widget, so the title is never markup."""

    def show(self, tree: Tree | None, mode: str) -> None:
        self.update(project_bar_text(tree, mode))


class TaskDetail(Static):
    """Description, acceptance criteria, dependencies and estimate of the highlighted task."""

    def show(self, tree: Tree | None, key: str | None, rollup: Rollup | None = None) -> None:
        if tree is None or key is None or key not in tree:
            hint = "Type a goal in the chat to start a project." if tree is None else "No task highlighted."
            self.update(Text(hint, style="dim italic"))
            return
        self.update(detail_text(tree[key], rollup, tree))
