"""The command line. Bare `taskforge` opens the TUI; the subcommands share its service functions.

Exit status: 0 ok, 1 rejected input or patch (one line on stderr, nothing changed), 2 usage error,
3 version conflict. A change that was committed is never reported as a failure: when its report cannot
be written (a full disk, a closed pipe), the status is 0 and stderr says so. Heavy modules (the ORM,
exporters) load inside the commands that need them.
"""

from __future__ import annotations

import errno
import functools
import gc
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from taskforge.core.errors import BadInput, TaskforgeError, UnknownProject
from taskforge.core.text import clean_line, unprintable
from taskforge.export import EXPORTERS, FOLDERS, IMPORTERS
from taskforge.output import import_summary, imported_line, json_text, silence_stdout

if TYPE_CHECKING:
    from taskforge.store.interface import Reader
    from taskforge.store.repository import Applied, SqlRepository

app = typer.Typer(
    name="taskforge",
    help="A keyboard-driven terminal planner: an agent proposes every change as a patch you review.",
    add_completion=False,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # locals can hold API keys
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="TASKFORGE_DB", help="SQLite file or SQLAlchemy URL.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable, documented in the README).")]


# One member per registered format (the registry imports no format module until one is used).
ExportFormat = StrEnum("ExportFormat", {name.replace("-", "_"): name for name in {**EXPORTERS, **FOLDERS}})
ImportFormat = StrEnum("ImportFormat", {name.replace("-", "_"): name for name in {**IMPORTERS, **FOLDERS}})


class _State:
    db: str | None = None
    committed: str | None = None  # what the running command has written to the database, once it has


_state = _State()


def fail(message: str, code: int = 1) -> None:
    say(message)
    raise typer.Exit(code)


def say(message: str) -> None:
    """One line on stderr. Messages quote user data (ids, file names, fields): whatever a source did,
    no terminal control and no line break reaches the terminal from here."""
    typer.echo(f"taskforge: {clean_line(message)}", err=True)


def note(message: str) -> None:
    say(f"note: {message}")


class OutputError(Exception):
    """Standard output could not be written (a full disk, /dev/full, a closed pipe)."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror or str(error))
        self.error = error


def _written(write) -> None:
    """Run `write` (to standard output) and flush, turning an OSError into OutputError."""
    try:
        write()
        sys.stdout.flush()
    except OSError as exc:
        raise OutputError(exc) from None


def _output_failed(exc: OutputError) -> None:
    """A reader that closed the pipe (`| head`) ends the command quietly, status 0. Any other output
    error is one line and status 1, unless a change was committed: that is never reported as a failure
    (status 0, and stderr says what was written)."""
    silence_stdout()
    if isinstance(exc.error, BrokenPipeError) or exc.error.errno == errno.EPIPE:
        raise typer.Exit(0)
    if _state.committed is not None:
        say(f"{_state.committed}, but its report could not be written: {exc}")
        raise typer.Exit(0)
    fail(f"cannot write the output: {exc}", 1)


def _check_project_argument(kwargs: dict[str, Any]) -> None:
    """A project id is a slug: one holding terminal control or bytes that are not UTF-8 names no project."""
    project = kwargs.get("project")
    if isinstance(project, str) and unprintable(project):
        raise UnknownProject(clean_line(project))


def handle_errors(command):
    """Errors a user can cause become one line on stderr and the matching exit status."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        _state.committed = None
        try:
            _check_project_argument(kwargs)
            return command(*args, **kwargs)
        except OutputError as exc:
            _output_failed(exc)
        except TaskforgeError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper


def open_repo(db: str | None, *, create: bool = True) -> SqlRepository:
    from taskforge.actions import open_repository

    return open_repository(db or _state.db, create=create)


def open_reader(db: str | None) -> Reader:
    """The store for a read-only command: a lean stdlib reader on a SQLite file (no ORM to import)."""
    from taskforge.store.reader import open_reader as open_store_reader

    return open_store_reader(db or _state.db)


def out(renderable: Any) -> None:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich would exit with status 1 itself: report it as output failing
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    # On a terminal, wrap to its width; into a pipe or file, keep each line whole for grep and friends.
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    _written(lambda: _Console(highlight=False, width=10_000 if piped else None).print(renderable))


