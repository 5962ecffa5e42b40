"""`taskforge remote add|list|remove`: checking what a user typed before it is stored."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import Engine

from taskforge.core.errors import BadInput
from taskforge.core.text import clean_line
from taskforge.sync import store
from taskforge.sync.adapter import DEFAULT_TOKEN_ENV, KINDS, Remote

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def add(engine: Engine, project_id: str, name: str, kind: str, url: str, target: str, token_env: str | None) -> Remote:
    if not _NAME.fullmatch(name):
        raise BadInput(f"a remote's name is letters, digits, '.', '_' or '-' (got '{clean_line(name)}')")
    if kind not in KINDS:
        raise BadInput(f"--kind must be one of {', '.join(KINDS)} (got '{clean_line(kind)}')")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"--url must be an http(s) URL such as https://gitlab.com (got '{clean_line(url)}')")
    if parts.username or parts.password:
        # Never stored: a token belongs in the environment variable, read at run time.
        raise BadInput("--url must not hold a user name or password: put the token in the environment (--token-env)")
    target = clean_line(target).strip()
    if not target:
        raise BadInput("--target is empty: name the GitLab project (id or path) or the Linear team (key or id)")
    env = token_env or DEFAULT_TOKEN_ENV[kind]
    if not _ENV.fullmatch(env):
        raise BadInput(f"--token-env must name an environment variable, such as {DEFAULT_TOKEN_ENV[kind]}")
    remote = Remote(project_id, name, kind, url.strip().rstrip("/"), target, env)
    store.add_remote(engine, remote)
    return remote


def to_dict(remote: Remote) -> dict[str, str]:
    return {"name": remote.name, "kind": remote.kind, "url": remote.url, "target": remote.target,
            "token_env": remote.token_env}
