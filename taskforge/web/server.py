"""`taskforge serve`: textual-serve's aiohttp server behind sign-in, one app process per browser tab.

textual-serve has no authentication and hands every app process the server's whole environment. Here its
`Server` is subclassed (the routes, the index, the websocket and download handlers) and its `AppService`
too (the child's environment and how it is started). These are not textual-serve's public API: the version
is pinned in pyproject.toml and tests/web/ checks the behaviour.

Nothing starts an app process without a valid session: `/ws` checks the signed cookie against the users
table, then the Origin, before the websocket is even accepted. A watcher re-reads the users table every
second and closes the websockets of users revoked since (from any process: `taskforge user revoke`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from taskforge.core.errors import StoreError
from taskforge.store.users import Users
from taskforge.web import auth
from taskforge.web.environment import tab_environment
from taskforge.web.users import authenticate

log = logging.getLogger("taskforge.web")

TEMPLATES = Path(__file__).with_name("templates")
# What textual-serve sets for the app process (the web driver, the terminal's size and colours).
_TEXTUAL_VARIABLES = ("TEXTUAL_DRIVER", "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
                      "COLUMNS", "ROWS")
REVOKED = 4001  # websocket close code: the user was revoked while the tab was open
MAX_MESSAGE = 4 * 2**20  # one websocket message from the browser (a paste); larger ones close the socket
MAX_SIZE = 500  # columns or rows a browser may ask for
QUIT_GRACE = 5.0  # seconds a tab's app gets to quit before it is killed


def _size(value: str | None, default: int) -> int:
    try:
        return max(1, min(MAX_SIZE, int(value))) if value is not None else default
    except ValueError:
        return default


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class TabService(AppService):
    """One tab's app process: taskforge's TUI, run as the signed-in user with only the environment it needs."""

    def __init__(self, argv: list[str], environment: dict[str, str], user: str, token_id: str, **kwargs: Any):
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.environment = environment
        self.user = user
        self.token_id = token_id

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        served = super()._build_environment(width=width, height=height)  # os.environ plus textual-serve's own
        return self.environment | {name: served[name] for name in _TEXTUAL_VARIABLES if name in served}

    async def _open_app_process(self, width: int = 80, height: int = 24):
        # The program itself, not a shell around it: nothing of the command line is interpreted.
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height),
        )
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the app to quit, as textual-serve does; one too busy to answer in time is killed, so that a
        closed tab never leaves its process behind."""
        process = self._process
        stopping = asyncio.ensure_future(super().stop())
        done, _ = await asyncio.wait({stopping}, timeout=QUIT_GRACE)
        if not done and process is not None and process.returncode is None:
            process.kill()
        await stopping
        if process is not None:
            await process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


