"""The repository: the only way patches reach the database, always whole or not at all.

Every write transaction opens with the version check and bump (`UPDATE project SET version =
version + 1 WHERE id = :id AND version = :base`): no row is a version conflict. On SQLite the
transaction holds the write lock from its start (BEGIN IMMEDIATE); on PostgreSQL that UPDATE takes
the project's row lock, so under READ COMMITTED a second writer on the same base waits for the first
and then updates no row. Then `apply_patch` loads the tree, replays the patch through the core engine
(validating it again against what is really stored), writes only the rows that changed and appends
the audit record; on PostgreSQL it also announces the change (NOTIFY, delivered at commit), then
commits. Any problem rolls everything back.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from taskforge.core.bulk import gc_paused
from taskforge.core.errors import NothingToDo, StoreError, UnknownProject
from taskforge.core.history import (
    PatchRecord,
    Provenance,
    RecordKind,
    RejectedOp,
    stacks,
)
from taskforge.core.models import Mode, Priority, Project, Status, Task, slugify
from taskforge.core.patches import (
    Draft,
    Limits,
    Op,
    PatchError,
    Problem,
    ProjectPatch,
    Result,
    replay,
)
from taskforge.core.tree import Tree
from taskforge.store import database, rows
from taskforge.store.interface import Alongside, Applied, ChatMessage, ProjectSummary, Reader, Repository
from taskforge.store.schema import MAX_KEY_NUMBER, stamp
from taskforge.store.statements import INSERT_RECORD_SQL, INSERT_TASK_SQL, free_id, json_list
from taskforge.store.tables import (
    MessageRow,
    PatchRecordRow,
    ProjectRow,
    TaskRow,
    utcnow,
)

project_t = ProjectRow.__table__
task_t = TaskRow.__table__
record_t = PatchRecordRow.__table__
message_t = MessageRow.__table__

_TASK_COLUMNS = (
    "title", "description", "status", "priority", "estimate_minutes", "actual_minutes",
    "acceptance_criteria", "depends_on", "tags",
)
_CHUNK = 500
_USAGE = TypeAdapter(dict[str, Any])  # PatchRecord.usage's type
CHANNEL = "taskforge_changes"  # PostgreSQL NOTIFY channel: payload `<project_id> <version>`

__all__ = ["CHANNEL", "Applied", "ChatMessage", "ProjectSummary", "Reader", "Repository", "SqlRepository"]

if TYPE_CHECKING:
    from taskforge.store.watch import ChangeWatcher


@dataclass
class _Written:
    """What a write transaction appended, to find out after a failed COMMIT whether it landed."""

    project_id: str | None = None
    seq: int | None = None


class SqlRepository:
    """A Repository over any SQLAlchemy URL; SQLite (WAL, foreign keys, immediate writes) by default,
    PostgreSQL through psycopg 3.

    `author` is recorded on every change whose provenance names none (undo and redo included):
    the shells open the repository with the setting `user`.
    """

    def __init__(self, engine: Engine, limits: Limits = Limits(), author: str | None = None):
        self.engine = engine
        self.limits = limits
        self.author = author

    @classmethod
    def open(
        cls, db: str | None = None, *, create: bool = True, limits: Limits = Limits(), author: str | None = None
    ) -> SqlRepository:
        url = database.database_url(db)
        return cls(database.open_database(url, create_missing=create), limits, author)

    def close(self) -> None:
        self.engine.dispose()

    def watch(self) -> ChangeWatcher:
        from taskforge.store.watch import watch_changes

        return watch_changes(self.engine.url.render_as_string(hide_password=False))

    def __enter__(self) -> SqlRepository:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _where(self) -> str:
        return database.describe(str(self.engine.url))  # SQLAlchemy's str() already hides the password

    def _reason(self, exc: Exception) -> str:
        return database.reason(exc, self.engine.url.render_as_string(hide_password=False))

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            connection = self.engine.connect()
            if self.postgres:  # every query of one read sees the same snapshot (SQLite: one transaction does)
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection:
                yield connection
        except DBAPIError as exc:
            raise StoreError(f"cannot read {self._where()}: {self._reason(exc)}") from None

    @contextmanager
    def _write(self) -> Iterator[tuple[Connection, _Written]]:
        """One write transaction; a database error is one line, and says whether anything was written.

        An error before COMMIT rolls back: nothing was written. When COMMIT itself fails (the connection
        dropped), a fresh connection looks for the record the transaction appended: there, it committed.
        Errors come wrapped by SQLAlchemy or, from the PostgreSQL fast path's own cursor, straight from psycopg."""
        errors = (DBAPIError, *self._driver_errors())
        written = _Written()
        try:
            connection = self.engine.connect().execution_options(**database.WRITE)
        except errors as exc:
            raise StoreError(f"cannot write {self._where()}: {self._reason(exc)}; nothing was written") from None
        try:
            try:
                transaction = connection.begin()
                yield connection, written
            except errors as exc:
                raise StoreError(f"cannot write {self._where()}: {self._reason(exc)}; nothing was written") from None
            try:
                transaction.commit()
            except errors as exc:
                if self._landed(written):
                    return
                raise StoreError(f"cannot write {self._where()}: {self._reason(exc)}; {self._fate(written)}") from None
        finally:
            _release(connection)

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        error = getattr(self.engine.dialect, "loaded_dbapi", None)
        error = getattr(error, "Error", None)
        return (error,) if isinstance(error, type) and issubclass(error, Exception) else ()

    def _landed(self, written: _Written) -> bool:
        if written.project_id is None:
            return False
        try:
            with self.engine.connect() as connection:
                return connection.execute(
                    select(record_t.c.id).where(record_t.c.project_id == written.project_id, record_t.c.seq == written.seq)
                ).first() is not None
        except DBAPIError:
            return False

    def _fate(self, written: _Written) -> str:
        if written.project_id is None:
            return "nothing was written"
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except DBAPIError:
            return f"the change may or may not have been saved: check `taskforge history {written.project_id}`"
        return "nothing was written"

    # -- reading -----------------------------------------------------------------------------------

    def projects(self) -> list[ProjectSummary]:
        with self._read() as connection:
            counts = connection.execute(
                select(
                    task_t.c.project_id, func.count(), func.sum(case((task_t.c.status == "done", 1), else_=0))
                ).group_by(task_t.c.project_id)
            ).all()
            projects = connection.execute(
                _select(project_t, rows.SUMMARY_COLUMNS).order_by(project_t.c.updated_at.desc(), project_t.c.id)
            )
            return rows.summaries(counts, projects)

    def load(self, project_id: str) -> Tree:
        with self._read() as connection, gc_paused():
            return _load(connection, project_id)[0]

    def history(self, project_id: str) -> list[PatchRecord]:
        with self._read() as connection:
            _project_row(connection, project_id)
            return _records(connection, project_id)

    def messages(self, project_id: str, focus: str | None, limit: int = 50) -> list[ChatMessage]:
        with self._read() as connection:
            query = (
                _select(message_t, rows.MESSAGE_COLUMNS)
                .where(message_t.c.project_id == project_id, _focus_is(focus))
                .order_by(message_t.c.id.desc())
                .limit(limit)
            )
            return rows.messages(connection.execute(query).all())

    # -- writing ----------------------------------------------------------------------------------

    def add_message(self, project_id: str, focus: str | None, role: str, content: str, patch_seq: int | None = None) -> None:
        self.add_messages(project_id, focus, [(role, content, patch_seq)])

    def add_messages(
        self, project_id: str, focus: str | None, messages: Sequence[tuple[str, str, int | None]]
    ) -> None:
        """(role, content, patch_seq) messages in one transaction: all of them are kept, or none."""
        with self._write() as (connection, _):
            _project_row(connection, project_id)
            now = utcnow()
            connection.execute(
                insert(message_t),
                [
                    {"project_id": project_id, "focus": focus, "role": role, "content": content,
                     "patch_seq": patch_seq, "created_at": now}
                    for role, content, patch_seq in messages
                ],
            )

    def free_project_id(self, wanted: str) -> str:
        with self._read() as connection:
            return _free_id(connection, wanted)

    def create_project(
        self,
        project: Project,
        patch: ProjectPatch,
        provenance: Provenance,
        mode: Mode = Mode.PROJECT,
        *,
        rename_if_taken: bool = True,
        rejected: Sequence[RejectedOp] = (),
    ) -> Applied:
        """A new project, and its first patch in the same transaction: both land or neither does.

        A taken id becomes unique (`auth-flow-2`), or, when the caller named that exact project
        (`rename_if_taken=False`), is a version conflict: someone created it first.
        `project.next_key` may start above 1 so that a patch can bring tasks in with their keys
        (an import keeps `T1`…`Tn`).
        """
        _check_next_key(project.next_key)
        with self._write() as (connection, written):
            # The first statement claims the id: an insert that does nothing when the id is taken, so that two
            # processes creating the same project meet on the primary key (the second waits, then finds it).
            for _attempt in range(100):
                project_id = _free_id(connection, project.id) if rename_if_taken else project.id
                if _claim(connection, project, project_id):
                    break
                if not rename_if_taken:
                    existing = connection.execute(select(project_t.c.version).where(project_t.c.id == project_id)).first()
                    raise PatchError([Problem.stale(project_id, 0, existing.version if existing else 0)])
            else:  # pragma: no cover - a hundred creators racing for the same name
                raise StoreError(f"could not find a free project id for '{project.id}'")
            patch = patch.model_copy(update={"project_id": project_id, "base_version": 0})
            return self._apply(connection, written, patch, mode, None, provenance, rejected)

    def apply_patch(
        self,
        patch: ProjectPatch,
        *,
        mode: Mode,
        focus: str | None = None,
        provenance: Provenance | None = None,
        rejected: Sequence[RejectedOp] = (),
        alongside: Alongside | None = None,
    ) -> Applied:
        """Apply `patch` in one transaction; `alongside(connection, record)` runs in that same transaction once
        the record is written (the review queue marks its proposal accepted there): if it raises, nothing is
        written at all."""
        with self._write() as (connection, written):
            applied = self._apply(connection, written, patch, mode, focus, provenance or Provenance(), rejected)
            if alongside is not None:
                alongside(connection, applied.record)
            return applied

    def undo(self, project_id: str, expected_version: int | None = None, *, author: str | None = None) -> Applied:
        return self._step_history(project_id, RecordKind.UNDO, expected_version, author)

    def redo(self, project_id: str, expected_version: int | None = None, *, author: str | None = None) -> Applied:
        return self._step_history(project_id, RecordKind.REDO, expected_version, author)

    def _step_history(
        self, project_id: str, kind: RecordKind, expected_version: int | None, author: str | None
    ) -> Applied:
        with self._write() as (connection, written):
            # The caller saw `expected_version` (None: whatever is current): undoing on another version
            # would take back a change it never showed.
            version = _bump(connection, project_id, expected_version)
            records = _records(connection, project_id)
            done, undone = stacks(records)
            pending = done if kind is RecordKind.UNDO else undone
            if not pending:
                raise NothingToDo(f"nothing to {kind.value} in '{project_id}'")
            target = next(r for r in records if r.seq == pending[-1])
            source = target.inverse if kind is RecordKind.UNDO else target.patch
            # The stack guarantees the project is exactly as `target` left it (or found it), so the
            # stored patch applies as it is; only its base moves to the current version.
            patch = source.model_copy(update={"base_version": version})
            provenance = Provenance(
                message=f"{kind.value} #{target.seq}: {target.message}".rstrip(": "), planner=kind.value, author=author
            )
            return self._apply(
                connection, written, patch, Mode(kind.value), target.focus, provenance, (), kind=kind,
                target=target.seq, bumped=True,
            )

    def _apply(
        self,
        connection: Connection,
        written: _Written,
        patch: ProjectPatch,
        mode: Mode,
        focus: str | None,
        provenance: Provenance,
        rejected: Sequence[RejectedOp],
        *,
        kind: RecordKind = RecordKind.APPLY,
        target: int | None = None,
        bumped: bool = False,
    ) -> Applied:
        limits = self.limits if mode in (Mode.PROJECT, Mode.TASK, Mode.EDIT) else Limits(max_ops=10**7)
        with gc_paused():
            base = patch.base_version
            if not bumped:  # the transaction's first statement: check the base version and take the next one
                _bump(connection, patch.project_id, base)
            # Checking and placing the patch's work needs only the outline of the tasks it leaves alone
            # (`rows.outline`, a third of the cost of reading them): the ones it changes or deletes, and
            # everything below those it deletes, are read whole.
            tree, ids = _load(connection, patch.project_id, whole=_read_whole(patch))
            tree.project.version = base  # as the patch found it: the bump above is this patch's own
            result = replay(patch, tree, mode, focus, limits, steps=False)
            if result.problems:
                raise PatchError(result.problems)
            after = result.tree.project
            _check_next_key(after.next_key)
            _write_tree_changes(connection, tree, result, ids)
            now = utcnow()
            seq = _save_project(connection, after, now) + 1
            fields = {  # the PatchRecord's, but its patch and inverse: written from the engine's drafts
                "seq": seq, "kind": kind, "target_seq": target, "mode": Mode(mode), "focus": focus,
                "message": provenance.message, "planner": provenance.planner, "model": provenance.model,
                "usage": provenance.usage, "rejected_ops": [RejectedOp.model_validate(op) for op in rejected],
                "version_before": base, "version_after": after.version, "created_at": now,
                "author": provenance.author or self.author,
            }
            _insert_record(connection, after.id, fields, result.resolved_draft, result.inverse_draft)
            if connection.dialect.name == "postgresql":
                notify(connection, after.id, after.version)
            written.project_id, written.seq = after.id, seq

        def record() -> PatchRecord:
            return PatchRecord(**fields, patch=result.resolved, inverse=result.inverse)

        if any(type(task) is rows.OutlineTask for task in tree.tasks.values()):  # whoever wants it reads it
            project_id = after.id
            return Applied(record, lambda: self.load(project_id), dict(result.key_map), project_id)
        return Applied(record, result.tree, dict(result.key_map), after.id)