def out_json(data: Any) -> None:
    _written(lambda: sys.stdout.write(json_text(data)))


def echo(text: str) -> None:
    """A line on standard output."""
    _written(lambda: typer.echo(text))


def read_input(source: str) -> tuple[Path | None, str]:
    """A file's text, or standard input for `-`, read in chunks up to the `max_input_bytes` setting."""
    from taskforge.config import settings
    from taskforge.inputs import decoded, read_bounded, read_text_file

    if source == "-":
        limit = settings().max_input_bytes
        stream = getattr(sys.stdin, "buffer", None)
        data = read_bounded(stream if stream is not None else sys.stdin, limit, "standard input")
        return None, decoded(data, "standard input")
    return Path(source), read_text_file(source)


MAX_LISTED = 12  # new-key mappings spelled out after an apply
MAX_DIFF_ENTRIES = 200  # operations shown after an apply; --dry-run shows them all


def applied_summary(applied: Applied, verb: str = "Applied") -> str:
    record = applied.record
    text = f"{verb} #{record.seq} to '{applied.project_id}': version {record.version_before} → {record.version_after}"
    new_keys = [f"{temp} → {key}" for temp, key in applied.key_map.items()]
    if len(new_keys) > MAX_LISTED:
        new_keys[MAX_LISTED:] = [f"… {len(new_keys) - MAX_LISTED} more (see --json)"]
    if new_keys:
        text += f" (new keys: {', '.join(new_keys)})"
    return text


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Open the TUI when no command is given."""
    _state.db = db
    if ctx.invoked_subcommand is not None:
        _check_config_variable()
    if version:
        from taskforge import __version__

        typer.echo(f"taskforge {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        run_tui(db)


def _check_config_variable() -> None:
    """TASKFORGE_CONFIG naming a folder or a device is an error (settings() says so too, for the TUI).
    Naming a missing file is allowed, the defaults apply (scripts point it at a missing file to say "no
    config"), but a note says so, so that a mistyped path does not silently drop the user's settings."""
    explicit = os.environ.get("TASKFORGE_CONFIG")
    if not explicit:
        return
    path = os.path.expanduser(explicit)
    if not os.path.lexists(path):
        note(f"TASKFORGE_CONFIG names {explicit}, which does not exist: using the defaults")
    elif os.path.isdir(path):
        fail(f"TASKFORGE_CONFIG names {explicit}, which is a directory, not a TOML file")
    elif not os.path.isfile(path):
        fail(f"TASKFORGE_CONFIG names {explicit}, which is not a regular file")


def run_tui(db: str | None) -> None:
    from taskforge.tui import run

    code = run(db or _state.db)
    if code:
        raise typer.Exit(code)


@app.command("plan")
@handle_errors
def plan_command(
    words: Annotated[
        list[str] | None, typer.Argument(metavar="GOAL|MESSAGE...", help="A goal, or a message about a project.")
    ] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", "-f", metavar="PATH", help="Plan from a written brief (Markdown or text; - for stdin)."),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Refine this project (without it: a new project).")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="Task mode: break this task down.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the proposal without asking.")] = False,
    model: Annotated[str | None, typer.Option("--model", help="Any litellm model string; 'offline' for none.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask the planner for a patch, show it, and apply it when you say so."""
    from taskforge.core.models import Mode

    if task is not None and project is None:
        fail("--task needs --project (-p)", 2)
    mode = Mode.TASK if task else Mode.PROJECT
    if file is not None and task is not None:
        fail("--file plans a project: it cannot be used with --task", 2)
    if file is None and not words:
        fail("say what to plan: a goal, a message, or --file BRIEF.md", 2)
    brief = read_input(file)[1] if file is not None else ""
    with open_repo(db) as repo:
        from taskforge.agent.service import AgentService

        service = AgentService(repo)
        source = (file if file != "-" else "standard input") if file is not None else ""
        proposal = _propose_with_spinner(service, project, mode, task, " ".join(words or ()), model, brief, source)
        if not as_json:
            _show_proposal(proposal)
        if not proposal.has_patch:  # status 1 means nothing changed: the exchange is not kept either
            if as_json:
                out_json(proposal.to_dict() | {"applied": None})
            fail("no change proposed; nothing was written", 1)
        applied = None
        interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()
        if yes or (interactive and typer.confirm("Apply?", default=False)):
            applied = _accept(service, proposal)  # the exchange is kept with the change, or not at all
        else:
            service.remember(proposal)
            if interactive:
                service.reject(proposal)
    if as_json:
        result = None if applied is None else record_json(applied.record) | {"key_map": applied.key_map}
        return out_json(proposal.to_dict() | {"applied": result})
    if applied is None:
        echo("Nothing applied." + ("" if sys.stdin.isatty() else " Run again with --yes to apply."))
    else:
        echo(applied_summary(applied))


def _commit(accept, retry: str):
    """Run an accept; a version conflict (someone changed the project while the patch waited: nothing was
    written) ends with exit 3 and the command that tries again."""
    from taskforge.core.patches import PatchError

    try:
        applied = accept()
    except PatchError as exc:
        if exc.conflict:
            fail(f"{exc.summary()}; nothing was written: {retry}", 3)
        raise
    if applied is not None:
        _state.committed = applied_summary(applied)
    return applied


def _accept(service, proposal):
    return _commit(lambda: service.accept(proposal, with_exchange=True),
                   "run the same `taskforge plan` again to re-plan")


def _propose_with_spinner(service, project, mode, task, message, model, document="", document_name=""):
    """Plan in a worker thread; on a terminal, a spinner with elapsed time and tokens; Ctrl+C cancels."""
    import threading
    import time

    from taskforge.agent.planner import Progress, describe_progress

    outcome: dict[str, Any] = {}
    latest: list[Progress] = []
    cancel = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = service.propose(
                project, mode, task, message, model=model, progress=latest.append, cancel=cancel, remember=False,
                document=document, document_name=document_name,
            )
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="taskforge-planner", daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(0.3)  # the offline planner answers before a spinner would be worth drawing
    if worker.is_alive():
        from rich.console import Console
        from rich.markup import escape

        console = Console(stderr=True)
        try:
            with console.status("Planning…") as status:
                while worker.is_alive():
                    status.update(escape(describe_progress(time.monotonic() - started, latest[-1] if latest else None)))
                    worker.join(0.1)
        except KeyboardInterrupt:
            cancel.set()
            worker.join(2)
            raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _show_proposal(proposal) -> None:
    from rich.text import Text

    from taskforge.present import diff_text

    if not proposal.has_patch:
        out(Text(proposal.rationale))
        return
    out(diff_text(proposal.entries, proposal.rationale, limit=MAX_DIFF_ENTRIES, more="see --json"))
    out(Text(proposal.provenance_line(), style="dim"))


@app.command("projects")
@handle_errors
def projects_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List projects."""
    from taskforge.core.errors import NoDatabase

    try:
        repo = open_reader(db)
    except NoDatabase:
        return out_json([]) if as_json else echo("No projects yet.")
    with repo:
        found = repo.projects()
    if as_json:
        return out_json(
            [
                {"id": p.id, "title": p.title, "status": p.status.value, "version": p.version,
                 "tasks": p.tasks, "done": p.done, "updated_at": p.updated_at}
                for p in found
            ]
        )
    if not found:
        return echo("No projects yet.")
    from taskforge.present import projects_table

    out(projects_table(found))


@app.command("show")
@handle_errors
def show_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    task: Annotated[str | None, typer.Option("--task", help="Show only this task's subtree.")] = None,
) -> None:
    """Show a project's task tree with status, estimates, time spent and roll-ups."""
    from taskforge.core.errors import UnknownTask

    with open_reader(db) as repo:
        tree = repo.load(project)
    if task is not None and task not in tree:
        raise UnknownTask(project, task)
    if as_json:
        from taskforge.export.taskforge_json import document

        return out_json(document(tree, task, with_version=True))
    from taskforge.core.schedule import schedule
    from taskforge.present import critical_path_line, project_tree

    plan = schedule(tree)
    out(project_tree(tree, task, plan.critical))
    footer = critical_path_line(plan)
    if footer is not None:
        out(footer)


@app.command("apply")
@handle_errors
def apply_command(
    project: Annotated[str, typer.Argument(help="The project's id (a new one is created by a patch at version 0).")],
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="A patch document, or - for standard input.")],
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and print the diff; write nothing.")] = False,
    task: Annotated[
        str | None, typer.Option("--task", help="Task mode: every operation must stay inside this task's subtree.")
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="Why: kept in the history.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Validate a patch document and apply it (all or nothing)."""
    from taskforge import actions
    from taskforge.present import diff_text

    path, text = read_input(source)
    patch = actions.read_patch(text, project)
    # Cleaned at the door: the history keeps text, never terminal control (-m, a file name).
    message = clean_line(message) or (f"apply {clean_line(path.name)}" if path else "apply -")
    provenance = actions.provenance(message, "manual")
    with open_repo(db, create=not dry_run) if not dry_run else _maybe_repo(db) as repo:
        shown, applied = actions.apply_document(repo, patch, focus=task, provenance=provenance, dry_run=dry_run)
    if applied is not None:
        _state.committed = applied_summary(applied)
    if as_json:
        if applied is None:
            return out_json({"valid": True, "applied": False, "patch": patch.to_dict()})
        return out_json(record_json(applied.record) | {"key_map": applied.key_map})
    if applied is None:
        out(diff_text(shown.entries, patch.rationale))
        return echo("Dry run: the patch is valid; nothing was written.")
    out(diff_text(shown.entries, patch.rationale, limit=MAX_DIFF_ENTRIES, more="see `taskforge history --json`"))
    echo(applied_summary(applied))


def _maybe_repo(db: str | None):
    """The database for a read that must not create one: an empty in-memory stand-in when missing."""
    from taskforge.core.errors import NoDatabase
    from taskforge.store.repository import SqlRepository

    try:
        return open_repo(db, create=False)
    except NoDatabase:
        return SqlRepository.open("sqlite://")


@app.command("approve")
@handle_errors
def approve_command(project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None) -> None:
    """Approve the plan: the project goes from draft to active."""
    from taskforge import actions

    with open_repo(db, create=False) as repo:
        applied = actions.approve(repo, project)
    _state.committed = f"Approved '{project}'"
    echo(f"Approved '{project}': it is now active (version {applied.record.version_after}).")


@app.command("history")
@handle_errors
def history_command(
    project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The audit log: every applied patch, oldest first."""
    with open_reader(db) as repo:
        records = repo.history(project)
    if as_json:
        return out_json([record_json(record) for record in records])
    if not records:
        return echo("No history yet.")
    from rich.text import Text

    from taskforge.present import history_line

    out(Text("\n").join(history_line(record) for record in records))


def record_json(record) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude={"patch", "inverse"})
    data["counts"] = record.counts()
    data["patch"] = record.patch.to_dict()
    data["inverse"] = record.inverse.to_dict()
    return data


def _step(project: str, db: str | None, undo: bool) -> None:
    from taskforge.config import current_user

    with open_repo(db, create=False) as repo:
        applied = repo.undo(project, author=current_user()) if undo else repo.redo(project, author=current_user())
    verb = "Undid" if undo else "Redid"
    record = applied.record
    _state.committed = f"{verb} #{record.target_seq} in '{project}'"
    echo(
        f"{verb} #{record.target_seq} in '{project}' (recorded as #{record.seq}): "
        f"version {record.version_before} → {record.version_after}"
    )


@app.command("undo")
@handle_errors
def undo_command(project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None) -> None:
    """Undo the latest change by applying its stored inverse (history keeps both)."""
    _step(project, db, undo=True)


@app.command("redo")
@handle_errors
def redo_command(project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None) -> None:
    """Redo the change undone most recently."""
    _step(project, db, undo=False)


@app.command("export")
@handle_errors
def export_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.json,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout (backlog: this folder).")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="Export only this task's subtree.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the -o file if it exists.")] = False,
    db: DbOption = None,
) -> None:
    """Export a project (or one subtree) in a format other tools read."""
    from taskforge import actions

    if output is not None:  # before any work: never the database itself, never a file by surprise
        actions.check_export_target(output, db or _state.db, force=force, folder=fmt.value in FOLDERS)
    with open_reader(db) as repo:
        tree = repo.load(project)
    notes: list[str] = []
    if fmt.value in FOLDERS:  # a folder of files (Backlog.md), never stdout
        if output is None:
            fail(f"{fmt.value} writes a folder: pass -o FOLDER", 2)
        written = actions.export_folder(tree, fmt.value, output, task, notes)
        for line in notes:
            note(line)
        typer.echo(clean_line(f"Wrote {len(written)} file(s) into {output} ({fmt.value})."), err=True)
        return
    text = actions.export_text(tree, fmt.value, task, notes)
    for line in notes:
        note(line)
    if output is None:
        _written(lambda: sys.stdout.write(text))
        return
    actions.write_export(output, text, db or _state.db, force=force)
    written = f"Wrote {output} ({fmt.value}, {len(tree.subtree(task)) if task else len(tree)} tasks)."
    typer.echo(clean_line(written), err=True)


@app.command("import")
@handle_errors
def import_command(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The file to import, or - for standard input.")],
    fmt: Annotated[
        ImportFormat | None, typer.Option("--format", "-f", help="Input format (default: from the file).")
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Task Master: import only this tag (default: every tag, a project each).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a new project from a file (or a Backlog.md folder), through one audited patch that can be undone."""
    from taskforge import actions

    notes: list[str] = []
    folder = Path(source) if source != "-" and Path(source).is_dir() else None
    if folder is not None or (fmt is not None and fmt.value in FOLDERS):
        if folder is None:
            fail(f"{fmt.value} imports a folder; {source} is not one", 2)
        kind = fmt.value if fmt else actions.folder_import_format(folder)
        if kind is None:
            raise TaskforgeError(f"{source} is a directory")
        with open_repo(db) as repo:
            imported = [actions.import_folder(repo, folder, kind, notes)]
    else:
        path, text = read_input(source)
        with open_repo(db) as repo:
            imported = actions.import_projects(repo, path, text, fmt.value if fmt else None, notes, tag=tag)
    _state.committed = "Imported " + ", ".join(f"'{a.tree.project.id}'" for a in imported)
    for line in notes:
        note(line)
    summaries = [import_summary(a.tree.project.id, a.tree.project.title, len(a.tree), a.tree.project.version)
                 for a in imported]
    if as_json:  # one object; a list when a file held several projects (the tags of a Task Master file)
        return out_json(summaries[0] if len(summaries) == 1 else summaries)
    for summary in summaries:
        echo(imported_line(summary))


db_app = typer.Typer(
    name="db", help="Database tools: copy projects between databases.", no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app)


@db_app.command("copy")
@handle_errors
def db_copy_command(
    src: Annotated[str, typer.Argument(metavar="SRC", help="The database to copy from (a SQLite file or a URL).")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="The database to copy to (created when missing).")],
    project: Annotated[
        list[str] | None, typer.Option("--project", "-p", help="Copy this project (repeatable; default: all).")
    ] = None,
) -> None:
    """Copy projects with their whole history (changes, undo, authors, conversation) to another database."""
    from taskforge.store.copy import copy_projects

    for copied in copy_projects(src, dst, project or ()):
        typer.echo(
            f"Copied '{copied.project_id}' (version {copied.version}): {copied.tasks} tasks, "
            f"{copied.records} changes, {copied.messages} messages."
        )

# -- agents over MCP and the review queue ----------------------------------------------------------------


@app.command("mcp")
@handle_errors
def mcp_command(
    db: DbOption = None,
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Serve only this project (the agent's default).")
    ] = None,
    http: Annotated[
        str | None,
        typer.Option("--http", metavar="HOST:PORT", help="Streamable HTTP on a loopback address instead of stdio."),
    ] = None,
) -> None:
    """Serve the plan to coding agents over MCP: they read it and propose changes you review."""
    try:
        from taskforge.mcp.server import bind_address, serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "mcp":
            raise
        fail("the MCP server needs the mcp extra: pip install 'taskforge[mcp]'")
    address = bind_address(http) if http is not None else None
    serve(db or _state.db, project, address)


@app.command("proposals")
@handle_errors
def proposals_command(
    project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The review queue: what agents proposed, oldest first, and what became of it."""
    from taskforge.mcp import queue

    with open_repo(db, create=False) as repo:
        version, found = queue.listing(repo, project)
    if as_json:
        return out_json([queue.summary(proposal, version) for proposal in found])
    if not found:
        return echo(f"No proposals for '{project}'.")
    from rich.text import Text

    from taskforge.present import proposal_line

    out(Text("\n").join(proposal_line(proposal, version) for proposal in found))


@app.command("review")
@handle_errors
def review_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    proposal_id: Annotated[int, typer.Argument(metavar="ID", help="The proposal's number (see `taskforge proposals`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply it without asking.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject it: nothing is written.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why it was rejected (the agent reads it).")] = None,
    db: DbOption = None,
) -> None:
    """Review an agent's proposal: show its diff and apply it when you say so, or reject it."""
    from taskforge.config import current_user
    from taskforge.core.patches import PatchError
    from taskforge.core.proposals import ProposalState
    from taskforge.mcp import queue

    if yes and reject:
        fail("--yes and --reject contradict each other", 2)
    if note is not None and not reject:
        fail("--note goes with --reject", 2)
    with open_repo(db, create=False) as repo:
        if reject:
            queue.reject(repo, proposal_id, note or "", by=current_user(), project_id=project)
            _state.committed = f"Rejected proposal #{proposal_id}"
            return echo(f"Rejected proposal #{proposal_id} of '{project}': nothing was written.")
        review = queue.open_review(repo, proposal_id, project)
        if review.state in (ProposalState.ACCEPTED, ProposalState.REJECTED):
            raise BadInput(queue.decided_text(review.queued))
        if review.proposal is None:
            fail(
                f"proposal #{proposal_id} no longer applies to '{project}' (version {review.version}): "
                f"{PatchError(review.problems).summary()}; reject it with --reject", 1,
            )
        proposal = review.proposal
        if review.state is ProposalState.STALE:
            note_line = f"proposal #{proposal_id} was made on version {review.queued.base_version}; re-based on version {review.version}"
            say(note_line)
        _show_proposal(proposal)
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        if not (yes or (interactive and typer.confirm("Apply?", default=False))):
            return echo("Nothing applied; the proposal stays in the queue." + ("" if interactive else " Run again with --yes to apply."))
        applied = _commit(lambda: queue.accept(repo, review, None, by=current_user()),
                          f"run `taskforge review {project} {proposal_id}` again")
    echo(applied_summary(applied))


agents_app = typer.Typer(
    name="agents", help="What agents (over MCP) may do in a project without review.", no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(agents_app)


class Permission(StrEnum):
    progress = "progress"


@agents_app.command("allow")
@handle_errors
def agents_allow_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    permission: Annotated[Permission, typer.Argument(help="progress: agents' progress reports apply at once.")],
    db: DbOption = None,
) -> None:
    """Let agents do this without review (each change is still audited and can be undone)."""
    from taskforge.config import current_user
    from taskforge.mcp import queue

    with open_repo(db, create=False) as repo:
        changed = queue.allow(repo, project, permission.value, current_user())
    echo(f"Agents' {permission.value} reports {'now apply' if changed else 'already applied'} at once in '{project}'.")


@agents_app.command("deny")
@handle_errors
def agents_deny_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    permission: Annotated[Permission, typer.Argument(help="progress: agents' progress reports wait for review.")],
    db: DbOption = None,
) -> None:
    """Send this back to the review queue."""
    from taskforge.mcp import queue

    with open_repo(db, create=False) as repo:
        changed = queue.deny(repo, project, permission.value)
    echo(f"Agents' {permission.value} reports {'now wait' if changed else 'already waited'} for review in '{project}'.")


remote_app = typer.Typer(
    name="remote", help="Trackers a project syncs with (GitLab, Linear).", no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(remote_app)


@remote_app.command("add")
@handle_errors
def remote_add_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    name: Annotated[str, typer.Argument(help="A name for the remote, e.g. gitlab.")],
    kind: Annotated[str, typer.Option("--kind", help="gitlab or linear.")],
    url: Annotated[str, typer.Option("--url", help="The service's base URL (a self-hosted GitLab works).")],
    target: Annotated[str, typer.Option("--target", help="GitLab project id or path; Linear team key or id.")],
    token_env: Annotated[
        str | None, typer.Option("--token-env", help="Variable holding the token (GITLAB_TOKEN, LINEAR_API_KEY).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Store a remote for a project. The token stays in the environment: never stored or printed."""
    from taskforge.sync import remotes

    with open_repo(db) as repo:
        remote = remotes.add(repo.engine, project, name, kind, url, target, token_env)
    echo(f"Added remote '{remote.name}' ({remote.service} {remote.url}, {remote.target}) to '{project}'; "
         f"the token is read from ${remote.token_env} when you push or pull.")


@remote_app.command("list")
@handle_errors
def remote_list_command(
    project: Annotated[str, typer.Argument(help="The project's id.")], db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """The project's remotes."""
    from taskforge.sync import remotes, store

    with open_repo(db, create=False) as repo:
        found = store.remotes(repo.engine, project)
    if as_json:
        return out_json([remotes.to_dict(remote) for remote in found])
    if not found:
        return echo(f"'{project}' has no remotes (add one with `taskforge remote add`).")
    for remote in found:
        echo(f"{remote.name}\t{remote.kind}\t{remote.url}\t{remote.target}\t${remote.token_env}")


@remote_app.command("remove")
@handle_errors
def remote_remove_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    name: Annotated[str, typer.Argument(help="The remote's name.")],
    db: DbOption = None,
) -> None:
    """Forget a remote and its links (nothing changes on the service)."""
    from taskforge.sync import store

    with open_repo(db, create=False) as repo:
        count = store.remove_remote(repo.engine, project, name)
    echo(f"Removed remote '{name}' from '{project}' ({count} links forgotten).")


class _CliReporter:
    """Adapter notes as `taskforge: note: …` lines; waits as progress lines, both on stderr."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            note(text)

    def progress(self, text: str) -> None:
        say(text)


@app.command("push")
@handle_errors
def push_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    remote: Annotated[str, typer.Argument(help="The remote's name (see `taskforge remote list`).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send nothing.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send what changed here since the last sync: new items, changed fields, closed items."""
    from taskforge.present import push_text
    from taskforge.sync.engine import open_sync, push

    reporter = _CliReporter()
    with open_repo(db, create=False) as repo:
        report = push(open_sync(repo, project, remote, reporter), dry_run=dry_run)
    report.notes = reporter.notes
    if as_json:
        out_json(report.to_dict())
    else:
        out(push_text(report))
    if report.failure:
        fail(report.failure + " (the links of everything already pushed are kept: push again to resume)")


@app.command("pull")
@handle_errors
def pull_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    remote: Annotated[str, typer.Argument(help="The remote's name (see `taskforge remote list`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (conflicts keep the local value).")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Turn what changed on the service since the last sync into a patch, show it, and apply it when you say so."""
    from taskforge.sync.engine import accept_pull, open_sync, pull, reject_pull

    reporter = _CliReporter()
    with open_repo(db, create=False) as repo:
        sync = open_sync(repo, project, remote, reporter)
        pulled = pull(sync)
        proposal = pulled.proposal
        if proposal is None:
            accept_pull(sync, pulled)
            if as_json:
                return out_json({"project_id": project, "remote": remote, "patch": None, "conflicts": [], "applied": None})
            return echo(f"Nothing to pull: '{project}' has every change from {sync.adapter.service}.")
        if not as_json:
            _show_proposal(proposal)
        conflicts = sorted(pulled.conflict_ops)
        interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()
        applied = None
        if yes or (interactive and typer.confirm("Apply?", default=False)):
            kept = None
            if conflicts and interactive and not yes:
                total = len(proposal.patch.task_patches)
                if typer.confirm(
                    f"Take {sync.adapter.service}'s value for the {len(conflicts)} conflicting operation(s) too?",
                    default=False,
                ):
                    kept = range(total)
            applied = _commit(lambda: accept_pull(sync, pulled, kept), f"run `taskforge pull {project} {remote}` again")
        else:
            reject_pull(sync, pulled)
    if as_json:
        result = None if applied is None else record_json(applied.record) | {"key_map": applied.key_map}
        return out_json(proposal.to_dict() | {"conflicts": pulled.conflicts, "conflict_ops": conflicts,
                                              "applied": result})
    if applied is None:
        echo("Nothing applied." + ("" if sys.stdin.isatty() else " Run again with --yes to apply."))
    else:
        echo(applied_summary(applied))


@app.command("next")
@handle_errors
def next_command(
    project: Annotated[str, typer.Argument(help="The project's id.")],
    show_all: Annotated[bool, typer.Option("--all", help="Every actionable task, best first.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The task to do next (critical path first, then priority, then plan order), and why."""
    from taskforge.core.schedule import schedule

    with open_reader(db) as repo:
        tree = repo.load(project)
    plan = schedule(tree)
    found = list(plan.actionable if show_all else plan.actionable[:1])
    if as_json:
        if not found:
            say(plan.none_reason)
        data = [s.to_json() for s in found]
        return out_json(data if show_all else (data[0] if data else None))
    if not found:  # nothing to do is an answer, not an error: status 0
        return echo(f"Nothing to start: {plan.none_reason}.")
    from rich.text import Text

    from taskforge.present import suggestion_text

    out(Text("\n").join(suggestion_text(tree, s) for s in found))
user_app = typer.Typer(
    name="user", help="Users of `taskforge serve`: each signs in with a token shown once.", no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(user_app)


@user_app.command("add")
@handle_errors
def user_add_command(
    name: Annotated[str, typer.Argument(help="The user's name: the author of the changes they make in the browser.")],
    db: DbOption = None,
) -> None:
    """Make a user and print their sign-in token (its last line, alone); only its salted hash is kept."""
    from taskforge.store.users import Users
    from taskforge.web.users import add_user

    with open_repo(db) as repo:
        user, token = add_user(Users(repo.engine), name)
    _state.committed = f"Made user '{user.name}'"
    echo(f"Made user '{user.name}'. Their sign-in token, shown only this once (keep it secret):")
    echo(token)


@user_app.command("list")
@handle_errors
def user_list_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List users: name, active or revoked, since when."""
    from taskforge.core.errors import NoDatabase
    from taskforge.store.users import Users

    try:
        repo = open_repo(db, create=False)
    except NoDatabase:
        return out_json([]) if as_json else echo("No users yet (`taskforge user add NAME`).")
    with repo:
        users = Users(repo.engine).all()
    if as_json:
        return out_json([
            {"name": u.name, "active": u.active, "created_at": u.created_at.isoformat(),
             "revoked_at": u.revoked_at.isoformat() if u.revoked_at else None}
            for u in users
        ])
    if not users:
        return echo("No users yet (`taskforge user add NAME`).")
    for u in users:
        state = "active" if u.active else f"revoked {u.revoked_at:%Y-%m-%d %H:%M} UTC"
        echo(f"{u.name}  {state}  (since {u.created_at:%Y-%m-%d %H:%M} UTC)")


@user_app.command("revoke")
@handle_errors
def user_revoke_command(name: Annotated[str, typer.Argument(help="The user to revoke.")], db: DbOption = None) -> None:
    """Revoke a user: their token stops working and their open browser tabs are closed within seconds."""
    from taskforge.store.users import Users

    with open_repo(db, create=False) as repo:
        Users(repo.engine).revoke(name)
    _state.committed = f"Revoked user '{name}'"
    echo(f"Revoked user '{name}': their token no longer signs in, and their open tabs close.")


@app.command("serve")
@handle_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8765,
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="The URL people open (behind a proxy: https://…).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the TUI in web browsers: one app process per tab, behind sign-in."""
    try:
        from taskforge.web.serve import serve
    except ImportError as exc:
        fail(f"taskforge serve needs the web extra ({exc.name} is missing): pip install 'taskforge[web]'")
    serve(db or _state.db, host, port, public_url, echo=echo, warn=lambda line: typer.echo(f"taskforge: {line}", err=True))


def main() -> None:
    if any(arg in app_commands() - LONG_RUNNING for arg in sys.argv[1:]):
        # A command is a short-lived process: reference counting frees what it drops, and the cyclic
        # collector would only rescan, again and again, the thousands of task objects it builds (a
        # fifth of an import's time). The TUI, a long-lived process, keeps it.
        gc.disable()
    app()


LONG_RUNNING = {"mcp", "serve"}  # servers keep the cyclic collector: they live as long as the TUI does


def app_commands() -> set[str]:
    return {command.name or command.callback.__name__ for command in app.registered_commands}
