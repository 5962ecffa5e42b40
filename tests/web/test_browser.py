"""End to end in a real headless browser (Debian's /usr/bin/chromium driven by Playwright): sign in with a
token, plan and accept with the keyboard, and find the change in the database with the signed-in user as
its author; two users in two browsers on one database see each other's changes as they happen.

The terminal is drawn on a canvas, so nothing here reads the DOM: the tests wait on the bytes the page
receives over its websocket (what xterm.js paints), and check the database and a screenshot.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="the web extra is not installed (pip install 'taskforge[web]')")
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (the test extra)")

from taskforge.agent.offline import OfflinePlanner  # noqa: E402
from taskforge.agent.service import AgentService  # noqa: E402
from taskforge.core.models import Mode  # noqa: E402
from taskforge.store.repository import SqlRepository  # noqa: E402
from taskforge.store.users import Users  # noqa: E402
from taskforge.web.users import add_user  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's services.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
    reason="Chromium is not installed (Debian package chromium; .ci/run installs it)",
)


@dataclass
class Server:
    url: str
    db: Path
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """`taskforge serve` as a user starts it, on a free port, with users alice and bob."""
    folder = Path(tempfile.mkdtemp(prefix="taskforge-web-"))
    db = folder / "team.db"
    with SqlRepository.open(str(db)) as repo:
        users = Users(repo.engine)
        tokens = {name: add_user(users, name)[1] for name in ("alice", "bob")}
    process = subprocess.Popen(
        [sys.executable, "-m", "taskforge", "serve", "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = process.stdout.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+)/", first)
        assert found, first + process.stderr.read()
        yield Server(found.group(1), db, tokens)
    finally:
        process.terminate()
        process.communicate(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright.sync_playwright() as driver:
        # Playwright's launch() gives Chromium a fresh temporary profile of its own each time.
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


class Tab:
    """One signed-in browser tab, and the text of everything its terminal was sent."""

    def __init__(self, browser, server: Server, user: str, ready: str, form: bool = False):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.received: list[str] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        if form:  # as a person would: open the site, land on the sign-in page, paste the token
            self.page.goto(f"{server.url}/")
            assert self.page.url == f"{server.url}/login"
            self.page.fill("#token", server.tokens[user])
            with self.page.expect_navigation():
                self.page.click("button[type=submit]")
        else:
            self.page.goto(f"{server.url}/login?token={server.tokens[user]}")
        assert self.page.url == f"{server.url}/"
        self.page.wait_for_selector("body.-first-byte", timeout=60_000)  # the app's first frame arrived
        self.page.focus(".xterm-helper-textarea")  # xterm.js takes keys through this hidden textarea
        self.wait_for(ready)  # the store is open and the chat takes keys: nothing typed is lost
        self.settle()

    def _frame(self, payload) -> None:
        self.received.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload)

    def wait_for(self, words: str, timeout: float = 60, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while words not in ANSI.sub("", "".join(self.received[since:])):
            if time.monotonic() > deadline:
                self.page.screenshot(path=f"/tmp/wt-web-fail-{id(self)}.png")
                raise AssertionError(f"{words!r} never reached the page")
            self.page.wait_for_timeout(100)

    def settle(self, quiet: float = 0.4, timeout: float = 30) -> None:
        """Wait until the app has drawn what it had to (no new frame for `quiet` seconds)."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.received), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            if len(self.received) != seen:
                seen, since = len(self.received), time.monotonic()

    def press(self, key: str) -> None:
        """A key whose effect (a focus change, a modal) must land before the next key is typed."""
        mark = len(self.received)
        self.page.keyboard.press(key)
        deadline = time.monotonic() + 30
        while len(self.received) == mark and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
        self.settle()

    def say(self, message: str) -> None:
        """Type a message into the chat and send it; the review of its proposal opens."""
        mark = len(self.received)
        self.page.keyboard.type(message)
        self.wait_for(message, since=mark)  # echoed in the chat's input
        mark = len(self.received)
        self.page.keyboard.press("Enter")
        deadline = time.monotonic() + 60
        while "Review proposal" not in ANSI.sub("", "".join(self.received[mark:])):
            if time.monotonic() > deadline:
                raise AssertionError(f"no review after {message!r}")
            self.page.wait_for_timeout(100)

    def close(self) -> None:
        self.context.close()


def _until(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        time.sleep(0.1)
    return result


def png_colours(data: bytes) -> dict[tuple[int, ...], int]:
    """How many pixels of each colour an 8-bit RGB(A) PNG holds (what Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    previous = bytearray(stride)
    counts: dict[tuple[int, ...], int] = {}
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                nearest = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
                line[i] = (line[i] + nearest) & 255
        for i in range(0, stride, size * 8):  # every 8th pixel is plenty to tell a painted page from a blank one
            pixel = tuple(line[i:i + 3])
            counts[pixel] = counts.get(pixel, 0) + 1
        previous = line
    return counts


def _authors(db: Path, project: str) -> list[str | None]:
    with SqlRepository.open(str(db)) as repo:
        return [record.author for record in repo.history(project)]


def test_sign_in_plan_and_accept_with_the_keyboard_and_the_change_is_the_signed_in_users(browser, server, tmp_path):
    tab = Tab(browser, server, "alice", ready="No project yet")
    try:
        tab.say("Launch a community podcast")
        tab.page.keyboard.press("a")
        project = _until(lambda: next((p.id for p in _projects(server.db) if p.title == "Launch a community podcast"), None))
        assert _authors(server.db, project) == ["alice"]
        tab.wait_for("Launch a community podcast")
        shot = tab.page.screenshot(type="png")
        (tmp_path / "browser.png").write_bytes(shot)
    finally:
        tab.close()
    colours = png_colours(shot)
    commonest = max(colours.values())
    assert len(colours) > 8 and commonest < 0.95 * sum(colours.values())  # a painted terminal, not a blank page


def _projects(db: Path):
    with SqlRepository.open(str(db)) as repo:
        return repo.projects()


def test_two_users_in_two_browsers_see_each_others_changes_with_the_right_author(browser, server):
    with SqlRepository.open(str(server.db)) as repo:  # a project both tabs open (the latest one)
        service = AgentService(repo, OfflinePlanner())
        project = service.accept(service.propose(None, Mode.PROJECT, None, "Plan the team offsite")).tree.project.id
    alice, bob = Tab(browser, server, "alice", ready="Plan the team offsite"), Tab(browser, server, "bob", ready="Plan the team offsite", form=True)
    try:
        for tab in (alice, bob):
            tab.press("i")  # with a project open the tree has the focus: `i` goes to the chat
        bob.say("add Book the venue")
        bob.page.keyboard.press("a")
        alice.wait_for("bob applied change #2: add Book the venue")  # live refresh, in alice's browser
        alice.say("add Order the catering")
        alice.page.keyboard.press("a")
        bob.wait_for("alice applied change #3: add Order the catering")
    finally:
        alice.close()
        bob.close()
    assert _authors(server.db, project)[1:] == ["bob", "alice"]
