"""Reliability of the TUI path: crash safety, two sessions on one project, and hostile text on the screen.

a. The real, installed app runs in tmux on a database holding a 3,300-task project; ctrl+z (undo) or
   ctrl+y (redo) starts a 3,300-operation write, and the app is killed with SIGKILL at a random moment
   (seeded: replay with TASKFORGE_TUI_CRASH_SEED), or, every other time, at a random moment inside its
   write transaction. The database must then pass `PRAGMA integrity_check` and hold exactly the tree
   before the write or exactly the tree after it (`Tree.snapshot()`), never anything in between.
   tests/store/test_crash_safety.py does the same for `taskforge apply`; this is the TUI's write path.
b. Two `TaskforgeApp`s on one SQLite file, interleaved: a stale review is refused with the version
   conflict in the modal and nothing written, and a stale direct edit is told and reloads.
c. Markup, links, click actions, ANSI/OSC sequences and control characters in what users and planners
   write: shown literally (control characters stripped) in the chat, the detail strip, the project bar,
   the task-mode bar, the project picker and the history screen, and nothing fires when they are clicked
   or enter is pressed on them. The tree labels and the review modal's rows have their own tests
   (test_app.py, test_diff_review.py).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.planner import Draft, PlanReply
from taskforge.core.history import Provenance
from taskforge.core.models import MAX_DEPTH, Mode, Project, Status
from taskforge.core.patches import Op, ProjectPatch, TaskFields, TaskPatch
from taskforge.present import MESSAGE_WIDTH, shorten
from taskforge.store.repository import SqlRepository
from taskforge.tui.app import TaskforgeApp
from taskforge.tui.diff_review import CONFLICT, DiffReview
from taskforge.tui.history import HistoryScreen
from taskforge.tui.projects import ProjectPicker
from tests.generators import generated_patch
from tests.store.test_crash_safety import assert_sound, in_write_transaction

from .conftest import notifications, say, settle

# =====================================================================================================
# a. SIGKILL while the TUI writes
# =====================================================================================================

TASKFORGE = Path(sys.executable).with_name("taskforge")  # the installed console script, as a user runs it
PROJECT = "crash"
SEED_TASKS = 300
BIG_CREATES = 3_000  # plus an update of every seed task: a 3,300-operation write either way
KILLS = int(os.environ.get("TASKFORGE_TUI_CRASH_KILLS", "8"))
WINDOW = 1.2  # random kill moments are drawn from [0, WINDOW × the time from the key to the commit]
STEP_TIMEOUT = 60  # seconds for any one thing to show on the screen
# Read at import, before conftest's fixture clears TASKFORGE_* variables for the test itself.
SEED = int(os.environ.get("TASKFORGE_TUI_CRASH_SEED", "20250314"))

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it: see .ci/run)")
needs_installed_app = pytest.mark.skipif(not TASKFORGE.exists(), reason=f"no taskforge next to {sys.executable}")


class Terminal:
    """A private tmux server (its socket in a temporary directory) running the real app in 120x36 panes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket_dir = root
        if len(str(root / "tmux.sock")) >= 100:  # a socket path must fit in 108 bytes
            self.socket_dir = Path(tempfile.mkdtemp(prefix="tf-tmux-", dir="/tmp"))
        self.socket = self.socket_dir / "tmux.sock"
        self.conf = root / "tmux.conf"
        self.conf.write_text("set -g status off\nset -g exit-empty off\n")  # the pane is the whole 120x36
        self.home = root / "home"
        self.home.mkdir()

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", str(self.conf), *args],
            capture_output=True, text=True, timeout=30,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(self, name: str, db: Path) -> int:
        """Start `taskforge --db db` in session `name`, with none of the user's environment; its pid."""
        env = [
            f"HOME={self.home}", f"XDG_CONFIG_HOME={self.home}/.config", f"XDG_DATA_HOME={self.home}/.local/share",
            f"TASKFORGE_CONFIG={self.home}/no-config.toml", "PATH=/usr/local/bin:/usr/bin:/bin",
            "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
        ]
        # env -i execs the app, so the pane's process is the app itself: its pid is the one to kill.
        self.tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "36", "--",
                  "env", "-i", *env, str(TASKFORGE), "--db", str(db))
        return int(self.tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name, check=False)

    def wait_for(self, name: str, *texts: str, timeout: float = STEP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            shot = self.screen(name)
            missing = [text for text in texts if text not in shot]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{missing[0]!r} was not on the screen of {name} after {timeout}s:\n{shot}")
            time.sleep(0.02)

    def keys(self, name: str, *keys: str) -> None:
        self.tmux("send-keys", "-t", name, *keys)

    def close(self, name: str) -> None:
        self.tmux("kill-session", "-t", name, check=False)

    def shutdown(self) -> None:
        self.tmux("kill-server", check=False)
        self.socket.unlink(missing_ok=True)
        if self.socket_dir != self.root:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


@pytest.fixture
def terminal(tmp_path: Path):
    term = Terminal(tmp_path)
    yield term
    term.shutdown()


# -- looking at the app and its database from outside (the ideas of tests/store/test_crash_safety.py) ------


def wait_for_write_lock(pid: int, db: Path, timeout: float) -> float | None:
    """Poll until `pid` holds the write lock on `db`: the moment it was seen (None: never, or cannot tell)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = in_write_transaction(pid, db)
        if held is None:
            return None
        if held:
            return time.monotonic()
        time.sleep(0.0005)
    return None


def wait_dead(pid: int, timeout: float = 10) -> None:
    """Until `pid` has exited (a zombie counts: its files are closed and its locks released)."""
    deadline = time.monotonic() + timeout
    stat = Path(f"/proc/{pid}/stat")
    if not Path("/proc/self/stat").exists():
        time.sleep(0.5)
        return
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.005)
    raise AssertionError(f"process {pid} still alive {timeout}s after SIGKILL")


@dataclass(frozen=True)
class State:
    version: int
    records: int
    tasks: int
    snapshot: tuple

    def __str__(self) -> str:
        return f"version {self.version}, {self.records} records, {self.tasks} tasks"


def inspect_db(db: Path) -> State:
    """Integrity and foreign keys with the stdlib driver (which recovers the WAL as any reader would),
    then the project as the repository loads it."""
    connection = sqlite3.connect(db, timeout=5)
    try:
        assert_sound(connection, db)
        records = connection.execute("SELECT count(*) FROM patch_record WHERE project_id = ?", (PROJECT,)).fetchone()[0]
    finally:
        connection.close()
    repo = SqlRepository.open(str(db), create=False)
    try:
        tree = repo.load(PROJECT)
    finally:
        repo.close()
    return State(tree.project.version, records, len(tree), tree.snapshot())


def fold_wal(db: Path) -> None:
    """Checkpoint the WAL into the main file, so that copying that one file copies the whole database."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    connection.close()
    assert not Path(f"{db}-wal").exists()


def big_patch(tree, rng: random.Random) -> ProjectPatch:
    """An update of every seed task, then BIG_CREATES creates under random parents shallower than MAX_DEPTH."""
    ops = [
        TaskPatch(op=Op.UPDATE, task_id=key, body=TaskFields(title=f"Updated {key}", status=rng.choice(list(Status))))
        for key in tree.tasks
    ]
    parents = [(key, tree.depth(key)) for key in tree.tasks if tree.depth(key) < MAX_DEPTH]
    for n in range(BIG_CREATES):
        parent, depth = rng.choice(parents)
        ops.append(TaskPatch(op=Op.CREATE, task_id=f"c{n}", body=TaskFields(title=f"Created {n}", parent_task_id=parent)))
        if depth + 1 < MAX_DEPTH:
            parents.append((f"c{n}", depth + 1))
    return ProjectPatch(project_id=PROJECT, base_version=tree.project.version, rationale="a big one", task_patches=ops)


@dataclass(frozen=True)
class Scenario:
    name: str
    source: Path  # the database as the app finds it (one file, no WAL)
    key: str  # what the user presses
    ready: str  # on the screen once the project is shown
    done: tuple[str, ...]  # on the screen once the write is shown
    before: State
    after: State


def build_scenarios(root: Path, rng: random.Random) -> list[Scenario]:
    """Seed (300 tasks), then the big change (3,300 tasks): ctrl+z undoes it; after an undo, ctrl+y redoes it."""
    db = root / "build.db"
    repo = SqlRepository.open(str(db))
    repo.create_project(Project(id=PROJECT, title="Crash"), generated_patch(PROJECT, SEED_TASKS), Provenance(message="seed"))
    repo.apply_patch(big_patch(repo.load(PROJECT), rng), mode=Mode.EDIT, provenance=Provenance(message="a big change"))
    repo.close()
    fold_wal(db)
    undo_source = root / "undo-source.db"
    shutil.copyfile(db, undo_source)
    big = inspect_db(db)
    repo = SqlRepository.open(str(db))
    repo.undo(PROJECT)
    repo.close()
    fold_wal(db)
    redo_source = root / "redo-source.db"
    shutil.copyfile(db, redo_source)
    seed = inspect_db(db)
    repo = SqlRepository.open(str(db))
    repo.redo(PROJECT)
    repo.close()
    redone = inspect_db(db)
    assert (big.tasks, seed.tasks) == (SEED_TASKS + BIG_CREATES, SEED_TASKS)
    assert seed.snapshot != big.snapshot and redone.snapshot == big.snapshot
    total, small = f"Tasks ({big.tasks})", f"Tasks ({seed.tasks})"
    return [
        Scenario("undo", undo_source, "C-z", total, ("Undid change #2.", small), big, seed),
        Scenario("redo", redo_source, "C-y", small, ("Redid change #2.", total), seed, redone),
    ]


def measure(terminal: Terminal, scenario: Scenario, db: Path) -> tuple[float, float | None]:
    """One write to the end, in the app: (seconds from the key to the commit, seconds in the write transaction)."""
    pid = terminal.start(f"full-{scenario.name}", db)
    terminal.wait_for(f"full-{scenario.name}", scenario.ready)
    pressed = time.monotonic()
    terminal.keys(f"full-{scenario.name}", scenario.key)
    locked = wait_for_write_lock(pid, db, STEP_TIMEOUT)
    released = None
    while locked is not None and time.monotonic() - locked < STEP_TIMEOUT:
        if not in_write_transaction(pid, db):
            released = time.monotonic()
            break
        time.sleep(0.0005)
    terminal.wait_for(f"full-{scenario.name}", *scenario.done)
    committed = (released or time.monotonic()) - pressed
    terminal.close(f"full-{scenario.name}")
    wait_dead(pid)
    state = inspect_db(db)
    assert state == scenario.after, f"{scenario.name} finished in the app but the database is at {state}"
    return committed, (released - locked) if locked is not None and released is not None else None


@needs_tmux
@needs_installed_app
def test_sigkill_while_the_tui_writes_leaves_the_old_or_the_new_tree(tmp_path: Path, terminal: Terminal) -> None:
    began = time.monotonic()
    rng = random.Random(SEED)
    print(f"\nTUI crash-safety seed: {SEED} (replay with TASKFORGE_TUI_CRASH_SEED={SEED})")
    scenarios = build_scenarios(tmp_path, rng)

    timings: dict[str, tuple[float, float | None]] = {}
    for scenario in scenarios:
        db = tmp_path / f"full-{scenario.name}.db"
        shutil.copyfile(scenario.source, db)
        timings[scenario.name] = measure(terminal, scenario, db)
        full, writing = timings[scenario.name]
        print(f"{scenario.name} of 3,300 operations in the app: committed {full:.3f} s after the key"
              + (f", {writing:.3f} s of it in the write transaction" if writing is not None else ""))

    outcomes: list[tuple[str, float, str, str]] = []  # (scenario, kill moment, fate, "old"/"new")
    recovered = False
    can_see_locks = Path("/proc/locks").exists()

    def covered() -> bool:
        olds = any(state == "old" for *_, state in outcomes)
        mid_write = any(fate == "killed mid-write" for _, _, fate, _ in outcomes) or not can_see_locks
        return olds and mid_write

    n = -1
    # KILLS runs always; on a loaded machine timings shift, so keep going (up to 3×) until every path is covered.
    while (n := n + 1) < KILLS or (not covered() and n < 3 * KILLS):
        scenario = scenarios[n % 2]
        full, writing = timings[scenario.name]
        aimed = (n // 2) % 2 == 1 and writing is not None  # every other pair: inside the write transaction
        delay = rng.uniform(0, writing) if aimed else rng.uniform(0, WINDOW * full)
        name = f"kill-{n}"
        db = tmp_path / f"{name}.db"
        shutil.copyfile(scenario.source, db)
        pid = terminal.start(name, db)
        terminal.wait_for(name, scenario.ready)
        started = time.monotonic()
        terminal.keys(name, scenario.key)
        if aimed:
            started = wait_for_write_lock(pid, db, STEP_TIMEOUT) or started
        time.sleep(max(0.0, started + delay - time.monotonic()))  # the random moment itself, not a wait for the UI
        mid_write = bool(in_write_transaction(pid, db))
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        fate = "killed mid-write" if mid_write else "killed"
        state = inspect_db(db)
        assert state in (scenario.before, scenario.after), (
            f"run {n} ({scenario.name}, seed {SEED}, {fate} {delay:.3f} s after "
            f"{'taking the lock' if aimed else 'the key'}): torn state {state}; "
            f"expected {scenario.before} or {scenario.after}"
        )
        outcomes.append((scenario.name, delay, fate, "old" if state == scenario.before else "new"))
        if state == scenario.before and not recovered and (mid_write or not can_see_locks):
            # A database whose writer died holding the lock is still usable: the same step works on it now.
            repo = SqlRepository.open(str(db))
            try:
                (repo.undo if scenario.name == "undo" else repo.redo)(PROJECT)
            finally:
                repo.close()
            assert inspect_db(db) == scenario.after
            recovered = True
        terminal.close(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    summary = ", ".join(f"{s}@{delay:.3f}s:{fate}/{state}" for s, delay, fate, state in outcomes)
    print(f"outcomes: {summary}")
    print(f"TUI crash-safety total: {time.monotonic() - began:.1f} s")
    assert any(state == "old" for *_, state in outcomes), (
        f"no kill landed before the write committed (seed {SEED}): the test proved nothing. Outcomes: {summary}"
    )
    if can_see_locks:
        assert any(fate == "killed mid-write" for _, _, fate, _ in outcomes), (
            f"no kill landed inside the write transaction (seed {SEED}): the rollback path went untested: {summary}"
        )


# =====================================================================================================
# b. Two sessions on one project
# =====================================================================================================


def titles(repo: SqlRepository, project: str) -> list[str]:
    return [task.title for task in repo.load(project).tasks.values()]


def shown_titles(app) -> list[str]:
    return [app.main_screen.project_tree[node.data].title for node in app.main_screen.task_tree.root.children]


async def test_two_sessions_a_stale_review_is_refused_then_replanned_and_a_stale_edit_reloads(tmp_path, seeded):
    db = str(tmp_path / "tui.db")  # the file conftest's `repo` (and so `seeded`) is on
    one, two, outside = SqlRepository.open(db), SqlRepository.open(db), SqlRepository.open(db)
    # Not live: these sessions must miss each other's changes until they write (live refresh has its own tests).
    first = TaskforgeApp(repo=one, planner=OfflinePlanner(), live=False)
    second = TaskforgeApp(repo=two, planner=OfflinePlanner(), live=False)
    try:
        async with first.run_test(size=(120, 40)) as p1, second.run_test(size=(120, 40)) as p2:
            await settle(p1)
            await settle(p2)
            assert first.main_screen.project_id == second.main_screen.project_id == seeded

            await say(p1, "Add a task for documentation")  # session 1 reviews...
            assert isinstance(first.screen, DiffReview)
            await say(p2, "Add a task for testing")  # ...while session 2 proposes and accepts
            assert isinstance(second.screen, DiffReview)
            await p2.press("a")
            await settle(p2)
            assert not isinstance(second.screen, DiffReview)
            version = outside.load(seeded).project.version
            records = len(outside.history(seeded))
            assert "Testing" in titles(outside, seeded) and "Testing" in shown_titles(second)

            await p1.press("a")  # session 1's proposal was made on the version before
            await settle(p1)
            assert isinstance(first.screen, DiffReview), "a stale proposal must not close the review"
            error = first.screen.query_one("#review-error", Static)
            assert error.display and error.content.plain == CONFLICT
            assert (outside.load(seeded).project.version, len(outside.history(seeded))) == (version, records)
            assert "Documentation" not in titles(outside, seeded)

            await p1.press("escape")
            await settle(p1)
            assert not isinstance(first.screen, DiffReview)
            await say(p1, "Add a task for documentation")  # planned again, on the project as it is now
            assert isinstance(first.screen, DiffReview)
            await p1.press("a")
            await settle(p1)
            assert not isinstance(first.screen, DiffReview)
            now = outside.load(seeded)
            assert {"Testing", "Documentation"} <= set(titles(outside, seeded))
            assert now.project.version == version + 1
            # session 1 skipped a version (session 2's): it reloaded, so it shows both tasks
            assert first.main_screen.project_tree.project.version == now.project.version
            assert {"Testing", "Documentation"} <= set(shown_titles(first))

            # Session 2 is stale now. A direct edit there is refused, told, and the tree reloads.
            second.main_screen.task_tree.focus()
            second.main_screen.task_tree.cursor_line = 0
            await p2.pause()
            key = second.main_screen.task_tree.highlighted_key
            assert key is not None and second.main_screen.project_tree.project.version == version
            status = now[key].status
            await p2.press("s")
            await settle(p2)
            assert any("changed elsewhere" in message for message in notifications(second)), notifications(second)
            assert outside.load(seeded)[key].status is status  # nothing written from the stale tree
            assert len(outside.history(seeded)) == records + 1
            assert second.main_screen.project_tree.project.version == now.project.version  # reloaded...
            assert {"Testing", "Documentation"} <= set(shown_titles(second))  # ...with session 1's task
            second.main_screen.task_tree.focus()
            second.main_screen.task_tree.cursor_line = 0
            await p2.pause()
            await p2.press("s")  # and the same key works now
            await settle(p2)
            assert outside.load(seeded)[key].status is not status
            assert {"Testing", "Documentation"} <= set(titles(outside, seeded))  # nothing lost

            # Session 1 is stale again (session 2 just wrote): its undo must not take back a change it never showed.
            records = len(outside.history(seeded))
            await p1.press("ctrl+z")
            await settle(p1)
            assert len(outside.history(seeded)) == records and outside.load(seeded)[key].status is not status
            assert any("changed elsewhere" in message for message in notifications(first)), notifications(first)
            await p1.press("ctrl+z")  # now on the latest version: it undoes session 2's status change
            await settle(p1)
            assert outside.load(seeded)[key].status is status
    finally:
        for repo in (one, two, outside):
            repo.close()


# =====================================================================================================
# c. Hostile text on the screen
# =====================================================================================================

MARKUP = "[b]x[/b] [/b] [@click=app.quit]q[/] [link=http://x]y[/link]"
ESCAPES = "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07z\x1b]8;;\x07 bell\x07 nul\x00 c1\x9b2J del\x7f"
ESCAPES_SHOWN = "[31mred[0m ]8;;http://evilz]8;; bell nul c12J del"  # ESC, BEL, NUL, CSI and DEL gone
HOSTILE = f"{MARKUP} {ESCAPES}"
HOSTILE_SHOWN = f"{MARKUP} {ESCAPES_SHOWN}"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # newlines aside, nothing of this may be painted


class ScriptedPlanner:
    """Answers every message with the reply it was given: text a model could send, escape sequences and all."""

    name = "scripted"

    def __init__(self, reply: dict) -> None:
        self.reply = reply

    def plan(self, request, check, progress=None, cancel=None) -> Draft:
        return Draft(PlanReply.model_validate(self.reply), model="script-1")


HOSTILE_REPLY = {
    "rationale": f"{HOSTILE}\nsecond line {MARKUP}",
    "meta_updates": {"title": HOSTILE},
    "task_patches": [
        {"op": "create", "task_id": "h1", "body": {
            "title": HOSTILE, "description": f"{HOSTILE}\n{MARKUP}", "acceptance_criteria": [HOSTILE],
            "tags": ["[b]tag[/b]\x1b[31m"], "priority": "critical",
        }},
        {"op": "create", "task_id": "h2", "body": {"title": "Needs the hostile one", "depends_on": ["h1"]}},
    ],
}


def painted(app) -> list:
    """The current screen as it is painted: one Strip of segments per terminal line."""
    return app.screen._compositor.render_strips()


def painted_text(app) -> str:
    return "\n".join(strip.text for strip in painted(app))


def assert_inert(app) -> None:
    """Nothing on the screen carries a control character, a hyperlink or a click action."""
    for y, strip in enumerate(painted(app)):
        for segment in strip:
            assert not CONTROL.search(segment.text), f"line {y} paints a control character: {segment.text!r}"
            style = segment.style
            if style is not None:
                assert not style.link, f"line {y} paints a link to {style.link!r}: {segment.text!r}"
                actions = [key for key in (style.meta or {}) if key.startswith("@")]
                assert not actions, f"line {y} paints a click action {actions}: {segment.text!r}"


async def click_on(pilot, *needles: str) -> set[str]:
    """Click on what the screen shows of `needles`, once in each widget showing any; the widgets' ids.

    `assert_inert` already checks that no painted cell carries an action or a link; this is the user's view.
    """
    screen = pilot.app.screen
    places: dict[int, tuple[int, int]] = {}
    for y, line in enumerate(painted_text(pilot.app).split("\n")):
        for needle in needles:
            if needle in line:
                x = line.index(needle) + 1
                widget, _ = screen.get_widget_at(x, y)
                places.setdefault(id(widget), (x, y))
    clicked = set()
    for x, y in places.values():
        widget, _ = screen.get_widget_at(x, y)
        clicked.add(widget.id or type(widget).__name__)
        await pilot.click(offset=(x, y))
        assert pilot.app.is_running, f"clicking at {x},{y} on {widget} ended the app"
    await pilot.pause()
    return clicked


def chat_lines(app) -> list[str]:
    return [widget.content.plain for widget in app.query("#chat-log .message").results(Static)]


def plain(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).content.plain


@pytest.fixture
def opened(monkeypatch):
    """Every URL an app tried to open (none should be)."""
    urls: list[str] = []
    monkeypatch.setattr(TaskforgeApp, "open_url", lambda self, url, **kwargs: urls.append(url))
    return urls


async def test_a_typed_message_and_the_planners_answer_show_literally_in_the_chat(make_app, repo, seeded, opened):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, f'Add a task "{MARKUP}"')
        assert isinstance(app.screen, DiffReview)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        lines = chat_lines(app)
        assert f'You: Add a task "{MARKUP}"' in lines
        assert any(line.startswith("Planner: ") and f"“{MARKUP}”" in line for line in lines), lines
        assert_inert(app)
        # the new task, highlighted: the detail strip
        [key] = [k for k, task in repo.load(seeded).tasks.items() if task.title == MARKUP]
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(key)
        await pilot.pause()
        assert plain(app, "#detail").startswith(f"{key} {MARKUP}   todo")
        assert_inert(app)
        # chat (both messages), tree and detail strip: each place the markup shows is clicked
        assert {"tree", "detail", "Static"} <= await click_on(pilot, "[@click=app.quit]", "[link=http://x]")
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(key)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and app.screen is app.screen_stack[0]
        assert opened == []
    assert app.return_code in (None, 0)


async def test_escape_sequences_from_a_planner_are_stripped_and_markup_shown_on_every_surface(make_app, repo, seeded, opened):
    app = make_app(planner=ScriptedPlanner(HOSTILE_REPLY))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, f"Make it {MARKUP}")
        assert isinstance(app.screen, DiffReview)
        assert_inert(app)
        await pilot.press("a")
        await settle(pilot)
        tree = repo.load(seeded)
        [hostile] = [key for key, task in tree.tasks.items() if task.title == HOSTILE_SHOWN]
        [needs] = [key for key, task in tree.tasks.items() if task.title == "Needs the hostile one"]

        # the chat: the planner's rationale, escape sequences stripped, markup as typed
        assert f"Planner: {HOSTILE_SHOWN}\nsecond line {MARKUP}" in chat_lines(app)
        # the project bar: the new title
        assert f"{tree.project.title}  · version" in plain(app, "#project-bar")
        assert tree.project.title == HOSTILE_SHOWN
        # the detail strip: title, description, acceptance criteria, tags, and a dependency's title
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(hostile)
        await pilot.pause()
        detail = plain(app, "#detail")
        assert detail.startswith(f"{hostile} {HOSTILE_SHOWN}   todo · critical priority")
        assert f"\n{HOSTILE_SHOWN}\n{MARKUP}\nDone when: {HOSTILE_SHOWN}\nTags: [b]tag[/b][31m" in detail
        assert_inert(app)
        await click_on(pilot, "[@click=app.quit]", "[link=http://x]", "]8;;http://evil")
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(needs)
        await pilot.pause()
        assert f"Depends on: {hostile} {HOSTILE_SHOWN}" in plain(app, "#detail")
        app.main_screen.task_tree.reveal(hostile)
        await pilot.pause()
        await pilot.press("enter")  # on the hostile task
        await settle(pilot)
        assert app.is_running and app.screen is app.screen_stack[0]

        # task mode: the bar names the task by its title
        await pilot.press("A")
        await settle(pilot)
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.reveal(hostile)
        await pilot.pause()
        await pilot.press("d")
        assert app.main_screen.focus_key == hostile
        assert f"task {hostile}: {HOSTILE_SHOWN}" in plain(app, "#project-bar")
        assert_inert(app)
        await pilot.press("escape")
        assert app.main_screen.focus_key is None

        # the project picker
        app.main_screen.task_tree.focus()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProjectPicker)
        assert "[b]x[/b] [/b] [@click=app.quit]q[/]" in painted_text(app)
        assert_inert(app)
        await pilot.press("escape")
        await pilot.pause()

        # the history screen: title, the record's message, and its diff (rationale and titles)
        app.main_screen.task_tree.focus()
        app.main_screen.task_tree.cursor_line = 0
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert plain(app, "#history-title") == f"History — {HOSTILE_SHOWN}"
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0)[5].plain == "approve plan"  # newest first: the approval, then the change
        assert table.get_row_at(1)[5].plain == shorten(f"Make it {MARKUP}", MESSAGE_WIDTH)  # cut to the column, still literal
        await pilot.press("down")
        diff = plain(app, "#history-diff")
        assert f"\nMake it {MARKUP}\n" in diff
        assert HOSTILE_SHOWN in diff and f"second line {MARKUP}" in diff
        assert not CONTROL.search(diff.replace("\n", ""))
        assert_inert(app)
        await pilot.press("enter")  # into the diff pane
        await click_on(pilot, "[@click=app.quit]", "[link=http://x]")
        await pilot.press("enter")  # back to the list
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert opened == []
    assert app.return_code in (None, 0)

    # Opened again, the conversation comes from the database: the same text, just as clean.
    again = make_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = chat_lines(again)
        assert f"You: Make it {MARKUP}" in lines
        assert f"Planner: {HOSTILE_SHOWN}\nsecond line {MARKUP}" in lines
        assert_inert(again)
        await click_on(pilot, "[@click=app.quit]", "[link=http://x]")
        assert again.is_running and opened == []


async def test_the_echo_of_a_typed_message_drops_control_characters(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await say(pilot, f"Add a task {ESCAPES}")
        await pilot.press("escape")  # whatever was proposed: only the echo matters here
        await settle(pilot)
        echo = [line for line in chat_lines(app) if line.startswith("You: ")][-1]
        assert echo == f"You: Add a task {ESCAPES_SHOWN}"