# -- helpers (module level: they take the connection the caller's transaction runs on) --------------


def _select(table, names: tuple[str, ...]):
    """The columns `rows` converts, in its order."""
    return select(*(table.c[name] for name in names))


def _focus_is(focus: str | None):
    return message_t.c.focus.is_(None) if focus is None else message_t.c.focus == focus


def _free_id(connection: Connection, wanted: str) -> str:
    base = slugify(wanted)
    taken = connection.execute(select(project_t.c.id).where((project_t.c.id == base) | project_t.c.id.like(f"{base}-%")))
    return free_id(base, {row[0] for row in taken})


def _release(connection: Connection) -> None:
    """Close a connection (rolling back what it did not commit) even when the server has already gone:
    the rollback of a lost connection fails, and then the connection is just thrown away."""
    try:
        connection.close()
    except Exception:
        with contextlib.suppress(Exception):
            connection.invalidate()


def _bump(connection: Connection, project_id: str, base: int | None) -> int:
    """Check that the project is at version `base` (None: at any version) and move it to the next one, in
    one statement that also locks the project's row until the transaction ends; returns the version it
    was at. No row updated: the project moved on (a conflict) or does not exist."""
    driver = _driver(connection)
    if driver is not None:
        sql, params = (_BUMP_ANY_SQL, (project_id,)) if base is None else (_BUMP_SQL, (project_id, base))
        row = connection.exec_driver_sql(sql if driver == "sqlite" else sql.replace("?", "%s"), params).first()
    else:
        where = project_t.c.id == project_id
        if base is not None:
            where = where & (project_t.c.version == base)
        row = connection.execute(
            update(project_t).where(where).values(version=project_t.c.version + 1).returning(project_t.c.version)
        ).first()
    if row is not None:
        return row[0] - 1
    current = connection.execute(select(project_t.c.version).where(project_t.c.id == project_id)).scalar()
    if current is None:
        raise UnknownProject(project_id)
    raise PatchError([Problem.stale(project_id, base, current)])


