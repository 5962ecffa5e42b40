"""SQLModel tables. Only the repository touches them; everything above it sees core models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ProjectRow(SQLModel, table=True):
    __tablename__ = "project"

    id: str = Field(primary_key=True, max_length=64)
    title: str
    summary: str = ""
    status: str = "draft"
    version: int = 0
    # 64 bits everywhere (SQLite's INTEGER already is): keys go up to T999999999999999.
    next_key: int = Field(
        default=1, sa_column=Column(Integer().with_variant(BigInteger(), "postgresql"), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TaskRow(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("project_id", "key", name="uq_task_project_key"),
        Index("ix_task_project_parent_position", "project_id", "parent_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE")
    key: str = Field(max_length=16)
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("task.id"), nullable=True)
    )
    position: int = 0
    title: str
    description: str = ""
    status: str = "todo"
    priority: str = "medium"
    estimate_minutes: int | None = None
    actual_minutes: int | None = None
    acceptance_criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    depends_on: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PatchRecordRow(SQLModel, table=True):
    __tablename__ = "patch_record"
    __table_args__ = (UniqueConstraint("project_id", "seq", name="uq_patch_record_project_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    seq: int
    kind: str
    target_seq: int | None = None
    mode: str
    focus: str | None = None
    message: str = ""
    planner: str
    model: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    patch: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    inverse: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    rejected_ops: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version_before: int
    version_after: int
    created_at: datetime = Field(default_factory=utcnow)
    author: str | None = None  # the setting `user` of whoever made the change; None before authors were kept


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_project_focus", "project_id", "focus", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE")
    focus: str | None = None
    role: str
    content: str
    patch_seq: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SyncRemoteRow(SQLModel, table=True):
    """A tracker a project syncs with (`taskforge remote add`). Never a token: only the variable's name."""

    __tablename__ = "sync_remote"

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    kind: str
    url: str
    target: str
    token_env: str
    # The service's own time of the newest change the last accepted pull read (pulls re-read an overlap before it).
    pulled_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SyncLinkRow(SQLModel, table=True):
    """A task ↔ remote item link, with the last-synced value of every mapped field on both sides."""

    __tablename__ = "sync_link"
    __table_args__ = (
        UniqueConstraint("project_id", "remote", "key", name="uq_sync_link_key"),
        Index("ix_sync_link_remote_id", "project_id", "remote", "remote_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE")
    remote: str = Field(max_length=64)
    key: str = Field(max_length=16)
    remote_id: str
    ref: str = ""
    url: str = ""
    state: str = "linked"  # linked | closed (the task was deleted here) | gone (the item was deleted there)
    local: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    remote_values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = Field(default_factory=utcnow)


class UserRow(SQLModel, table=True):
    """Who may sign in to `taskforge serve`: a name and the salted, slow hash of its token (never the token)."""

    __tablename__ = "app_user"  # `user` is a reserved word in PostgreSQL
    __table_args__ = (
        UniqueConstraint("name", name="uq_app_user_name"),
        Index("ix_app_user_token_id", "token_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    # The token's public part: finds the row to check a token against, and ties sessions to this token.
    token_id: str = Field(max_length=16)
    token_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ProposalRow(SQLModel, table=True):
    """A patch an agent proposed (over MCP), waiting in the review queue until a person decides."""

    __tablename__ = "proposal"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    state: str = "pending"  # pending, accepted, rejected (stale is computed: see taskforge.mcp.queue)
    author: str  # the MCP client's name, from its initialize request
    rationale: str = ""
    message: str = ""  # the request a planner answered (propose_message); empty for a patch the agent wrote
    mode: str = "project"
    focus: str | None = None
    planner: str = "mcp"
    model: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    patch: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    base_version: int
    note: str | None = None  # the reviewer's note on a rejection
    change_seq: int | None = None  # the change an accepted proposal became
    kept_ops: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    decided_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class AgentGrantRow(SQLModel, table=True):
    """What agents may do in a project without review (`taskforge agents allow PROJECT progress`)."""

    __tablename__ = "agent_grant"

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", primary_key=True)
    permission: str = Field(primary_key=True)
    granted_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
