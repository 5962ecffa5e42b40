"""The one presentation layer of both shells: glyphs, styles, diffs, history rows, tasks and projects as Rich `Text`.

The CLI prints these renderables and the TUI puts them in its widgets, so a status, a priority, a diff or a
history record looks the same in both. Rules:

- User text (titles, messages, rationales, models) only ever enters through `Text.append` or `Text(...)`:
  it is data, never markup, so a title such as `[b]x` stays literal.
- Nothing here imports Textual (the CLI uses this module without loading it), and nothing imports the
  pydantic models at module level: the TUI imports this before its first paint, and the models load later.
  The core's strings (`headline`, `detail`, `format_minutes`) are imported where they are used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from rich.text import Text

from taskforge.core.text import clean_line, plural, truncate

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree as RichTree

    from taskforge.agent.planner import Progress
    from taskforge.core.diff import DiffEntry
    from taskforge.core.history import PatchRecord
    from taskforge.core.models import Task
    from taskforge.core.proposals import QueuedProposal
    from taskforge.core.schedule import Schedule, Suggestion
    from taskforge.core.tree import Rollup, Tree
    from taskforge.store.interface import ProjectSummary

# -- statuses, priorities, project states (by value: the enums are str enums) --------------------------

GLYPHS = {"todo": "○", "doing": "◐", "blocked": "⊘", "done": "●"}
STATUS_STYLES = {"todo": "dim", "doing": "yellow", "blocked": "red", "done": "green"}
DONE_TITLE = "strike dim"  # a finished task's title, in the tree of both shells
PRIORITY_STYLES = {"low": "dim", "medium": "", "high": "bold", "critical": "bold red"}
PROJECT_STYLES = {"draft": "yellow", "active": "green"}
KEY = "bold cyan"  # a task key or project id
ESTIMATE = "magenta"
CRITICAL_MARK = "◆"  # a task on the critical path, in the tree of both shells
CRITICAL = "bold red"
PATH_SHOWN = 8  # keys of a critical path spelled out; a longer one shows its first and last few


def glyph(status: str) -> Text:
    """The status glyph in its colour: `◐` in yellow for a task in progress."""
    return Text(GLYPHS[status], style=STATUS_STYLES[status])


def duration(minutes: int | None) -> str:
    """`90` → `1h 30m`: the core's format (exporters use it too), loaded with the models when first needed."""
    from taskforge.core.tree import format_minutes

    return format_minutes(minutes)


# -- small helpers ----------------------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters: newlines and runs of white space become one space."""
    return truncate(" ".join(text.split()), limit)


def numbered(indices: list[int], at_most: int = 10) -> str:
    """`#2, #5 and 3 more`: operations by their 1-based number, a bounded list (a line naming 900 helps nobody)."""
    named = ", ".join(f"#{i + 1}" for i in indices[:at_most])
    return named + (f" and {len(indices) - at_most} more" if len(indices) > at_most else "")


@cache
def _measure() -> Console:
    from rich.console import Console

    return Console(width=80, color_system=None, force_terminal=False)


def hanging(text: Text, line: str, style: str, indent: int, width: int) -> None:
    """Append `line` wrapped to `width`, its continuation lines `indent` cells in (Rich has no hanging indent).

    The caller has already written the `indent` cells before the line's start.
    """
    pieces = [piece.plain for piece in Text(line).wrap(_measure(), max(width - indent, 10))]
    pieces = [piece.rstrip(" ") for piece in pieces[:-1]] + pieces[-1:]
    text.append(("\n" + " " * indent).join(pieces), style=style)


# -- diffs ------------------------------------------------------------------------------------------

DIFF_STYLES = {"create": "green", "update": "yellow", "delete": "red", "meta": "yellow"}


def append_entry(text: Text, entry: DiffEntry, *, kept: bool = True, indent: int = 0, step: int = 4,
                 width: int | None = None) -> None:
    """One diff entry: its headline, then a line per changed field, `step` cells further in.

    `indent` is where the headline starts (the caller wrote what comes before it); a turned-off entry
    (`kept=False`, in the review modal) is dimmed and struck through. With a width, long lines wrap under
    themselves.
    """
    from taskforge.core.diff import detail, headline

    style = DIFF_STYLES[entry.kind] if kept else "dim"
    head_style = f"bold {style}" if kept else "dim strike"
    if width is None:
        text.append(headline(entry), style=head_style)
    else:
        hanging(text, headline(entry), head_style, indent, width)
    change_style = "dim" if entry.kind == "create" else style
    pad = " " * (indent + step)
    for change in entry.changes:
        if width is None:  # one styled line, indent included
            text.append(f"\n{pad}{detail(change)}", style=change_style)
        else:
            text.append(f"\n{pad}")
            hanging(text, detail(change), change_style, indent + step, width)


