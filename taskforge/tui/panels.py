"""The two one-purpose strips around the panes: the project bar on top, the task detail below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from taskforge import __version__

if TYPE_CHECKING:  # the models load with the project, after the first paint
    from taskforge.core.models import Task
    from taskforge.core.tree import Rollup, Tree


def project_bar_text(tree: Tree | None, mode: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" taskforge ", style="bold reverse")
    text.append(f" v{__version__}  ", style="dim")
    if tree is None:
        text.append("no project yet" if mode == "project" else mode, style="italic")
        return text
    project = tree.project
    text.append(project.title, style="bold")
    text.append(f"  · version {project.version} · ", style="dim")
    draft = project.status == "draft"
    text.append(project.status.value, style="bold yellow" if draft else "bold green")
    text.append(" · ", style="dim")
    text.append(mode, style="bold cyan")
    return text


class ProjectBar(Static):
    """Title, version, status and mode: the header. Our own widget, so the title is never markup."""

    def show(self, tree: Tree | None, mode: str) -> None:
        self.update(project_bar_text(tree, mode))


def detail_text(task: Task, rollup: Rollup | None, tree: Tree) -> Text:
    from taskforge.core.tree import format_minutes

    text = Text()
    text.append(f"{task.key} ", style="bold cyan")
    text.append(task.title, style="bold")
    text.append(f"   {task.status.value}", style="dim")
    if task.priority != "medium":
        text.append(f" · {task.priority.value} priority", style="bold red" if task.priority == "critical" else "dim")
    estimate = task.estimate_minutes or (rollup.estimate_minutes if rollup else 0)
    if estimate:
        text.append(f" · estimate {format_minutes(estimate)}", style="magenta")
    if task.actual_minutes:
        text.append(f" · spent {format_minutes(task.actual_minutes)}", style="dim")
    if rollup is not None and rollup.total > 1:
        text.append(f" · {rollup.done}/{rollup.total - 1} sub-tasks done", style="green")
    if task.description:
        text.append("\n")
        text.append(task.description)
    if task.acceptance_criteria:
        text.append("\nDone when: ", style="bold")
        text.append("; ".join(task.acceptance_criteria))
    if task.depends_on:
        text.append("\nDepends on: ", style="bold")
        for index, key in enumerate(task.depends_on):
            if index:
                text.append(", ")
            text.append(key, style="cyan")
            if key in tree:
                text.append(f" {tree[key].title}", style="dim")
    if task.tags:
        text.append("\nTags: ", style="bold")
        text.append(", ".join(task.tags), style="dim")
    return text


class TaskDetail(Static):
    """Description, acceptance criteria, dependencies and estimate of the highlighted task."""

    def show(self, tree: Tree | None, key: str | None, rollup: Rollup | None = None) -> None:
        if tree is None or key is None or key not in tree:
            hint = "Type a goal in the chat to start a project." if tree is None else "No task highlighted."
            self.update(Text(hint, style="dim italic"))
            return
        self.update(detail_text(tree[key], rollup, tree))