_BUMP_ANY_SQL = "UPDATE project SET version = version + 1 WHERE id = ? RETURNING version"
_BUMP_SQL = "UPDATE project SET version = version + 1 WHERE id = ? AND version = ? RETURNING version"
_SAVE_PROJECT_SQL = (  # and the seq of its latest audit record, in the same round trip
    "UPDATE project SET title = ?, summary = ?, status = ?, version = ?, next_key = ?, updated_at = ? WHERE id = ?"
    " RETURNING (SELECT max(seq) FROM patch_record WHERE patch_record.project_id = project.id)"
)
_PG_SAVE_PROJECT_SQL = _SAVE_PROJECT_SQL.replace("?", "%s").replace("updated_at = %s", "updated_at = %s::timestamp")


def _save_project(connection: Connection, project: Project, now: datetime) -> int:
    """Write the project's row as a patch left it; returns the seq of its latest audit record (0: none)."""
    driver = _driver(connection)
    values = (project.title, project.summary, project.status.value, project.version, project.next_key)
    if driver is not None:
        sql = _SAVE_PROJECT_SQL if driver == "sqlite" else _PG_SAVE_PROJECT_SQL
        return connection.exec_driver_sql(sql, (*values, stamp(now), project.id)).scalar() or 0
    connection.execute(
        update(project_t)
        .where(project_t.c.id == project.id)
        .values(
            title=project.title, summary=project.summary, status=project.status.value,
            version=project.version, next_key=project.next_key, updated_at=now,
        )
    )
    return connection.execute(select(func.max(record_t.c.seq)).where(record_t.c.project_id == project.id)).scalar() or 0


