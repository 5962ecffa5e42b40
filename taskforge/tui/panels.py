"""The two one-purpose strips around the panes: the project bar on top, the task detail below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from taskforge.present import detail_text, project_bar_text

if TYPE_CHECKING:  # the models load with the project, after the first paint
    from taskforge.core.schedule import Schedule
    from taskforge.core.tree import Rollup, Tree


class ProjectBar(Static):
    """Title, version, status, mode and the work left: the header. Our own widget, so the title is never markup.

    It has no bindings and no reactives: the screen calls `show` when the project, the mode or the
    project's schedule (the work left) changes.
    """

    DEFAULT_CSS = """
    ProjectBar {
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def show(self, tree: Tree | None, mode: str, plan: Schedule | None = None, pending: int = 0) -> None:
        self.update(project_bar_text(tree, mode, plan, pending))


class TaskDetail(Static):
    """Description, acceptance criteria, dependencies and estimate of the highlighted task.

    It has no bindings and no reactives: the screen calls `show` when the highlighted task changes. Its
    height is fixed (it scrolls instead), so that moving the cursor never re-lays out the tree.
    """

    DEFAULT_CSS = """
    TaskDetail {
        height: 6;  /* fixed: a height that followed the text would re-lay out the tree on every cursor move */
        padding: 0 1;
        border-top: solid $panel-lighten-2;
        overflow-y: auto;
    }
    """

    def show(self, tree: Tree | None, key: str | None, rollup: Rollup | None = None) -> None:
        if tree is None or key is None or key not in tree:
            hint = "Type a goal in the chat to start a project." if tree is None else "No task highlighted."
            self.update(Text(hint, style="dim italic"))
            return
        self.update(detail_text(tree[key], rollup, tree))
