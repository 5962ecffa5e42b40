"""Rich renderings for the terminal: the task tree of `show` and the history of a project.

User text only ever enters through `Text.append`, so a title such as `[b]x` stays literal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from rich.tree import Tree as RichTree

from taskforge.core.models import Status
from taskforge.core.tree import Rollup, Tree, format_minutes

if TYPE_CHECKING:
    from taskforge.core.history import PatchRecord

GLYPHS = {Status.TODO: "○", Status.DOING: "◐", Status.BLOCKED: "⊘", Status.DONE: "●"}
STATUS_STYLES = {Status.TODO: "", Status.DOING: "yellow", Status.BLOCKED: "red", Status.DONE: "green"}
PRIORITY_STYLES = {"low": "dim", "high": "bold", "critical": "bold red"}


def project_tree(tree: Tree, root: str | None = None) -> RichTree:
    project = tree.project
    heading = Text()
    heading.append(project.id, style="bold cyan")
    heading.append("  ")
    heading.append(project.title, style="bold")
    heading.append(f"  [{project.status.value} · v{project.version}]", style="dim")
    rollups = tree.rollups()
    top = RichTree(heading, guide_style="dim")

    def add(branch: RichTree, key: str) -> None:
        node = branch.add(task_line(tree, key, rollups[key]))
        for child in tree.children[key]:
            add(node, child)

    for key in ([root] if root else tree.roots):
        add(top, key)
    if not tree.tasks:
        top.add(Text("no tasks yet", style="dim italic"))
    return top


def task_line(tree: Tree, key: str, rollup: Rollup) -> Text:
    task = tree[key]
    line = Text()
    line.append(f"{task.key} ", style="bold cyan")
    line.append(f"{GLYPHS[task.status]} ", style=STATUS_STYLES[task.status] or None)
    line.append(task.title, style="strike dim" if task.status is Status.DONE else PRIORITY_STYLES.get(task.priority.value))
    facts = []
    if task.priority.value != "medium":
        facts.append(task.priority.value)
    if task.status in (Status.DOING, Status.BLOCKED):
        facts.append(task.status.value)
    if task.estimate_minutes is not None:
        facts.append(f"est {format_minutes(task.estimate_minutes)}")
    if task.actual_minutes:
        facts.append(f"spent {format_minutes(task.actual_minutes)}")
    if task.depends_on:
        facts.append("after " + ",".join(task.depends_on))
    if facts:
        line.append("  " + " · ".join(facts), style="dim")
    if tree.children[key]:
        summary = f"  [{rollup.done}/{rollup.total} done"
        if rollup.estimate_minutes:
            summary += f" · est {format_minutes(rollup.estimate_minutes)}"
        if rollup.actual_minutes:
            summary += f" · spent {format_minutes(rollup.actual_minutes)}"
        line.append(summary + "]", style="magenta")
    return line


def history_line(record: PatchRecord) -> Text:
    counts = record.counts()
    line = Text()
    line.append(f"#{record.seq:<3} ", style="bold")
    line.append(record.created_at.strftime("%Y-%m-%d %H:%M") + "  ", style="dim")
    kind = record.kind.value if record.target_seq is None else f"{record.kind.value} #{record.target_seq}"
    line.append(f"{kind:<9} ", style="cyan")
    line.append(f"v{record.version_before}→v{record.version_after}  ", style="dim")
    line.append(f"+{counts['create']}", style="green")
    line.append(f" -{counts['delete']}", style="red")
    line.append(f" ~{counts['update']}  ", style="yellow")
    line.append(record.planner + (f" ({record.model})" if record.model else ""), style="magenta")
    if record.message:
        line.append("  ")
        line.append(record.message)
    if record.rejected_ops:
        line.append(f"  ({len(record.rejected_ops)} op(s) rejected in review)", style="dim")
    return line
