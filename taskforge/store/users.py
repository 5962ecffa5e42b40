"""The users table: who may sign in to `taskforge serve`. Rows hold a token's public id and its salted
hash, never the token itself; what a token is and how it is hashed lives in `taskforge.web.tokens`.

A revoked user keeps its row (revoked_at set), so that a later `user add` of the same name is a new token
with a new id: sessions made with the old one never come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from taskforge.core.errors import BadInput, NothingToDo, StoreError, TaskforgeError
from taskforge.store import database
from taskforge.store.schema import parse_stamp, stamp
from taskforge.store.tables import UserRow, utcnow

user_t = UserRow.__table__


class UnknownUser(TaskforgeError):
    def __init__(self, name: str):
        super().__init__(f"no user '{name}' (see `taskforge user list`)")


@dataclass(frozen=True)
class User:
    name: str
    token_id: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _moment(value) -> datetime:
    return parse_stamp(value) if isinstance(value, str) else parse_stamp(stamp(value))


def _user(row) -> User:
    return User(row.name, row.token_id, row.token_hash, _moment(row.created_at),
                None if row.revoked_at is None else _moment(row.revoked_at))


class Users:
    """The users table of one database (through the repository's engine)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def _where(self) -> str:
        return database.describe(str(self.engine.url))

    def _failed(self, verb: str, exc: DBAPIError) -> StoreError:
        return StoreError(f"cannot {verb} {self._where()}: {database.reason(exc, self.engine.url.render_as_string(hide_password=False))}")

    def add(self, name: str, token_id: str, token_hash: str) -> User:
        """A new user, or a revoked one given a new token; an active user of that name is an error."""
        now = utcnow()
        try:
            with self.engine.connect().execution_options(**database.WRITE) as connection, connection.begin():
                row = connection.execute(select(user_t).where(user_t.c.name == name)).first()
                values = {"token_id": token_id, "token_hash": token_hash, "created_at": now, "revoked_at": None}
                if row is None:
                    connection.execute(insert(user_t).values(name=name, **values))
                elif row.revoked_at is None:
                    raise BadInput(f"user '{name}' already exists; `taskforge user revoke {name}` first to give them a new token")
                else:
                    connection.execute(update(user_t).where(user_t.c.name == name).values(**values))
        except IntegrityError:  # another process added the same name in between
            raise BadInput(f"user '{name}' already exists") from None
        except DBAPIError as exc:
            raise self._failed("write", exc) from None
        return User(name, token_id, token_hash, now)

    def revoke(self, name: str) -> User:
        try:
            with self.engine.connect().execution_options(**database.WRITE) as connection, connection.begin():
                row = connection.execute(select(user_t).where(user_t.c.name == name)).first()
                if row is None:
                    raise UnknownUser(name)
                if row.revoked_at is not None:
                    raise NothingToDo(f"user '{name}' is already revoked")
                now = utcnow()
                connection.execute(update(user_t).where(user_t.c.name == name).values(revoked_at=now))
        except DBAPIError as exc:
            raise self._failed("write", exc) from None
        return User(row.name, row.token_id, row.token_hash, _moment(row.created_at), now)

    def all(self) -> list[User]:
        return [_user(row) for row in self._rows(select(user_t).order_by(user_t.c.name))]

    def by_token_id(self, token_id: str) -> User | None:
        found = self._rows(select(user_t).where(user_t.c.token_id == token_id))
        return _user(found[0]) if found else None

    def active(self) -> dict[str, str]:
        """name → token id of every user who may sign in: what open sessions are checked against."""
        query = select(user_t.c.name, user_t.c.token_id).where(user_t.c.revoked_at.is_(None))
        return {row.name: row.token_id for row in self._rows(query)}

    def count(self) -> int:
        return self._rows(select(func.count()).select_from(user_t))[0][0]

    def _rows(self, query) -> list:
        try:
            with self.engine.connect() as connection:
                return connection.execute(query).all()
        except DBAPIError as exc:
            raise self._failed("read", exc) from None
