"""The users table on SQLite and PostgreSQL alike, and what sign-in checks a token against."""

from __future__ import annotations

import pytest

from taskforge.core.errors import BadInput, NothingToDo
from taskforge.store.repository import SqlRepository
from taskforge.store.users import UnknownUser, Users
from taskforge.web import auth
from taskforge.web.users import add_user, authenticate


def test_users_add_revoke_and_sign_in_on_either_database(store):
    with SqlRepository.open(store.url) as repo:
        users = Users(repo.engine)
        alice, token = add_user(users, "alice")
        assert users.count() == 1 and users.active() == {"alice": alice.token_id}
        assert authenticate(users, token).name == "alice"
        assert token not in alice.token_hash and alice.token_hash.startswith("scrypt$")
        with pytest.raises(BadInput):
            add_user(users, "alice")
        users.revoke("alice")
        assert users.active() == {} and authenticate(users, token) is None
        with pytest.raises(NothingToDo):
            users.revoke("alice")
        with pytest.raises(UnknownUser):
            users.revoke("nobody")
        again, new_token = add_user(users, "alice")  # a new token with a new id: old sessions stay dead
        assert again.token_id != alice.token_id
        assert authenticate(users, token) is None and authenticate(users, new_token).name == "alice"
        assert [(u.name, u.active) for u in users.all()] == [("alice", True)]


def test_a_session_cookie_carries_its_user_until_it_expires_and_only_with_our_signature():
    signer = auth.Signer()
    cookie = signer.sign("alice", "0123456789ab", now=1000)
    assert signer.check(cookie, now=1001) == auth.Session("alice", "0123456789ab", 1000 + auth.SESSION_SECONDS)
    assert signer.check(cookie, now=1000 + auth.SESSION_SECONDS) is None
    assert auth.Signer().check(cookie, now=1001) is None
    assert signer.check(cookie[:-1] + ("0" if cookie[-1] != "0" else "1"), now=1001) is None
    for junk in ("", "a.b.c", "x" * 2000, ".", "e30.00"):
        assert signer.check(junk, now=1001) is None


@pytest.mark.parametrize("name", ["", "a b", "-x", "x" * 65, "al\x1bice", "ålice"])
def test_user_names_are_plain(name):
    with pytest.raises(BadInput):
        auth.check_user_name(name)
