"""The server over plain HTTP and websockets (no browser): nothing opens, and no process starts, without a
valid session from this site; sign-in answers every bad token alike; revoking a user closes their tab."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from http.cookies import SimpleCookie

import aiohttp
import pytest

from taskforge.web import auth

pytest.importorskip("textual_serve", reason="the web extra is not installed (pip install 'taskforge[web]')")

from .conftest import Served, children, start  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def sign_in(session: aiohttp.ClientSession, served: Served, token: str) -> aiohttp.ClientResponse:
    return await session.get(f"{served.url}/login", params={"token": token}, allow_redirects=False)


def cookie_of(response: aiohttp.ClientResponse) -> str:
    jar = SimpleCookie()
    jar.load(response.headers["Set-Cookie"])
    return jar[auth.SESSION_COOKIE].value


async def refused_websocket(session, url: str, **headers) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(url, headers=headers)
    return refused.value.status


async def test_without_a_session_nothing_opens_and_no_process_starts(served):
    async with aiohttp.ClientSession() as session:
        index = await session.get(served.url + "/", allow_redirects=False)
        assert index.status == 303 and index.headers["Location"] == served.url + "/login"
        assert await refused_websocket(session, served.url + "/ws", Origin=served.origin) == 401
        download = await session.get(served.url + "/download/anything", allow_redirects=False)
        assert download.status == 401
        form = await session.get(served.url + "/login")
        assert form.status == 200 and 'name="token"' in await form.text()
    assert served.server.started == 0 and not served.server.tabs and not children()


async def test_a_flood_of_cookieless_websockets_starts_nothing_and_the_server_keeps_serving(served):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as session:
        statuses = await asyncio.gather(
            *(refused_websocket(session, served.url + "/ws", Origin=served.origin) for _ in range(200))
        )
        assert set(statuses) == {401}
        assert served.server.started == 0 and not children()
        token = served.token("alice")
        assert (await sign_in(session, served, token)).status == 303  # still serving


async def test_a_good_token_sets_a_strict_httponly_cookie_and_redirects_home(served):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        response = await sign_in(session, served, token)
        assert response.status == 303 and response.headers["Location"] == served.url + "/"
        set_cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Secure" not in set_cookie
        assert token not in set_cookie
        index = await session.get(served.url + "/", headers={"Cookie": f"{auth.SESSION_COOKIE}={cookie_of(response)}"})
        page = await index.text()
        assert index.status == 200
        assert f'data-session-websocket-url="ws://{served.url.split("://")[1]}/ws"' in page
        assert "googleapis" not in page  # the page loads nothing from another site
        assert index.headers["X-Frame-Options"] == "DENY"


async def test_the_sign_in_form_posts_the_token(served):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        response = await session.post(served.url + "/login", data={"token": token}, allow_redirects=False,
                                      headers={"Origin": served.origin})
        assert response.status == 303 and auth.SESSION_COOKIE in response.headers["Set-Cookie"]
        elsewhere = await session.post(served.url + "/login", data={"token": token}, allow_redirects=False,
                                       headers={"Origin": "http://evil.example"})
        assert elsewhere.status == 403 and "Set-Cookie" not in elsewhere.headers


async def test_every_bad_token_gets_the_same_answer(served):
    good = served.token("alice")
    revoked = served.token("bob")
    served.users.revoke("bob")
    unknown = "tf_" + "0" * 12 + good[15:]
    wrong_secret = good[:15] + ("A" if good[15] != "A" else "B") + good[16:]
    bodies = set()
    async with aiohttp.ClientSession() as session:
        for token in ("", "nonsense", "tf_" + "x" * 300, unknown, wrong_secret, revoked, good + "x"):
            response = await session.get(served.url + "/login", params={"token": token}, allow_redirects=False,
                                         headers={"X-Forwarded-For": "ignored"})
            assert response.status == 403 and "Set-Cookie" not in response.headers
            bodies.add(await response.text())
    assert len(bodies) == 1 and "not valid" in bodies.pop()


async def test_forged_tampered_and_expired_cookies_are_refused(served):
    served.token("alice")
    alice = next(u for u in served.users.all() if u.name == "alice")
    forged = auth.Signer(b"k" * 32).sign("alice", alice.token_id)  # signed with a key that is not the server's
    expired = served.server.signer.sign("alice", alice.token_id, now=time.time() - 2 * auth.SESSION_SECONDS)
    good = served.server.signer.sign("alice", alice.token_id)
    payload, mac = good.split(".")
    tampered = served.server.signer.sign("mallory", alice.token_id).split(".")[0] + "." + mac
    other_token = served.server.signer.sign("alice", "0" * 12)  # a session from an earlier token of alice
    async with aiohttp.ClientSession() as session:
        for cookie in (forged, expired, tampered, other_token, "garbage", good + "x"):
            headers = {"Cookie": f"{auth.SESSION_COOKIE}={cookie}", "Origin": served.origin}
            index = await session.get(served.url + "/", headers=headers, allow_redirects=False)
            assert index.status == 303, cookie
            assert await refused_websocket(session, served.url + "/ws", **headers) == 401
        ok = await session.get(served.url + "/", headers={"Cookie": f"{auth.SESSION_COOKIE}={good}"})
        assert ok.status == 200
    assert served.server.started == 0 and not children()


async def test_a_websocket_from_another_origin_is_refused_before_any_process_starts(served):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
        for origin in ("http://evil.example", served.origin.replace("127.0.0.1", "localhost"), "null"):
            assert await refused_websocket(session, served.url + "/ws", Cookie=cookie, Origin=origin) == 403
        assert await refused_websocket(session, served.url + "/ws", Cookie=cookie) == 403  # no Origin at all
    assert served.server.started == 0 and not children()


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.05)


async def test_a_revoked_user_is_signed_out_and_their_open_tab_closed(served, db_path):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
        websocket = await session.ws_connect(served.url + "/ws?width=100&height=30",
                                             headers={"Cookie": cookie, "Origin": served.origin})
        first = await websocket.receive(timeout=60)  # the app's first frame: its process runs
        assert first.type == aiohttp.WSMsgType.BINARY
        [tab] = served.server.tabs.values()
        assert tab.pid in children()
        # Another process revokes her, as an administrator would.
        revoke = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "taskforge", "user", "revoke", "alice", "--db", str(db_path)],
            capture_output=True, text=True,
        )
        assert revoke.returncode == 0, revoke.stderr
        message = await websocket.receive(timeout=30)
        while message.type == aiohttp.WSMsgType.BINARY:  # the app's frames, until the server closes the tab
            message = await websocket.receive(timeout=30)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4001
        await _until(lambda: not served.server.tabs and tab.pid not in children())
        index = await session.get(served.url + "/", headers={"Cookie": cookie}, allow_redirects=False)
        assert index.status == 303
        assert await refused_websocket(session, served.url + "/ws", Cookie=cookie, Origin=served.origin) == 401


async def test_the_app_process_gets_its_user_and_only_the_environment_it_needs(db_path, tmp_path, monkeypatch):
    dump = tmp_path / "environment.txt"
    monkeypatch.setenv("DEPLOY_SECRET", "do-not-pass")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-pass-me")
    monkeypatch.setenv("TASKFORGE_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("TASKFORGE_USER", "the-server-operator")
    script = f"import os, pathlib; pathlib.Path({str(dump)!r}).write_text(repr(dict(os.environ)))"
    served, (runner, repo) = await start(db_path, argv=[sys.executable, "-c", script])
    try:
        token = served.token("alice")
        async with aiohttp.ClientSession() as session:
            cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
            websocket = await session.ws_connect(served.url + "/ws", headers={"Cookie": cookie, "Origin": served.origin})
            await _until(dump.exists)
            await websocket.close()
    finally:
        await runner.cleanup()
        repo.close()
    environment = eval(dump.read_text())  # noqa: S307  (our own repr of a dict of strings)
    assert environment["TASKFORGE_USER"] == "alice"
    assert environment["TASKFORGE_DB"] == f"sqlite:///{db_path}"
    assert environment["OPENAI_API_KEY"] == "sk-pass-me" and environment["TASKFORGE_MODEL"] == "openai/gpt-4o-mini"
    assert environment["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    assert "DEPLOY_SECRET" not in environment
    assert set(environment) <= {name for name in environment if re.fullmatch(r"[A-Z_a-z0-9]+", name)}


async def test_the_public_url_is_in_every_url_the_page_uses(db_path):
    served, (runner, repo) = await start(db_path, public_url="https://plans.example.com")
    try:
        token = served.token("alice")
        async with aiohttp.ClientSession() as session:
            response = await sign_in(session, served, token)
            assert response.headers["Location"] == "https://plans.example.com/"
            assert "Secure" in response.headers["Set-Cookie"]
            cookie = f"{auth.SESSION_COOKIE}={cookie_of(response)}"
            page = await (await session.get(served.url + "/", headers={"Cookie": cookie})).text()
            urls = re.findall(r'(?:href|src|url)[=(]"([^"]+)"', page) + re.findall(r'websocket-url="([^"]+)"', page)
            assert "wss://plans.example.com/ws" in urls
            assert urls and all(url.startswith(("https://plans.example.com/", "wss://plans.example.com/")) for url in urls)
            login = await (await session.get(served.url + "/login")).text()
            assert 'action="https://plans.example.com/login"' in login
            # The websocket's Origin must be the public site's, not the address the server listens on.
            assert await refused_websocket(session, served.url + "/ws", Cookie=cookie, Origin=served.url) == 403
            assert (await session.get(served.url + "/", allow_redirects=False)).headers["Location"] == (
                "https://plans.example.com/login"
            )
    finally:
        await runner.cleanup()
        repo.close()


def test_repeated_failures_from_one_address_wait_longer_and_longer():
    brake = auth.FailureBrake(free=3, longest=8.0, forget=900.0)
    delays = []
    for attempt in range(8):
        delays.append(brake.delay("10.0.0.1", now=attempt))
        brake.failed("10.0.0.1", now=attempt)
    assert delays[:3] == [0, 0, 0] and delays[3:] == sorted(delays[3:]) and delays[3] > 0 and delays[-1] == 8.0
    assert brake.delay("10.0.0.2", now=8) == 0  # another address is not slowed
    assert brake.delay("10.0.0.1", now=8 + 901) == 0  # and failures fade
    brake.failed("10.0.0.3", now=0)
    brake.succeeded("10.0.0.3")
    assert brake.delay("10.0.0.3", now=1) == 0


async def test_a_megabyte_pasted_into_one_tab_leaves_the_server_serving_the_others_and_writes_nothing(served):
    tokens = {name: served.token(name) for name in ("alice", "bob")}
    async with aiohttp.ClientSession() as session:
        sockets = {}
        for name, token in tokens.items():
            cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
            sockets[name] = (cookie, await session.ws_connect(served.url + "/ws", headers={"Cookie": cookie, "Origin": served.origin}))
        alice = sockets["alice"][1]
        assert (await alice.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY
        # What the browser sends for a paste: one message, bracketed; then Enter.
        await alice.send_json(["stdin", "\x1b[200~" + "word " * 200_000 + "\x1b[201~"])
        await alice.send_json(["stdin", "\r"])
        bob_cookie, bob = sockets["bob"]
        assert (await bob.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY  # bob's tab is served
        await bob.send_json(["ping", "still there?"])
        message = await bob.receive(timeout=60)
        while message.type == aiohttp.WSMsgType.BINARY:
            message = await bob.receive(timeout=60)
        assert message.json() == ["pong", "still there?"]
        index = await session.get(served.url + "/", headers={"Cookie": bob_cookie})
        assert index.status == 200
        assert len(served.server.tabs) == 2 and all(tab.pid in children() for tab in served.server.tabs.values())
        for _, websocket in sockets.values():
            await websocket.close()
        await _until(lambda: not children())  # closing the tabs ends their processes, the busy one too
    from taskforge.store.repository import SqlRepository

    with SqlRepository.open(str(served.db)) as repo:
        assert repo.projects() == []  # the chat refuses a message that long (at most 10,000 characters)


async def test_malformed_messages_from_the_browser_are_ignored_and_the_tab_goes_on(served):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
        websocket = await session.ws_connect(served.url + "/ws", headers={"Cookie": cookie, "Origin": served.origin})
        assert (await websocket.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY
        for junk in ("not json", "{}", "[]", '["stdin"]', '["stdin", 42]', '["resize", "big"]', '["resize", {"width": "x"}]'):
            await websocket.send_str(junk)
        await websocket.send_bytes(b"\x00\xff")
        await websocket.send_json(["ping", 1])
        message = await websocket.receive(timeout=60)
        while message.type == aiohttp.WSMsgType.BINARY:
            message = await websocket.receive(timeout=60)
        assert message.json() == ["pong", 1]
        await websocket.close()


async def test_the_tabs_one_user_can_open_at_once_are_bounded(db_path):
    served, (runner, repo) = await start(db_path, max_tabs_per_user=1)
    try:
        tokens = {name: served.token(name) for name in ("alice", "bob")}
        async with aiohttp.ClientSession() as session:
            cookies = {name: f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
                       for name, token in tokens.items()}
            first = await session.ws_connect(served.url + "/ws", headers={"Cookie": cookies["alice"], "Origin": served.origin})
            assert await refused_websocket(session, served.url + "/ws", Cookie=cookies["alice"], Origin=served.origin) == 503
            other = await session.ws_connect(served.url + "/ws", headers={"Cookie": cookies["bob"], "Origin": served.origin})
            for websocket in (first, other):  # each tab's app draws its first frame
                assert (await websocket.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY
            assert served.server.started == 2
            await first.close()
            await other.close()
    finally:
        await runner.cleanup()
        repo.close()


ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


async def _until_drawn(websocket, words: str) -> None:
    seen = ""
    while words not in ANSI.sub("", seen):
        message = await websocket.receive(timeout=60)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        seen = (seen + message.data.decode("utf-8", "replace"))[-20_000:]


async def test_a_tab_closed_in_the_middle_of_a_write_leaves_all_of_it_or_none(served):
    token = served.token("alice")
    async with aiohttp.ClientSession() as session:
        cookie = f"{auth.SESSION_COOKIE}={cookie_of(await sign_in(session, served, token))}"
        headers = {"Cookie": cookie, "Origin": served.origin}
        websocket = await session.ws_connect(served.url + "/ws?width=120&height=40", headers=headers)
        await _until_drawn(websocket, "No project yet")
        await websocket.send_json(["stdin", "Launch a community podcast\r"])
        await _until_drawn(websocket, "Review proposal")
        await websocket.send_json(["stdin", "a"])  # accept, and close the tab at once
        await websocket.close()
        await _until(lambda: not served.server.tabs and not children())
        again = await session.ws_connect(served.url + "/ws", headers=headers)  # the server goes on serving
        assert (await again.receive(timeout=60)).type == aiohttp.WSMsgType.BINARY
        await again.close()
    from taskforge.store.repository import SqlRepository

    with SqlRepository.open(str(served.db)) as repo:
        projects = repo.projects()
        if projects:  # the write landed before the app quit: whole, with its audit record
            [project] = projects
            assert project.tasks == len(repo.load(project.id)) > 0
            assert [r.author for r in repo.history(project.id)] == ["alice"]
