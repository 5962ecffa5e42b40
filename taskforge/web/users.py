"""Users of the browser: add (a token, shown once), list, revoke, and the check of a token at sign-in."""

from __future__ import annotations

from taskforge.store.users import User, Users
from taskforge.web import auth


def add_user(users: Users, name: str) -> tuple[User, str]:
    """A new user (or a revoked one again) and their sign-in token, which is stored nowhere."""
    auth.check_user_name(name)
    token_id, token = auth.new_token()
    _, secret = auth.split_token(token)  # type: ignore[misc]
    return users.add(name, token_id, auth.hash_secret(secret)), token


def authenticate(users: Users, token: str) -> User | None:
    """The active user this token belongs to; None for anything else (malformed, unknown, wrong, revoked),
    after the same work in every case, so that the answer does not tell which."""
    parts = auth.split_token(token)
    user = users.by_token_id(parts[0]) if parts else None
    if parts is None or user is None:
        auth.spend_one_check()
        return None
    matches = auth.secret_matches(parts[1], user.token_hash)
    return user if matches and user.active else None


def default_user_name() -> str:
    """The operating system's login name when it can be a user name, else `admin`."""
    from taskforge.config import login_name

    name = login_name()
    return name if auth.USER_NAME.fullmatch(name) else "admin"
