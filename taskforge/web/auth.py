"""Sign-in tokens, their salted slow hash, signed session cookies and the brake on guessing.

A token is `tf_` + a 12-hex-digit public id + a 43-character secret. The id finds the user's row (so a
sign-in costs one hash, not one per user) and ties sessions to this very token; only scrypt(secret) with a
random salt is stored. A session cookie is `<payload>.<HMAC-SHA256>` over the user's name, the token id and
an expiry, with a key made fresh at each server start: restarting the server signs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

TOKEN_PREFIX = "tf_"
_ID_LENGTH = 12
_TOKEN = re.compile(rf"{TOKEN_PREFIX}([0-9a-f]{{{_ID_LENGTH}}})([A-Za-z0-9_-]{{43}})")
# scrypt at n=2**14, r=8: 16 MB and ~50 ms a check; slow enough that a stolen table resists guessing.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DUMMY_HASH: str | None = None

SESSION_COOKIE = "taskforge_session"
SESSION_SECONDS = 12 * 3600
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def new_token() -> tuple[str, str]:
    """(token id, token): the token is shown once, the id is stored beside the token's hash."""
    token_id = secrets.token_hex(_ID_LENGTH // 2)
    return token_id, f"{TOKEN_PREFIX}{token_id}{secrets.token_urlsafe(32)}"


def split_token(token: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, else None."""
    found = _TOKEN.fullmatch(token.strip()) if isinstance(token, str) and len(token) < 200 else None
    return (found.group(1), found.group(2)) if found else None


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        computed = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def spend_one_check() -> None:
    """As long as a real check: an unknown token id costs what a wrong secret costs."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_secret("x" * 43)
    secret_matches("y" * 43, _DUMMY_HASH)


def check_user_name(name: str) -> str:
    from taskforge.core.errors import BadInput
    from taskforge.core.text import clean_line

    if not USER_NAME.fullmatch(name):
        raise BadInput(
            f"'{clean_line(name)[:80]}' cannot be a user name: 1 to 64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


# -- sessions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    user: str
    token_id: str
    expires: int


class Signer:
    """Signs and checks session cookies with a key that lives as long as the server process."""

    def __init__(self, key: bytes | None = None):
        self._key = key if key is not None else secrets.token_bytes(32)

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).hexdigest()

    def sign(self, user: str, token_id: str, *, seconds: int = SESSION_SECONDS, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + seconds)
        data = json.dumps({"u": user, "t": token_id, "e": expires}, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(data.encode()).decode("ascii").rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def check(self, cookie: str | None, *, now: float | None = None) -> Session | None:
        """The session a cookie carries, when its signature is ours and it has not expired."""
        if not cookie or len(cookie) > 1000 or cookie.count(".") != 1:
            return None
        payload, mac = cookie.split(".")
        try:
            if not hmac.compare_digest(self._mac(payload), mac):
                return None
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(str(data["u"]), str(data["t"]), int(data["e"]))
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        return session if session.expires > (now if now is not None else time.time()) else None


# -- the brake on guessing -----------------------------------------------------------------------------


class FailureBrake:
    """Failed sign-ins per address: after a few, each answer waits longer (up to `longest` seconds), and the
    count fades after `forget` seconds without failures. Bounded: the oldest addresses are dropped first."""

    def __init__(self, free: int = 3, longest: float = 8.0, forget: float = 900.0, size: int = 10_000):
        self.free, self.longest, self.forget, self.size = free, longest, forget, size
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def delay(self, address: str, now: float | None = None) -> float:
        """Seconds to wait before answering this address's next sign-in attempt."""
        now = now if now is not None else time.monotonic()
        count, last = self._failures.get(address, (0, now))
        if now - last > self.forget:
            self._failures.pop(address, None)
            return 0.0
        over = count - self.free
        return 0.0 if over < 0 else min(self.longest, 0.5 * 2**over)

    def failed(self, address: str, now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        count, last = self._failures.pop(address, (0, now))
        self._failures[address] = (0 if now - last > self.forget else count) + 1, now
        while len(self._failures) > self.size:
            self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)