class TaskforgeServer(Server):
    def __init__(
        self, users: Users, db_url: str, *, host: str = "127.0.0.1", port: int = 8765, public_url: str | None = None,
        argv: list[str] | None = None, max_tabs: int = 64, max_tabs_per_user: int = 8, watch_interval: float = 1.0,
    ):
        super().__init__("taskforge", host=host, port=port, title="taskforge", public_url=public_url,
                         templates_path=TEMPLATES)
        self.users = users
        self.db_url = db_url
        self.configured_url = public_url  # None: the URL the browser used (its Host header)
        self.argv = argv or [sys.executable, "-m", "taskforge.web.tab"]
        self.max_tabs = max_tabs  # each tab is a process of ~80 MB: a bound on what signed-in clients can start
        self.max_tabs_per_user = max_tabs_per_user
        self.watch_interval = watch_interval
        self.signer = auth.Signer()
        self.brake = auth.FailureBrake()
        self.tabs: dict[web.WebSocketResponse, TabService] = {}
        self.started = 0  # app processes started since the server began
        self._checks = asyncio.Semaphore(4)  # token hashes computed at once (each is 16 MB of scrypt)
        self._watcher: asyncio.Task | None = None

    # -- URLs ---------------------------------------------------------------------------------------

    def base_url(self, request: web.Request) -> str:
        """Where the browser reaches us: --public-url, else the host it asked for."""
        return self.configured_url or f"http://{request.host}"

    @property
    def secure(self) -> bool:
        return bool(self.configured_url and self.configured_url.startswith("https://"))

    def websocket_url(self, request: web.Request) -> str:
        base = self.base_url(request)
        return ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1] + "/ws"

    def origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        return origin is not None and origin.lower() == _origin(self.base_url(request))

    # -- sessions -----------------------------------------------------------------------------------

    async def session_of(self, request: web.Request) -> auth.Session | None:
        """The request's session when its cookie is ours, unexpired, and its user still holds that token."""
        session = self.signer.check(request.cookies.get(auth.SESSION_COOKIE))
        if session is None:
            return None
        active = await self._active_users()
        return session if active.get(session.user) == session.token_id else None

    async def _active_users(self) -> dict[str, str]:
        try:
            return await asyncio.to_thread(self.users.active)
        except StoreError as exc:
            raise web.HTTPServiceUnavailable(text=f"taskforge: {exc}") from None

    # -- the application ----------------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[_headers], client_max_size=64 * 1024)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/login", self.handle_login),
            web.post("/login", self.handle_login_form),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        self._watcher = asyncio.create_task(self._watch_revocations())

    async def on_shutdown(self, app: web.Application) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        for websocket in list(self.tabs):
            await websocket.close(code=1001, message=b"the server is stopping")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if await self.session_of(request) is None:
            raise web.HTTPSeeOther(self.base_url(request) + "/login")
        base = self.base_url(request)
        context = {
            "font_size": _size(request.query.get("fontsize"), 16),
            "app_websocket_url": self.websocket_url(request),
            "static_url": base + "/static/",
            "title": "taskforge",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    # -- sign-in ------------------------------------------------------------------------------------

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token")
        if token is None:
            return self._login_page(request)
        return await self._sign_in(request, token)

    async def handle_login_form(self, request: web.Request) -> web.StreamResponse:
        if "Origin" in request.headers and not self.origin_ok(request):
            return self._login_page(request, status=403)
        try:
            form = await request.post()
        except (ValueError, web.HTTPException):
            return self._login_page(request, status=400)
        token = form.get("token")
        return await self._sign_in(request, token if isinstance(token, str) else "")

    def _login_page(self, request: web.Request, status: int = 200, failed: bool = False) -> web.Response:
        context = {"action": self.base_url(request) + "/login", "failed": failed, "static_url": self.base_url(request) + "/static/"}
        return aiohttp_jinja2.render_template("login.html", request, context, status=status)

    async def _sign_in(self, request: web.Request, token: str) -> web.StreamResponse:
        """The same answer for every bad token, after the same work; an address that keeps failing waits longer."""
        address = request.remote or "?"
        delay = self.brake.delay(address)
        if delay:
            await asyncio.sleep(delay)
        async with self._checks:
            try:
                user = await asyncio.to_thread(authenticate, self.users, token)
            except StoreError as exc:
                raise web.HTTPServiceUnavailable(text=f"taskforge: {exc}") from None
        if user is None:
            self.brake.failed(address)
            log.info("a sign-in with a bad token from %s", address)
            return self._login_page(request, status=403, failed=True)
        self.brake.succeeded(address)
        response = web.HTTPSeeOther(self.base_url(request) + "/")
        response.set_cookie(
            auth.SESSION_COOKIE, self.signer.sign(user.name, user.token_id), max_age=auth.SESSION_SECONDS,
            path="/", httponly=True, samesite="Strict", secure=self.secure,
        )
        log.info("%s signed in from %s", user.name, address)
        raise response

    # -- the app's own routes -----------------------------------------------------------------------

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        session = await self.session_of(request)
        if session is None:
            raise web.HTTPUnauthorized(text="sign in first")
        try:
            download = await self.download_manager.get_download_metadata(request.match_info["key"])
        except KeyError:
            raise web.HTTPNotFound(text="no such download") from None
        if getattr(download.app_service, "user", None) != session.user:
            raise web.HTTPForbidden(text="this download belongs to another user")
        return await super().handle_download(request)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        session = await self.session_of(request)
        if session is None:
            return web.Response(status=401, text="sign in first")
        if not self.origin_ok(request):
            return web.Response(status=403, text="this page may only be opened from its own site")
        if len(self.tabs) >= self.max_tabs:
            return web.Response(status=503, text="too many open tabs on this server")
        if sum(tab.user == session.user for tab in self.tabs.values()) >= self.max_tabs_per_user:
            return web.Response(status=503, text=f"{session.user} has {self.max_tabs_per_user} tabs open already")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        service = TabService(
            self.argv, tab_environment(session.user, self.db_url), session.user, session.token_id,
            write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
            download_manager=self.download_manager,
        )
        await websocket.prepare(request)
        self.tabs[websocket] = service
        try:
            await service.start(_size(request.query.get("width"), 80), _size(request.query.get("height"), 24))
            self.started += 1
            log.info("%s opened a tab (%d open)", session.user, len(self.tabs))
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's failure is that tab's: the others keep being served
            log.error("a tab of %s failed: %s", session.user, error)
        finally:
            self.tabs.pop(websocket, None)
            await service.stop()
            log.info("%s closed a tab (%d open)", session.user, len(self.tabs))
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """textual-serve's message loop, minus what a malformed message would do to it (end the tab)."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1]
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(_size(data.get("width"), 80), _size(data.get("height"), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def _watch_revocations(self) -> None:
        """Close the tabs of users revoked (or given a new token) since they opened them."""
        while True:
            await asyncio.sleep(self.watch_interval)
            if not self.tabs:
                continue
            try:
                active = await asyncio.to_thread(self.users.active)
            except StoreError as exc:
                log.warning("cannot check for revoked users: %s", exc)
                continue
            for websocket, service in list(self.tabs.items()):
                if active.get(service.user) != service.token_id:
                    log.info("%s was revoked: closing their tab", service.user)
                    await websocket.close(code=REVOKED, message=b"signed out: this user was revoked")

    # -- running ------------------------------------------------------------------------------------

    async def start(self) -> web.AppRunner:
        """Listen (raises OSError when the address cannot be had); the caller cleans the runner up."""
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        return runner


@web.middleware
async def _headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    # The terminal takes keystrokes: no other site may frame it. No URL (a token) leaks to another site
    # through a Referer; `same-origin`, not `no-referrer`, which would make the form's Origin `null`.
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def textual_serve_version() -> str:
    return version("textual-serve")