def notify(connection: Connection, project_id: str, version: int) -> None:
    """Announce a change on PostgreSQL: delivered to listeners when (and only if) the transaction commits.
    Only the project id and its new version: listeners re-read what they show."""
    connection.exec_driver_sql("SELECT pg_notify(%s, %s)", (CHANNEL, f"{project_id} {version}"))


def _claim(connection: Connection, project: Project, project_id: str) -> bool:
    """Insert the new project's row at version 0 unless the id is taken (then: False, nothing written)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif connection.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # another database: check, then insert (a race ends in an integrity error, rolled back)
        if connection.execute(select(project_t.c.id).where(project_t.c.id == project_id)).first() is not None:
            return False
        dialect_insert = insert
    now = utcnow()
    statement = dialect_insert(project_t).values(
        id=project_id, title=project.title, summary=project.summary, status=project.status.value,
        version=0, next_key=project.next_key, created_at=now, updated_at=now,
    )
    if dialect_insert is not insert:
        statement = statement.on_conflict_do_nothing(index_elements=["id"])
    return connection.execute(statement.returning(project_t.c.id)).first() is not None


def _check_next_key(next_key: int) -> None:
    if next_key - 1 > MAX_KEY_NUMBER:
        raise PatchError([Problem(f"task keys go up to T{MAX_KEY_NUMBER}; this change needs T{next_key - 1}")])


def _project_row(connection: Connection, project_id: str):
    row = connection.execute(select(project_t).where(project_t.c.id == project_id)).first()
    if row is None:
        raise UnknownProject(project_id)
    return row


def _driver(connection: Connection) -> str | None:
    """'sqlite' or 'postgresql' where the repository speaks SQL to the driver directly; None for the portable
    Core path (other databases, and tests via the `taskforge_portable` execution option)."""
    name = connection.dialect.name
    if name in ("sqlite", "postgresql") and not connection.get_execution_options().get("taskforge_portable"):
        return name
    return None


def _native(connection: Connection) -> bool:
    return _driver(connection) == "sqlite"


def _load(
    connection: Connection, project_id: str, *, whole: Callable[[Tree], Collection[str]] | None = None
) -> tuple[Tree, dict[str, int]]:
    """The project and all its tasks: one query for the project, one for every task, whatever the size.
    `whole`: the tasks as `rows.outline` reads them but those `whole(outline)` names, where the repository
    speaks to the driver (the portable path reads them all whole)."""
    driver = _driver(connection)
    if driver is not None:
        postgres = driver == "postgresql"
        if whole is not None:
            return rows.load_outline(connection.exec_driver_sql, project_id, postgres=postgres, whole=whole)
        return rows.load_tree(connection.exec_driver_sql, project_id, postgres=postgres)
    query = _select(project_t, rows.PROJECT_COLUMNS).where(project_t.c.id == project_id)
    row = connection.execute(query).first()
    if row is None:
        raise UnknownProject(project_id)
    tasks = connection.execute(
        _select(task_t, rows.TASK_COLUMNS)
        .where(task_t.c.project_id == project_id)
        .order_by(task_t.c.parent_id, task_t.c.position)
    ).all()
    return rows.tree(row, tasks, lists=list)  # SQLAlchemy has decoded the JSON columns


# Up to this many tasks updated or deleted, a patch reads the outline and those tasks (a third of the cost
# of reading every task, and their few rows); beyond, the tree whole.
_FEW_CHANGED = 64


def _read_whole(patch: ProjectPatch) -> Callable[[Tree], set[str]] | None:
    """What of a project `patch` needs whole: the tasks it updates or deletes, and every task a delete may
    take with it (their inverse restores every field): all below a deleted task and, when the patch
    deletes, all below a moved one, which brings its sub-tasks along. Keys it does not find are left to
    the replay to refuse. None: a patch that changes this many tasks reads the tree whole at once."""
    updated = [op for op in patch.task_patches if op.op is Op.UPDATE]
    changed = {op.task_id for op in updated}
    deleted = {op.task_id for op in patch.task_patches if op.op is Op.DELETE}
    if len(changed) + len(deleted) > _FEW_CHANGED:
        return None
    if deleted:
        deleted.update(op.task_id for op in updated if op.body and "parent_task_id" in op.body.model_fields_set)

    def keys(outline: Tree) -> set[str]:
        found = {key for key in changed if key in outline}
        for key in deleted:
            if key in outline:
                found.update(outline.subtree(key))
        return found

    return keys


def _records(connection: Connection, project_id: str) -> list[PatchRecord]:
    query = _select(record_t, rows.RECORD_COLUMNS).where(record_t.c.project_id == project_id).order_by(record_t.c.seq)
    return [rows.record(row) for row in connection.execute(query)]


class _Changes(NamedTuple):
    """What writing `after` over `before` takes, row by row."""

    created: list[str]  # new tasks, parents first
    changed: list[str]  # tasks the patch changed (fields, parent or place)
    shifted: list[str]  # tasks the patch left alone that another's arrival or departure moved in their list
    removed: list[str]  # deepest first
    positions: dict[str, int]  # the new position of every created, changed and shifted task


def _changes(before: Tree, after: Tree) -> _Changes:
    """The rows to write for `after`, a copy of `before` the patch engine changed.

    The copy kept account of the tasks and sibling lists it changed (`Tree.changed_keys`, `changed_lists`):
    only those are looked at, so an edit of a task in a project of thousands costs what the edit did. In a
    list that only grew at its end, the tasks already there kept their places and are not indexed. A
    shifted task needs its position written alone: its other fields are as they were (and a tree read as
    an outline, `rows.outline`, does not even hold them)."""
    old_children, new_children = before.children, after.children
    old_positions: dict[str, int] = {}
    positions: dict[str, int] = {}
    for parent in after.changed_lists():
        keys = new_children.get(parent)
        if not keys:  # a leaf's list, or a removed task's: no task has a place in it
            continue
        old_keys = old_children.get(parent)
        if old_keys:
            kept = len(old_keys)
            if keys[:kept] == old_keys:  # tasks added at the end (or none): the others kept their places
                positions.update(zip(keys[kept:], range(kept, len(keys)), strict=True))
                continue
            old_positions.update(zip(old_keys, range(kept), strict=True))
        positions.update(zip(keys, range(len(keys)), strict=True))
    old, tasks = before.tasks, after.tasks
    created, changed, removed = [], [], []
    new_position, old_position = positions.get, old_positions.get
    for key in after.changed_keys():
        if key not in old:
            if key in tasks:  # made by the patch (a task it made and removed again is neither)
                created.append(key)
        elif key not in tasks:
            removed.append(key)
        elif (task := tasks[key]) is not (prior := old[key]) and task != prior or new_position(key, -1) != old_position(key, -1):
            changed.append(key)
            if key not in positions:  # its fields changed, not its place
                positions[key] = after.position(key)
    touched = after.changed_keys()
    shifted = [
        key for key, place in old_positions.items()
        if key not in touched and key in tasks and new_position(key) != place
    ]
    # Parents first: the engine inserts a task after its parent, and a task moved under one made later
    # in the same patch goes after it.
    if created and not _parents_first(created, tasks):
        rank = {key: number for number, key in enumerate(after.walk()) if key not in old}
        created.sort(key=rank.__getitem__)
    removed.sort(key=before.depth, reverse=True)  # children before parents: the parent_id key holds
    return _Changes(created, changed, shifted, removed, positions)


def _parents_first(created: list[str], tasks: dict[str, Any]) -> bool:
    """Whether every created task in `created` comes after its parent when that was created too."""
    ahead = set(created)  # the created tasks not reached yet
    for key in created:
        if tasks[key].parent_key in ahead:
            return False
        ahead.discard(key)
    return True


def _write_tree_changes(connection: Connection, before: Tree, result: Result, ids: dict[str, int]) -> None:
    """Write only what changed: new rows (parents first), changed rows, then deletions."""
    driver = _driver(connection)
    if driver == "sqlite":
        return _write_tree_changes_sqlite(connection, before, result, ids)
    if driver == "postgresql":
        return _write_tree_changes_postgres(connection, before, result, ids)
    after = result.tree
    project_id = after.project.id
    now = utcnow()
    created, changed, shifted, removed, new_positions = _changes(before, after)
    changed += shifted  # this path reads whole trees: a shifted task's row is written whole
    by_depth: dict[int, list[str]] = {}
    for key in created:
        by_depth.setdefault(after.depth(key), []).append(key)
    for depth in sorted(by_depth):
        keys = by_depth[depth]
        rows = [
            _row(after[key], ids, new_positions[key]) | {"project_id": project_id, "created_at": now, "updated_at": now}
            for key in keys
        ]
        connection.execute(insert(task_t), rows)
        for chunk_start in range(0, len(keys), _CHUNK):
            chunk = keys[chunk_start:chunk_start + _CHUNK]
            query = select(task_t.c.key, task_t.c.id).where(
                task_t.c.project_id == project_id, task_t.c.key.in_(chunk)
            )
            ids.update((key, row_id) for key, row_id in connection.execute(query))

    if changed:
        statement = (
            update(task_t)
            .where(task_t.c.id == _bind("row_id"))
            .values({name: _bind(name) for name in ("parent_id", "position", "updated_at", *_TASK_COLUMNS)})
        )
        connection.execute(
            statement,
            [
                {f"b_{name}": value for name, value in _row(after[key], ids, new_positions[key]).items() if name != "key"}
                | {"b_row_id": ids[key], "b_updated_at": now}
                for key in changed
            ],
        )

    for chunk_start in range(0, len(removed), _CHUNK):
        chunk = [ids[key] for key in removed[chunk_start:chunk_start + _CHUNK]]
        connection.execute(delete(task_t).where(task_t.c.id.in_(chunk)))


_RECORD_SQL = INSERT_RECORD_SQL


def _insert_record(
    connection: Connection, project_id: str, fields: dict[str, Any], patch: Draft | ProjectPatch,
    inverse: Draft | ProjectPatch,
) -> None:
    """The audit row: `fields` are a PatchRecord's fields but its patch and inverse, which go in as the
    model serialises them to JSON (`Draft.to_json()` writes the very same text from plain data)."""
    usage = _USAGE.dump_python(fields["usage"], mode="json")  # as the record's `usage` field serialises it
    rejected_ops = [op.model_dump(mode="json") for op in fields["rejected_ops"]]
    driver = _driver(connection)
    if driver is None:
        if isinstance(patch, Draft):
            patch, inverse = patch.model(), inverse.model()
        values = {name: _json_value(value) for name, value in fields.items()}
        values.update(usage=usage, rejected_ops=rejected_ops, patch=patch.to_dict(), inverse=inverse.to_dict())
        connection.execute(insert(record_t).values(project_id=project_id, **values))
        return
    connection.exec_driver_sql(_RECORD_SQL if driver == "sqlite" else _PG_RECORD_SQL, (
        project_id, fields["seq"], fields["kind"].value, fields["target_seq"], fields["mode"].value, fields["focus"],
        fields["message"], fields["planner"], fields["model"], json.dumps(usage), patch.to_json(),
        inverse.to_json(), json.dumps(rejected_ops), fields["version_before"], fields["version_after"],
        stamp(fields["created_at"]), fields["author"],
    ))


def _json_value(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


_PG_RECORD_SQL = (
    _RECORD_SQL.split(" VALUES ")[0]
    + " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::json, %s::json, %s::json, %s::json, %s, %s, %s::timestamp, %s)"
)


_json_list = json_list
_INSERT_SQL = INSERT_TASK_SQL
_UPDATE_SQL = (
    "UPDATE task SET parent_id = ?, position = ?, title = ?, description = ?, status = ?, priority = ?,"
    " estimate_minutes = ?, actual_minutes = ?, acceptance_criteria = ?, depends_on = ?, tags = ?, updated_at = ?"
    " WHERE id = ?"
)
_SHIFT_SQL = "UPDATE task SET position = ?, updated_at = ? WHERE id = ?"
_VALUES = {member: member.value for kind in (Status, Priority) for member in kind}  # cheaper than `.value`


def _inserted_rows(after: Tree, keys: list[str], ids: dict[str, int], positions: dict[str, int], now: str) -> list[tuple]:
    """The new tasks' rows, in `_INSERT_SQL`'s (and the PostgreSQL COPY's) column order."""
    project_id, tasks, values = after.project.id, after.tasks, _VALUES
    rows = []
    for key in keys:
        task = tasks[key].__dict__
        parent = task["parent_key"]
        rows.append((
            ids[key], project_id, key, ids[parent] if parent else None, positions[key], task["title"],
            task["description"], values[task["status"]], values[task["priority"]], task["estimate_minutes"],
            task["actual_minutes"], _json_list(task["acceptance_criteria"]), _json_list(task["depends_on"]),
            _json_list(task["tags"]), now, now,
        ))
    return rows


def _updated_row(after: Tree, key: str, ids: dict[str, int], positions: dict[str, int], now: str) -> tuple:
    """A changed task's values, in `_UPDATE_SQL`'s order (its id last, for the WHERE)."""
    task = after.tasks[key]
    return (
        ids[task.parent_key] if task.parent_key else None, positions[key], task.title, task.description,
        task.status.value, task.priority.value, task.estimate_minutes, task.actual_minutes,
        _json_list(task.acceptance_criteria), _json_list(task.depends_on), _json_list(task.tags), now, ids[key],
    )


def _write_tree_changes_sqlite(connection: Connection, before: Tree, result: Result, ids: dict[str, int]) -> None:
    """The same writes as the portable path, as three executemany statements on the driver.

    The write lock is held (BEGIN IMMEDIATE), so new row ids can be handed out here, past the
    highest one: parents come before their children in pre-order, so one statement inserts them all.
    """
    after = result.tree
    created, changed, shifted, removed, positions = _changes(before, after)
    now = stamp(utcnow())
    if created:
        next_id = (connection.exec_driver_sql("SELECT max(id) FROM task").scalar() or 0) + 1
        for offset, key in enumerate(created):
            ids[key] = next_id + offset
        connection.exec_driver_sql(_INSERT_SQL, _inserted_rows(after, created, ids, positions, now))
    if changed:
        connection.exec_driver_sql(_UPDATE_SQL, [_updated_row(after, key, ids, positions, now) for key in changed])
    if shifted:
        connection.exec_driver_sql(_SHIFT_SQL, [(positions[key], now, ids[key]) for key in shifted])
    if removed:
        connection.exec_driver_sql("DELETE FROM task WHERE id = ?", [(ids[key],) for key in removed])


_PG_COPY_SQL = (
    "COPY task (id, project_id, key, parent_id, position, title, description, status, priority, estimate_minutes,"
    " actual_minutes, acceptance_criteria, depends_on, tags, created_at, updated_at) FROM STDIN"
)
_PG_SHIFT_SQL = "UPDATE task SET position = %s, updated_at = %s::timestamp WHERE id = %s"
# The sequence is looked up once (a stable function in the select list would run once per row: 3× the cost).
_PG_NEW_IDS_SQL = (
    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('task', 'id')::regclass AS seq)"
    " SELECT nextval(s.seq) FROM s, generate_series(1, %s)"
)
_PG_UPDATE_SQL = _UPDATE_SQL.replace("?", "%s").replace(
    "acceptance_criteria = %s, depends_on = %s, tags = %s, updated_at = %s",
    "acceptance_criteria = %s::json, depends_on = %s::json, tags = %s::json, updated_at = %s::timestamp",
)