def diff_text(found: list[DiffEntry], rationale: str = "", *, limit: int | None = None, more: str = "") -> Text:
    """A coloured diff: the rationale, then every entry (the first `limit`, and a line saying how many more)."""
    text = Text()
    if rationale:
        text.append(rationale, style="italic")
        text.append("\n\n")
    shown = found if limit is None else found[:limit]
    for entry in shown:
        append_entry(text, entry)
        text.append("\n")
    if len(found) > len(shown):
        text.append(f"… and {len(found) - len(shown)} more operations" + (f" ({more})" if more else ""))
    if not found:
        text.append("(no changes)", style="dim")
    text.rstrip()
    return text


# -- history ----------------------------------------------------------------------------------------

TimeFormat = Callable[[datetime], str]
MESSAGE_WIDTH = 36  # the history table fits 120 columns with the author and the planner beside it
AUTHOR_WIDTH = 12
PLANNER_WIDTH = 24


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def kind_of(record: PatchRecord) -> str:
    """`apply`, or `undo #4` / `redo #4` with the record it acts on."""
    return record.kind.value if record.target_seq is None else f"{record.kind.value} #{record.target_seq}"


def mode_of(record: PatchRecord) -> str:
    return record.mode.value if record.focus is None else f"{record.mode.value} {record.focus}"


def planner_of(record: PatchRecord) -> str:
    return record.planner if not record.model else f"{record.planner} · {record.model}"


def author_of(record: PatchRecord) -> str:
    """Who made the change; records from before authors were kept show `—`."""
    return record.author or "—"


def change_note(record: PatchRecord) -> str:
    """`alice applied change #12: Add a task for documentation`: a change another session made, in one line."""
    verbs = {"apply": "applied change", "undo": "undid change", "redo": "redid change"}
    number = record.seq if record.target_seq is None else record.target_seq
    line = f"{author_of(record)} {verbs.get(record.kind.value, record.kind.value)} #{number}"
    return clean_line(f"{line}: {record.message}" if record.message and record.target_seq is None else line)


def versions_of(record: PatchRecord) -> str:
    return f"v{record.version_before}→v{record.version_after}"


def counts_text(record: PatchRecord) -> Text:
    """`+3 −1 ~2`: operations that create, delete and update."""
    counts = record.counts()
    return Text.assemble(
        (f"+{counts['create']}", DIFF_STYLES["create"]), " ",
        (f"−{counts['delete']}", DIFF_STYLES["delete"]), " ",
        (f"~{counts['update']}", DIFF_STYLES["update"]),
    )


@dataclass(frozen=True)
class HistoryColumn:
    """One field of a history row: a column of the TUI's table and a cell of the CLI's line."""

    title: str
    cell: Callable[[PatchRecord, TimeFormat, int | None], Text]  # (record, format_time, message width)
    style: str = ""  # in the CLI's line (the TUI's table keeps its cells plain)
    width: int = 0  # the CLI's line pads the cell to this many cells


# A new field of the records (an author, say) is one more column here; both shells then show it.
HISTORY_COLUMNS = (
    HistoryColumn("#", lambda record, when, _: Text(str(record.seq), justify="right"), "bold", 3),
    HistoryColumn("when", lambda record, when, _: Text(when(record.created_at)), "dim"),
    HistoryColumn("kind", lambda record, when, _: Text(kind_of(record)), "cyan", 9),
    HistoryColumn("mode", lambda record, when, _: Text(mode_of(record)), "", 7),
    HistoryColumn("changes", lambda record, when, _: counts_text(record), "", 10),
    HistoryColumn("message", lambda record, when, width: Text(shorten(record.message, width or 10**6))),
    HistoryColumn("author", lambda record, when, _: Text(shorten(author_of(record), AUTHOR_WIDTH)), "bold"),
    HistoryColumn("planner", lambda record, when, _: Text(shorten(planner_of(record), PLANNER_WIDTH)), "magenta"),
)


