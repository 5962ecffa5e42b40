"""The TUI in a browser (`taskforge serve`) vs the same app in a terminal, on the 10k-task database. Reported.

* first paint: from the browser asking for the page (already signed in) to the first frame of the app
  painted on its terminal (textual.js marks the page `-first-byte` once the app's first bytes are drawn),
  against tui_probe.py's `ready` run: the terminal app's process start to its first paint (Textual's Ready).
  Both start a whole app process; the browser adds the page, its script and the websocket.
* memory per tab: the peak RSS (VmHWM) of one tab's app process once its tree is shown (no new frame for a
  second), against tui_probe.py's `tree` run: the terminal app's peak RSS until the tree is on screen.

Headless Debian Chromium through Playwright (the flags of tests/web); n/a when either is missing.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DATA,
    HERE,
    RUNS,
    NotAvailable,
    Row,
    command,
    database,
    median,
    peak_rss_mb,
    project_id,
    reported_row,
    run_figure,
)

PAINT = "browser tab: page load to first painted frame, 10k tasks vs the TUI in a terminal (start to first paint)"
MEMORY = "browser tab: RSS of its app process, 10k tasks vs the TUI in a terminal"
SIZE = 10_000
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

_state: dict = {}


def _server():
    """`taskforge serve` on a copy of the 10k-task database, with one user signed in in a browser."""
    if "page" in _state:
        return _state
    if not Path(CHROMIUM).exists():
        raise NotAvailable("Chromium is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise NotAvailable("Playwright is not installed (pip install 'taskforge[test]')") from None
    try:
        from taskforge.store.repository import SqlRepository
        from taskforge.store.users import Users
        from taskforge.web.users import add_user
    except ImportError:
        raise NotAvailable("the web extra is not installed (pip install 'taskforge[web]')") from None
    db = DATA / "web-bench.db"
    for old in DATA.glob("web-bench.db*"):
        old.unlink()
    shutil.copy(database(SIZE), db)
    with SqlRepository.open(str(db)) as repo:
        token = add_user(Users(repo.engine), "bench")[1]
    server = subprocess.Popen([sys.executable, "-m", "taskforge", "serve", "--db", str(db), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    found = re.search(r"on (http://127\.0\.0\.1:\d+)/", server.stdout.readline())
    if not found:
        server.kill()
        raise NotAvailable("taskforge serve did not start")
    driver = sync_playwright().start()
    browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{found.group(1)}/login?token={token}")
    _state.update(server=server, driver=driver, browser=browser, context=context, page=page, url=found.group(1), db=db)
    return _state


def _stop() -> None:
    if "server" in _state:
        _state["browser"].close()
        _state["driver"].stop()
        _state["server"].terminate()
        _state["server"].wait(30)


def _tab_processes(server_pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def _open_tab() -> float:
    """Open the app in the signed-in page; seconds until its first frame is painted."""
    state = _server()
    page = state["page"]
    started = time.perf_counter()
    page.goto(state["url"] + "/")
    page.wait_for_selector("body.-first-byte", timeout=120_000)
    return time.perf_counter() - started


def _close_tab() -> None:
    state = _server()
    state["page"].goto("about:blank")  # leaving the page closes its websocket: the app process ends
    deadline = time.monotonic() + 30
    while _tab_processes(state["server"].pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _probe(mode: str) -> list[str]:
    return [sys.executable, str(HERE / "tui_probe.py"), mode, "--db", str(database(SIZE)), "--project", project_id(SIZE)]


def measure_paint() -> Row:
    _server()
    terminal = command(_probe("ready"))
    browser_times: list[float] = []
    terminal_times: list[float] = []
    for round_ in range(RUNS + 1):
        seconds = _open_tab()
        _close_tab()
        started = time.perf_counter()
        terminal()
        elapsed = time.perf_counter() - started
        if round_:  # the first round warms both up
            browser_times.append(seconds)
            terminal_times.append(elapsed)
    return reported_row(PAINT, median(browser_times), median(terminal_times))


def _tab_peak_mb() -> float:
    state = _server()
    _open_tab()
    page, seen, quiet_since = state["page"], None, time.monotonic()
    # Settled: the tree is drawn once the page has had nothing new to paint for a second.
    while time.monotonic() - quiet_since < 1.0:
        shot = page.screenshot(type="jpeg", quality=30)
        if shot != seen:
            seen, quiet_since = shot, time.monotonic()
        time.sleep(0.2)
    [pid] = _tab_processes(state["server"].pid)
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    _close_tab()
    return peak


def measure_memory() -> Row:
    tab = [_tab_peak_mb() for _ in range(3)]
    terminal = [peak_rss_mb(_probe("tree")) for _ in range(3)]
    return reported_row(MEMORY, statistics.median(tab), statistics.median(terminal), unit=lambda mb: f"{mb:.0f} MB")


if __name__ == "__main__":
    try:
        run_figure(PAINT, "report", measure_paint)
        run_figure(MEMORY, "report", measure_memory)
    finally:
        _stop()