def _write_tree_changes_postgres(connection: Connection, before: Tree, result: Result, ids: dict[str, int]) -> None:
    """The same writes as the SQLite path, for PostgreSQL on psycopg: row ids for the new tasks drawn from
    the table's sequence in one query, the new rows in one COPY (foreign keys are checked at the end of the
    statement, so parents and children go in together), the changed rows in one pipelined executemany and
    the removed ones in one DELETE."""
    after = result.tree
    created, changed, shifted, removed, positions = _changes(before, after)
    now = stamp(utcnow())
    cursor = connection.connection.driver_connection.cursor()
    if created:
        cursor.execute(_PG_NEW_IDS_SQL, (len(created),))
        for key, (row_id,) in zip(created, cursor.fetchall(), strict=True):
            ids[key] = row_id
        with cursor.copy(_PG_COPY_SQL) as copy:
            for row in _inserted_rows(after, created, ids, positions, now):
                copy.write_row(row)
    if changed:
        cursor.executemany(_PG_UPDATE_SQL, [_updated_row(after, key, ids, positions, now) for key in changed])
    if shifted:
        cursor.executemany(_PG_SHIFT_SQL, [(positions[key], now, ids[key]) for key in shifted])
    if removed:
        cursor.execute("DELETE FROM task WHERE id = ANY(%s)", ([ids[key] for key in removed],))


def _bind(name: str):
    return bindparam(f"b_{name}")


def _row(task: Task, ids: dict[str, int], position: int) -> dict:
    row = task.model_dump(mode="json", exclude={"parent_key"})
    row.update(parent_id=ids[task.parent_key] if task.parent_key else None, position=position)
    return row
