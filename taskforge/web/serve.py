"""`taskforge serve`: check the arguments and the database, listen, make the first user if there is none,
print where to sign in, and serve until Ctrl+C or SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import signal
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from taskforge.core.errors import BadInput, TaskforgeError
from taskforge.core.text import clean_line


class ServeError(TaskforgeError):
    """The server cannot start (the port is taken, the address is not this machine's)."""


def public_url(value: str | None) -> str | None:
    """--public-url as the server uses it: `http(s)://host[:port]`, with no trailing slash."""
    if value is None:
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"--public-url {clean_line(value)!r} is not an http:// or https:// URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise BadInput(
            f"--public-url {clean_line(value)!r}: give the site's root (https://host[:port]); "
            "taskforge is served at the root of its host, not under a path"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _shown_host(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


def serve(
    db: str | None, host: str, port: int, public: str | None, *,
    echo: Callable[[str], None], warn: Callable[[str], None],
) -> None:
    from taskforge.actions import open_repository
    from taskforge.store.schema import database_url
    from taskforge.store.users import Users
    from taskforge.web.server import TaskforgeServer

    public = public_url(public)
    if not 0 <= port <= 65535:
        raise BadInput(f"--port {port} is not a port number (0 to 65535)")
    repo = open_repository(db)  # the schema is made or upgraded here, once, not by every tab
    try:
        users = Users(repo.engine)
        users.count()
        server = TaskforgeServer(users, database_url(db), host=host, port=port, public_url=public)
        asyncio.run(_run(server, repo, echo, warn))
    finally:
        repo.close()


async def _run(server, repo, echo, warn) -> None:
    from taskforge.store.database import describe
    from taskforge.web.users import add_user, default_user_name

    logging.basicConfig(level=logging.INFO, format="taskforge serve: %(message)s")
    logging.getLogger("textual-serve").setLevel(logging.WARNING)
    try:
        runner = await server.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {server.port} on {server.host} is in use (another server?): pick another with --port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ServeError(f"cannot listen on {server.host}: it is not an address of this machine") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"cannot listen on port {server.port}: permission denied (ports below 1024 need root)") from None
        raise ServeError(f"cannot listen on {server.host}:{server.port}: {exc.strerror or exc}") from None
    except socket.gaierror:
        raise ServeError(f"cannot listen on {server.host}: no such host") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        port = runner.addresses[0][1] if runner.addresses else server.port
        base = server.configured_url or f"http://{_shown_host(server.host)}:{port}"
        if not loopback(server.host) and not (server.configured_url or "").startswith("https://"):
            warn(
                f"warning: listening on {server.host} over plain http: sign-in tokens and session cookies travel "
                "in clear text. Put TLS in front (see the README) and pass --public-url https://…"
            )
        echo(f"Serving taskforge on {base}/ (database: {describe(str(repo.engine.url))}; textual-serve "
             f"{_textual_serve_version()}). Stop with Ctrl+C.")
        if server.users.count() == 0:
            user, token = add_user(server.users, default_user_name())
            echo(f"No user existed, so '{user.name}' was made. Sign in by opening this URL (it carries the token; "
                 "it is shown only this once):")
            echo(f"    {base}/login?token={token}")
        else:
            echo(f"Sign in at {base}/login with a token (`taskforge user add NAME` makes one).")
        await stop.wait()
        echo("Stopping: closing the open tabs.")
    finally:
        await runner.cleanup()


def _textual_serve_version() -> str:
    from taskforge.web.server import textual_serve_version

    return textual_serve_version()