def history_cells(record: PatchRecord, format_time: TimeFormat = local_time, *, undone: bool = False,
                  message_width: int | None = MESSAGE_WIDTH) -> list[Text]:
    """The record's cells, one per `HISTORY_COLUMNS`; an undone change says so and is dimmed."""
    cells = [column.cell(record, format_time, message_width) for column in HISTORY_COLUMNS]
    if undone:
        message = next(i for i, column in enumerate(HISTORY_COLUMNS) if column.title == "message")
        cells[message] = Text.assemble(("(undone) ", "italic"), cells[message])
        for cell in cells:
            cell.stylize("dim")
    return cells


def rejected_note(record: PatchRecord) -> str:
    """`2 operations rejected in review`, or "" when the user kept them all."""
    return f"{plural(len(record.rejected_ops), 'operation')} rejected in review" if record.rejected_ops else ""


def history_line(record: PatchRecord, format_time: TimeFormat = local_time) -> Text:
    """The CLI's line for a record: the table's cells a column apart (the message whole), then the versions."""
    line = Text()
    for column, cell in zip(HISTORY_COLUMNS, history_cells(record, format_time, message_width=None), strict=True):
        if not cell.plain:
            continue
        cell.stylize(column.style)
        padding = max(column.width - cell.cell_len, 0)
        cell.pad_left(padding) if cell.justify == "right" else cell.pad_right(padding)
        line.append_text(cell)
        line.append("  ")
    line.append(versions_of(record), style="dim")
    if record.rejected_ops:
        line.append(f"  ({rejected_note(record)})", style="dim")
    return line


def history_heading(record: PatchRecord, format_time: TimeFormat = local_time, *, undone: bool = False) -> Text:
    """The head of a record's detail: what, where, when, versions and who; the message; what review left out."""
    text = Text()
    text.append(
        f"#{record.seq} {kind_of(record)} · {mode_of(record)} · {format_time(record.created_at)}"
        f" · {versions_of(record)} · ",
        style="bold",
    )
    text.append(author_of(record), style="bold")
    text.append(" · ", style="bold")
    text.append(planner_of(record), style="bold magenta")
    if record.message:
        text.append("\n")
        text.append(record.message)
    if record.rejected_ops:
        text.append(f"\n{rejected_note(record)}", style="yellow")
    if undone:
        text.append("\nUndone: this change is not in the project now.", style="italic dim")
    return text


# -- tasks ------------------------------------------------------------------------------------------


def _task_head(text: Text, task: Task, title_style: str, critical: bool = False) -> None:
    """`T3 ◐ Login form`, or `T3 ◐ ◆ Login form` on the critical path (the mark before the title, where
    the ellipsis of a narrow pane never cuts it)."""
    text.append(task.key, style=KEY)
    text.append(" ")
    text.append_text(glyph(task.status))
    text.append(" ")
    if critical:
        text.append(f"{CRITICAL_MARK} ", style=CRITICAL)
    text.append(task.title, style=DONE_TITLE if task.status == "done" else title_style)


def task_line(tree: Tree, key: str, rollup: Rollup, critical: bool = False) -> Text:
    """`T3 ◐ Login form  high · doing · est 2h  [1/4 done · est 6h]`: a node of `show`'s tree."""
    task = tree[key]
    line = Text()
    _task_head(line, task, PRIORITY_STYLES[task.priority], critical)
    facts = []
    if task.priority != "medium":
        facts.append(task.priority.value)
    if task.status in ("doing", "blocked"):
        facts.append(task.status.value)
    if task.estimate_minutes is not None:
        facts.append(f"est {duration(task.estimate_minutes)}")
    if task.actual_minutes:
        facts.append(f"spent {duration(task.actual_minutes)}")
    if task.depends_on:
        facts.append("after " + ",".join(task.depends_on))
    if facts:
        line.append("  " + " · ".join(facts), style="dim")
    if tree.children[key]:
        summary = f"  [{rollup.done}/{rollup.total} done"
        if rollup.estimate_minutes:
            summary += f" · est {duration(rollup.estimate_minutes)}"
        if rollup.actual_minutes:
            summary += f" · spent {duration(rollup.actual_minutes)}"
        line.append(summary + "]", style="magenta")
    return line


