"""The review queue's rows: proposals and agent grants, read and written through the repository's transactions.

Every write also announces the project on PostgreSQL (the NOTIFY an apply sends), so open TUIs see a new
proposal arrive; on SQLite the watcher notices the queue itself (`taskforge.store.watch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from taskforge.core.errors import BadInput, UnknownProject
from taskforge.core.models import Mode
from taskforge.core.patches import ProjectPatch
from taskforge.core.proposals import ProposalState, QueuedProposal
from taskforge.store.repository import SqlRepository, notify
from taskforge.store.tables import AgentGrantRow, ProjectRow, ProposalRow, utcnow

proposal_t = ProposalRow.__table__
grant_t = AgentGrantRow.__table__
project_t = ProjectRow.__table__


class UnknownProposal(BadInput):
    def __init__(self, proposal_id: int, project_id: str | None = None):
        where = f"project '{project_id}' has" if project_id else "there is"
        super().__init__(f"{where} no proposal #{proposal_id} (see `taskforge proposals PROJECT`)")


def _version(connection: Connection, project_id: str) -> int:
    version = connection.execute(select(project_t.c.version).where(project_t.c.id == project_id)).scalar()
    if version is None:
        raise UnknownProject(project_id)
    return version


def _announce(connection: Connection, project_id: str) -> None:
    if connection.dialect.name == "postgresql":
        notify(connection, project_id, _version(connection, project_id))


def _queued(row: Any) -> QueuedProposal:
    return QueuedProposal(
        id=row.id, project_id=row.project_id, state=ProposalState(row.state), author=row.author,
        rationale=row.rationale, patch=ProjectPatch.model_validate(row.patch), base_version=row.base_version,
        created_at=row.created_at, message=row.message, mode=Mode(row.mode), focus=row.focus, planner=row.planner,
        model=row.model, usage=dict(row.usage or {}), note=row.note, change_seq=row.change_seq,
        kept_ops=list(row.kept_ops) if row.kept_ops is not None else None, decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def decide(connection: Connection, proposal_id: int, state: ProposalState, **values: Any) -> bool:
    """Move a pending proposal to `state` in the caller's transaction; False when it was no longer pending."""
    row = connection.execute(
        update(proposal_t)
        .where(proposal_t.c.id == proposal_id, proposal_t.c.state == ProposalState.PENDING.value)
        .values(state=state.value, decided_at=utcnow(), **values)
        .returning(proposal_t.c.project_id)
    ).first()
    if row is not None:
        _announce(connection, row[0])
    return row is not None


class ProposalStore:
    """The proposals and grants of the database `repo` is open on."""

    def __init__(self, repo: SqlRepository):
        self.repo = repo

    # -- proposals --------------------------------------------------------------------------------

    def add(
        self, patch: ProjectPatch, *, author: str, rationale: str, message: str = "", mode: Mode = Mode.PROJECT,
        focus: str | None = None, planner: str = "mcp", model: str | None = None, usage: dict | None = None,
    ) -> QueuedProposal:
        with self.repo._write() as (connection, _):
            _version(connection, patch.project_id)
            row = connection.execute(
                insert(proposal_t).values(
                    project_id=patch.project_id, state=ProposalState.PENDING.value, author=author,
                    rationale=rationale, message=message, mode=mode.value, focus=focus, planner=planner,
                    model=model, usage=usage or {}, patch=patch.to_dict(), base_version=patch.base_version,
                    created_at=utcnow(),
                ).returning(proposal_t.c.id)
            ).first()
            _announce(connection, patch.project_id)
        return self.get(row[0])

    def get(self, proposal_id: int, project_id: str | None = None) -> QueuedProposal:
        with self.repo._read() as connection:
            row = connection.execute(select(proposal_t).where(proposal_t.c.id == proposal_id)).first()
        if row is None or (project_id is not None and row.project_id != project_id):
            raise UnknownProposal(proposal_id, project_id)
        return _queued(row)

    def listing(self, project_id: str, states: Sequence[ProposalState] = ()) -> list[QueuedProposal]:
        """The project's proposals, oldest first (only those in `states` when given)."""
        with self.repo._read() as connection:
            _version(connection, project_id)
            query = select(proposal_t).where(proposal_t.c.project_id == project_id).order_by(proposal_t.c.id)
            if states:
                query = query.where(proposal_t.c.state.in_([state.value for state in states]))
            return [_queued(row) for row in connection.execute(query)]

    def rejected(self, proposal_id: int, note: str, by: str) -> bool:
        """Record the rejection; False when someone decided it first."""
        with self.repo._write() as (connection, _):
            return decide(connection, proposal_id, ProposalState.REJECTED, note=note, decided_by=by)

    # -- grants -----------------------------------------------------------------------------------

    def grants(self, project_id: str) -> set[str]:
        with self.repo._read() as connection:
            _version(connection, project_id)
            query = select(grant_t.c.permission).where(grant_t.c.project_id == project_id)
            return {row[0] for row in connection.execute(query)}

    def allow(self, project_id: str, permission: str, by: str) -> bool:
        """Grant `permission`; False when it was granted already."""
        with self.repo._write() as (connection, _):
            _version(connection, project_id)
            found = connection.execute(
                select(grant_t.c.permission).where(grant_t.c.project_id == project_id, grant_t.c.permission == permission)
            ).first()
            if found is not None:
                return False
            connection.execute(
                insert(grant_t).values(project_id=project_id, permission=permission, granted_by=by, created_at=utcnow())
            )
        return True

    def deny(self, project_id: str, permission: str) -> bool:
        """Withdraw `permission`; False when it was not granted."""
        with self.repo._write() as (connection, _):
            _version(connection, project_id)
            result = connection.execute(
                delete(grant_t).where(grant_t.c.project_id == project_id, grant_t.c.permission == permission)
            )
        return bool(result.rowcount)
