"""Remotes and links in the database: the sync engine's only reads and writes outside the patch path.

Links are written one item at a time, each in its own short transaction, right after the remote
write it records: a push that stops half way (network, rate limit, Ctrl+C) keeps every link of what it
did, so the next push resumes instead of creating duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from taskforge.core.errors import BadInput, UnknownProject
from taskforge.store.tables import ProjectRow, SyncLinkRow, SyncRemoteRow, utcnow
from taskforge.sync.adapter import Remote, utc

remote_t = SyncRemoteRow.__table__
link_t = SyncLinkRow.__table__
project_t = ProjectRow.__table__

LINKED, CLOSED, GONE = "linked", "closed", "gone"


@dataclass
class Link:
    """A task ↔ remote item link. `local`: the task's mapped values at the last sync (parent and
    dependencies as task keys); `remote`: the item's `RemoteFields.as_dict()` then (remote ids)."""

    key: str
    remote_id: str
    ref: str = ""
    url: str = ""
    state: str = LINKED
    local: dict[str, Any] = field(default_factory=dict)
    remote: dict[str, Any] = field(default_factory=dict)


def add_remote(engine: Engine, remote: Remote) -> None:
    with engine.begin() as connection:
        if connection.execute(select(project_t.c.id).where(project_t.c.id == remote.project_id)).first() is None:
            raise UnknownProject(remote.project_id)
        taken = connection.execute(
            select(remote_t.c.name).where(remote_t.c.project_id == remote.project_id, remote_t.c.name == remote.name)
        ).first()
        if taken is not None:
            raise BadInput(f"project '{remote.project_id}' already has a remote named '{remote.name}'")
        connection.execute(insert(remote_t).values(
            project_id=remote.project_id, name=remote.name, kind=remote.kind, url=remote.url, target=remote.target,
            token_env=remote.token_env, pulled_until=None, created_at=utcnow(),
        ))


def remotes(engine: Engine, project_id: str) -> list[Remote]:
    with engine.connect() as connection:
        if connection.execute(select(project_t.c.id).where(project_t.c.id == project_id)).first() is None:
            raise UnknownProject(project_id)
        rows = connection.execute(
            select(remote_t).where(remote_t.c.project_id == project_id).order_by(remote_t.c.name)
        ).all()
    return [_remote(row) for row in rows]


def get_remote(engine: Engine, project_id: str, name: str) -> Remote:
    for remote in remotes(engine, project_id):
        if remote.name == name:
            return remote
    raise BadInput(f"project '{project_id}' has no remote named '{name}' (see `taskforge remote list {project_id}`)")


def remove_remote(engine: Engine, project_id: str, name: str) -> int:
    """Forget a remote and its links (nothing on the service changes); returns how many links it had."""
    get_remote(engine, project_id, name)
    with engine.begin() as connection:
        count = connection.execute(
            delete(link_t).where(link_t.c.project_id == project_id, link_t.c.remote == name)
        ).rowcount
        connection.execute(delete(remote_t).where(remote_t.c.project_id == project_id, remote_t.c.name == name))
    return count


def pulled_until(engine: Engine, remote: Remote) -> datetime | None:
    with engine.connect() as connection:
        value = connection.execute(
            select(remote_t.c.pulled_until).where(
                remote_t.c.project_id == remote.project_id, remote_t.c.name == remote.name
            )
        ).scalar()
    return utc(value) if value is not None else None


def set_pulled_until(engine: Engine, remote: Remote, moment: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(remote_t)
            .where(remote_t.c.project_id == remote.project_id, remote_t.c.name == remote.name)
            .values(pulled_until=utc(moment))
        )


def links(engine: Engine, remote: Remote) -> dict[str, Link]:
    """Every link of the remote, by task key."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(link_t).where(link_t.c.project_id == remote.project_id, link_t.c.remote == remote.name)
        ).all()
    return {
        row.key: Link(row.key, row.remote_id, row.ref, row.url, row.state, dict(row.local), dict(row.remote_values))
        for row in rows
    }


def save_link(engine: Engine, remote: Remote, link: Link) -> None:
    """Insert or replace the link of `link.key`, in its own transaction."""
    save_links(engine, remote, [link])


def save_links(engine: Engine, remote: Remote, changed: list[Link], dropped: list[str] = ()) -> None:
    """Insert or replace links (and forget the links of `dropped` keys) in one transaction."""
    with engine.begin() as connection:
        for link in changed:
            _upsert(connection, remote, link)
        for key in dropped:
            connection.execute(delete(link_t).where(
                link_t.c.project_id == remote.project_id, link_t.c.remote == remote.name, link_t.c.key == key
            ))


def _upsert(connection, remote: Remote, link: Link) -> None:
    values = dict(
        remote_id=link.remote_id, ref=link.ref, url=link.url, state=link.state, local=link.local,
        remote_values=link.remote, synced_at=utcnow(),
    )
    where = (link_t.c.project_id == remote.project_id) & (link_t.c.remote == remote.name) & (link_t.c.key == link.key)
    if connection.execute(update(link_t).where(where).values(**values)).rowcount == 0:
        connection.execute(insert(link_t).values(project_id=remote.project_id, remote=remote.name, key=link.key, **values))


def _remote(row) -> Remote:
    return Remote(row.project_id, row.name, row.kind, row.url, row.target, row.token_env)