def project_tree(tree: Tree, root: str | None = None, critical: frozenset[str] = frozenset()) -> RichTree:
    """`show`'s tree: the project's heading, then every task (or `root`'s subtree), `critical` ones marked."""
    from rich.tree import Tree as RichTree

    project = tree.project
    heading = Text()
    heading.append(project.id, style=KEY)
    heading.append("  ")
    heading.append(project.title, style="bold")
    heading.append(f"  [{project.status.value} · v{project.version}]", style="dim")
    rollups = tree.rollups()
    top = RichTree(heading, guide_style="dim")

    def add(branch: RichTree, key: str) -> None:
        node = branch.add(task_line(tree, key, rollups[key], key in critical))
        for child in tree.children[key]:
            add(node, child)

    for key in [root] if root else tree.roots:
        add(top, key)
    if not tree.tasks:
        top.add(Text("no tasks yet", style="dim italic"))
    return top


def task_label(
    task: Task, rollup: Rollup | None, has_children: bool, dimmed: bool = False, critical: bool = False
) -> Text:
    """`T3 ◐ Login form  2h  1/4`: a node of the TUI's tree, one line (`T3 ◐ ◆ Login form` on the critical path)."""
    label = Text(no_wrap=True, overflow="ellipsis")
    _task_head(label, task, "", critical)
    estimate = task.estimate_minutes or (rollup.estimate_minutes if rollup else None)
    if estimate:
        label.append(f"  {duration(estimate)}", style=ESTIMATE)
    if has_children and rollup is not None:
        label.append(f"  {rollup.done}/{rollup.total - 1}", style="green" if rollup.done == rollup.total else "dim")
    if dimmed:
        label.stylize("dim")
    return label


def detail_text(task: Task, rollup: Rollup | None, tree: Tree) -> Text:
    """Everything about one task: status, priority, estimate, progress, description, criteria, links, tags."""
    text = Text()
    text.append(f"{task.key} ", style=KEY)
    text.append(task.title, style="bold")
    text.append(f"   {task.status.value}", style="dim")
    if task.priority != "medium":
        # in a line of facts only a critical task stands out
        style = PRIORITY_STYLES["critical"] if task.priority == "critical" else "dim"
        text.append(f" · {task.priority.value} priority", style=style)
    estimate = task.estimate_minutes or (rollup.estimate_minutes if rollup else 0)
    if estimate:
        text.append(f" · estimate {duration(estimate)}", style=ESTIMATE)
    if task.actual_minutes:
        text.append(f" · spent {duration(task.actual_minutes)}", style="dim")
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


# -- projects ---------------------------------------------------------------------------------------


def project_bar_text(tree: Tree | None, mode: str, plan: Schedule | None = None, pending: int = 0) -> Text:
    """The TUI's header: name and version of the app, a badge when agents' proposals wait for review (first,
    so a narrow terminal never cuts it), then the project's title, version, status, the mode and the
    remaining work (with `plan`, when any is estimated)."""
    from taskforge import __version__

    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" taskforge ", style="bold reverse")
    text.append(f" v{__version__}  ", style="dim")
    if tree is None:
        text.append("no project yet" if mode == "project" else mode, style="italic")
        return text
    project = tree.project
    if pending > 0:
        text.append_text(pending_badge(pending))
        text.append("  ")
    text.append(project.title, style="bold")
    text.append(f"  · version {project.version} · ", style="dim")
    text.append(project.status.value, style=f"bold {PROJECT_STYLES[project.status]}")
    text.append(" · ", style="dim")
    text.append(mode, style="bold cyan")
    left = remaining_text(plan) if plan is not None else ""
    if left:  # last: a narrow terminal cuts it before the mode
        text.append(" · ", style="dim")
        text.append(left, style=ESTIMATE)
    return text


# -- what next and the critical path ------------------------------------------------------------------


def remaining_text(plan: Schedule) -> str:
    """`20d of work left (14d on the critical path)`, or "" when no remaining work is estimated."""
    if not plan.remaining_minutes:
        return ""
    text = f"{duration(plan.remaining_minutes)} of work left"
    if plan.path_minutes and plan.path_minutes != plan.remaining_minutes:
        text += f" ({duration(plan.path_minutes)} on the critical path)"
    return text


def path_keys(path: tuple[str, ...] | list[str]) -> str:
    """`T2 → T5 → T9`; a long path keeps its first and last few keys around `… 12 more …`."""
    if len(path) > PATH_SHOWN:
        half = PATH_SHOWN // 2
        path = [*path[:half], f"… {len(path) - 2 * half} more …", *path[-half:]]
    return " → ".join(path)


def critical_path_line(plan: Schedule) -> Text | None:
    """`◆ critical path: T2 → T5 → T9, 14d of work left`: `show`'s footer; None without estimated work."""
    if not plan.path:
        return None
    text = Text()
    text.append(f"{CRITICAL_MARK} ", style=CRITICAL)
    text.append("critical path: ", style="bold")
    text.append(path_keys(plan.path), style=KEY)
    text.append(f", {duration(plan.path_minutes)} of work left", style=ESTIMATE)
    return text


def suggestion_text(tree: Tree, suggestion: Suggestion) -> Text:
    """`T7 ○ ◆ Write the docs` and, below it, the reason: a task `taskforge next` offers."""
    text = Text()
    _task_head(text, tree[suggestion.key], "bold", suggestion.critical)
    text.append("\n  ")
    text.append(suggestion.reason, style="dim")
    return text


def summary_text(summary: ProjectSummary, current: bool) -> Text:
    """A project in the TUI's picker: `● Title  id  active  3/8 done`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if current else "  ", style="bold green")
    text.append(summary.title, style="bold" if current else "")
    text.append(f"  {summary.id}", style="dim")
    text.append(f"  {summary.status.value}", style=PROJECT_STYLES[summary.status])
    text.append(f"  {summary.done}/{summary.tasks} done", style="dim")
    return text


def projects_table(found: list[ProjectSummary]) -> Table:
    """The CLI's list of projects."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "TITLE", "STATUS", "VERSION", "DONE", "UPDATED"):
        table.add_column(column)
    for p in found:
        status = Text(p.status.value, style=PROJECT_STYLES[p.status])
        table.add_row(p.id, Text(p.title), status, str(p.version), f"{p.done}/{p.tasks}", p.updated_at)
    return table


# -- the conversation with the planner --------------------------------------------------------------

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPEAKERS = {
    "user": ("You", "bold cyan"),
    "agent": ("Planner", "bold magenta"),
    "note": ("", "dim italic"),
    "error": ("Error", "bold red"),
}


def message_text(role: str, content: str) -> Text:
    """One chat entry. The content is the user's or a model's words: plain text, never markup."""
    speaker, style = SPEAKERS.get(role, ("", ""))
    text = Text()
    if speaker:
        text.append(f"{speaker}: ", style=style)
        text.append(content, style="red" if role == "error" else "")
    else:
        text.append(content, style=style)
    return text


def progress_text(tick: int, elapsed: float, progress: Progress | None) -> Text:
    """`⠙ Planning… 3.2 s · 412 tokens   escape cancels`: the TUI's spinner line."""
    from taskforge.agent.planner import describe_progress

    text = Text()
    text.append(SPINNER[tick % len(SPINNER)] + " ", style="bold magenta")
    text.append(describe_progress(elapsed, progress), style="magenta")
    text.append("   escape cancels", style="dim")
    return text


# -- tracker sync -------------------------------------------------------------------------------------

SYNC_FIELD_NAMES = {"estimate_minutes": "estimate", "spent_minutes": "time spent", "depends_on": "dependencies"}


def _sync_value(name: str, value: object) -> str:
    if value is None or value == []:
        return "(none)"
    if name in ("estimate_minutes", "spent_minutes") and isinstance(value, int):
        return duration(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return repr(shorten(str(value), 60))


def push_text(report) -> Text:
    """What a push did (or, dry, would do): one line per item, then a count; the same in both shells."""
    text = Text()
    verb = "Would push" if report.dry_run else "Pushed"
    text.append(f"{verb} '{report.project_id}' to {report.service} (remote '{report.remote}')", style="bold")
    rows = (
        [("+", "green", c, "create " + (c.ref if c.ref != "(new)" else "issue")) for c in report.created]
        + [("~", "yellow", c, f"update {c.ref}") for c in report.updated]
        + [("-", "red", c, f"close {c.ref}: the task was deleted here") for c in report.closed]
        + [("=", "cyan", c, f"found {c.ref} by its marker (an interrupted push made it)") for c in report.adopted]
    )
    for sign, style, change, what in rows:
        text.append(f"\n{sign} ", style=f"bold {style}")
        text.append(change.key, style=KEY)
        text.append(f" {what}", style=style)
        if change.url and sign == "+":
            text.append(f"  {change.url}", style="dim")
        for name, (old, new) in change.fields.items():
            if sign == "+" and new in (None, "", []):
                continue
            label = SYNC_FIELD_NAMES.get(name, name)
            shown = _sync_value(name, new) if sign == "+" else f"{_sync_value(name, old)} → {_sync_value(name, new)}"
            text.append(f"\n    {label}: {shown}", style="dim" if sign == "+" else style)
    for change in report.conflicts:
        text.append("\n! ", style="bold red")
        text.append(change.key, style=KEY)
        names = ", ".join(SYNC_FIELD_NAMES.get(n, n) for n in change.fields)
        text.append(
            f" {change.ref}: {names} changed here and on {report.service}: not pushed; "
            f"`taskforge pull {report.project_id} {report.remote}` resolves it",
            style="red",
        )
    for change in report.gone:
        text.append("\n! ", style="bold red")
        text.append(change.key, style=KEY)
        text.append(
            f" {change.ref} was deleted on {report.service}: `taskforge pull {report.project_id} {report.remote}` "
            "offers to delete the task", style="red",
        )
    counts = [f"{len(found)} {word}" for found, word in (
        (report.created, "created"), (report.updated, "updated"), (report.closed, "closed"),
        (report.conflicts, "in conflict"),
    ) if found]
    if counts:
        text.append("\n" + ", ".join(counts) + ("  (dry run: nothing was sent)" if report.dry_run else ""), style="dim")
    elif not (report.adopted or report.gone):
        text.append(f"\nNothing to push: {report.service} is up to date.", style="dim")
    return text


def push_summary(report) -> str:
    """One line for a notification: `Pushed to GitLab: 3 created, 1 updated.`"""
    counts = [f"{len(found)} {word}" for found, word in (
        (report.created, "created"), (report.updated, "updated"), (report.closed, "closed"),
        (report.conflicts, "in conflict (pull to resolve)"), (report.gone, "deleted there (pull to resolve)"),
    ) if found]
    if report.failure:
        return f"Push to {report.service} stopped: {report.failure}" + (f" ({', '.join(counts)} before it)" if counts else "")
    return f"Pushed to {report.service}: " + (", ".join(counts) if counts else "nothing to push, it is up to date") + "."


# -- the review queue -------------------------------------------------------------------------------

PROPOSAL_STYLES = {"pending": "bold yellow", "stale": "magenta", "accepted": "green", "rejected": "dim"}


def proposal_line(proposal: QueuedProposal, version: int, format_time: TimeFormat = local_time) -> Text:
    """`#3  pending   claude-code  v4  +3 −1 ~2  2026-11-30 17:40  Split the login work`: `proposals`' line."""
    state = proposal.state_at(version).value
    counts = proposal.patch.counts()
    line = Text()
    line.append(f"#{proposal.id}".rjust(4), style="bold")
    line.append("  ")
    line.append(state.ljust(9), style=PROPOSAL_STYLES[state])
    line.append(shorten(proposal.author, AUTHOR_WIDTH).ljust(AUTHOR_WIDTH), style="bold")
    line.append(f"  v{proposal.base_version}  ", style="dim")
    line.append_text(Text.assemble(
        (f"+{counts['create']}", DIFF_STYLES["create"]), " ",
        (f"−{counts['delete']}", DIFF_STYLES["delete"]), " ",
        (f"~{counts['update']}", DIFF_STYLES["update"]),
    ))
    line.append(f"  {format_time(proposal.created_at)}  ", style="dim")
    line.append(shorten(proposal.rationale, 80))
    if proposal.change_seq is not None:
        line.append(f"  → change #{proposal.change_seq}", style="green")
    if proposal.note:
        line.append("  note: ", style="dim")
        line.append(shorten(proposal.note, 60), style="dim")
    return line


def pending_badge(count: int) -> Text:
    """` 2 proposals ` in reverse yellow: the TUI's sign that agents' proposals wait for review (none: empty)."""
    if count <= 0:
        return Text()
    return Text(f" {plural(count, 'proposal')} ", style="bold black on yellow")
