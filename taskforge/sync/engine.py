"""The sync engine: push sends what changed here since the last sync; pull turns what changed there into a patch.

Both compare field by field against the link's last-synced values (see `store.Link`):

- a field changed only here is pushed; only there, pulled; on both sides (to different values) it is a
  conflict: a push leaves it and names the pull that resolves it; a pull shows both values in an
  operation of its own that is off unless the user accepts the remote value;
- a push writes each item's link right after the remote write, so an interrupted push resumes; an
  unlinked task whose item exists (found by its marker) is adopted instead of created again;
- a pull is a `Proposal` (planner `sync:NAME`): reviewed, validated and recorded like any other patch,
  so it can be undone. Links move on only for what the user accepted.

The engine knows nothing of a service: it talks to a `TrackerAdapter` (adapter.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from taskforge.core.errors import BadInput
from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Task
from taskforge.core.tree import Tree
from taskforge.sync import store
from taskforge.sync.adapter import (
    FIELDS,
    RELATION_FIELDS,
    SCALAR_FIELDS,
    ItemGone,
    MissingToken,
    Remote,
    RemoteFields,
    RemoteItem,
    RemoteRequestFailed,
    Reporter,
    RetryPolicy,
    SyncError,
    TrackerAdapter,
    open_adapter,
)
from taskforge.sync.store import CLOSED, GONE, LINKED, Link

if TYPE_CHECKING:
    from taskforge.agent.service import Proposal
    from taskforge.store.interface import Applied
    from taskforge.store.repository import SqlRepository

# Pulls re-read this much before the last pull's newest change: services round their timestamps
# (Notion to the minute), and an item written while the last pull was reading must not slip through.
OVERLAP = timedelta(minutes=10)
_MISSING = object()
UNMARKED = "_unmarked"  # in a link's local values: the item was made on the service and has no marker yet

# A mapped field's name → the task field it fills (the rest share their names).
TASK_FIELD = {"spent_minutes": "actual_minutes", "parent": "parent_task_id"}


def planner_name(remote: Remote) -> str:
    return f"sync:{remote.name}"


# -- opening ---------------------------------------------------------------------------------------------


@dataclass
class Sync:
    """One remote of one project, opened for a push or a pull."""

    repo: SqlRepository
    remote: Remote
    adapter: TrackerAdapter
    reporter: Reporter

    @property
    def engine(self):
        return self.repo.engine


def open_sync(
    repo: SqlRepository, project_id: str, name: str, reporter: Reporter, policy: RetryPolicy | None = None,
    environ: dict[str, str] | None = None,
) -> Sync:
    """The remote `name` of `project_id` with its adapter, the token read from the environment now."""
    remote = store.get_remote(repo.engine, project_id, name)
    token = (os.environ if environ is None else environ).get(remote.token_env, "")
    if not token.strip():
        raise MissingToken(remote)
    try:
        adapter = open_adapter(remote, token.strip(), reporter, policy)
    except ImportError as missing:  # the `sync` extra is not installed (or this taskforge has no such adapter)
        raise SyncError(
            f"syncing with {remote.service} needs the sync extra: pip install 'taskforge[sync]' ({missing.name} is missing)"
        ) from None
    return Sync(repo, remote, adapter, reporter)


# -- values on both sides --------------------------------------------------------------------------------


def local_values(task: Task) -> dict[str, Any]:
    """A task's mapped fields, in the adapter's names (parent and dependencies as task keys)."""
    return {
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "estimate_minutes": task.estimate_minutes,
        "spent_minutes": task.actual_minutes,
        "parent": task.parent_key,
        "depends_on": sorted(task.depends_on),
    }


def _to_remote(name: str, value: Any, remote_ids: dict[str, str]) -> Any:
    """A local value in the remote's space: task keys become remote ids (unlinked ones are left out)."""
    if name == "parent":
        return remote_ids.get(value) if value is not None else None
    if name == "depends_on":
        return sorted(remote_ids[key] for key in value if key in remote_ids)
    return value


def _to_local(name: str, value: Any, keys: dict[str, str]) -> Any:
    if name == "parent":
        return keys.get(value) if value is not None else None
    if name == "depends_on":
        return sorted(keys[remote_id] for remote_id in value if remote_id in keys)
    return value


def _remote_dict(fields: RemoteFields) -> dict[str, Any]:
    return fields.as_dict()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return sorted(a) == sorted(b)
    return a == b


# -- push ------------------------------------------------------------------------------------------------


@dataclass
class Change:
    key: str
    ref: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name → (remote before, new value)
    url: str = ""


@dataclass
class PushReport:
    project_id: str
    remote: str
    service: str
    dry_run: bool
    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    closed: list[Change] = field(default_factory=list)
    adopted: list[Change] = field(default_factory=list)  # found by their marker (an earlier push was interrupted)
    conflicts: list[Change] = field(default_factory=list)  # changed on both sides: left for the pull
    gone: list[Change] = field(default_factory=list)  # deleted on the service: the pull offers to delete the task
    notes: list[str] = field(default_factory=list)
    failure: str | None = None  # the one line of a request that finally failed

    @property
    def writes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.closed)

    def to_dict(self) -> dict[str, Any]:
        def changes(found: list[Change]) -> list[dict[str, Any]]:
            return [
                {"key": c.key, "remote": c.ref, "url": c.url,
                 "fields": {name: {"from": old, "to": new} for name, (old, new) in c.fields.items()}}
                for c in found
            ]

        return {
            "project_id": self.project_id, "remote": self.remote, "service": self.service, "dry_run": self.dry_run,
            "created": changes(self.created), "updated": changes(self.updated), "closed": changes(self.closed),
            "adopted": changes(self.adopted), "conflicts": changes(self.conflicts), "gone": changes(self.gone),
            "notes": self.notes, "failure": self.failure,
        }


def push(sync: Sync, *, dry_run: bool = False) -> PushReport:
    """Send what changed here since the last sync; a final request failure ends it with `report.failure`
    set, every link of what was done kept."""
    report = PushReport(sync.remote.project_id, sync.remote.name, sync.adapter.service, dry_run)
    try:
        _push(sync, report, dry_run)
    except RemoteRequestFailed as exc:
        report.failure = str(exc)
    return report


def _push(sync: Sync, report: PushReport, dry_run: bool) -> None:
    adapter, remote, engine = sync.adapter, sync.remote, sync.engine
    supported = adapter.supported_fields
    tree = sync.repo.load(remote.project_id)
    links = store.links(engine, remote)
    unlinked = [key for key in tree.walk() if key not in links]
    if unlinked:  # an interrupted push may have created some of them: find them by their marker
        wanted = set(unlinked)
        for item in adapter.find_marked():
            if item.key in wanted:
                wanted.discard(item.key)
                link = Link(item.key, item.remote_id, item.ref, item.url, LINKED, {}, _remote_dict(item.fields))
                links[item.key] = link
                report.adopted.append(Change(item.key, item.ref, url=item.url))
                if not dry_run:
                    store.save_link(engine, remote, link)
    current = _current(sync, links)
    remote_ids = {key: link.remote_id for key, link in links.items() if link.state == LINKED}

    # Creates and field updates, parents before children.
    for key in tree.walk():
        task = tree[key]
        mine = local_values(task)
        link = links.get(key)
        if link is None:
            fields = RemoteFields.from_dict({name: mine[name] for name in SCALAR_FIELDS if name in supported})
            change = Change(key, "(new)", {name: (None, mine[name]) for name in SCALAR_FIELDS if name in supported})
            if not dry_run:
                item = adapter.create(key, fields)
                change.ref, change.url = item.ref, item.url
                link = Link(key, item.remote_id, item.ref, item.url, LINKED,
                            {name: mine[name] for name in SCALAR_FIELDS} | {"parent": None, "depends_on": []},
                            _remote_dict(item.fields))
                links[key] = link
                remote_ids[key] = item.remote_id
                store.save_link(engine, remote, link)
            report.created.append(change)
            continue
        if link.state != LINKED:
            continue
        theirs = current.get(link.remote_id, link.remote)
        push_now, agreed, conflicts = _compare(
            [n for n in SCALAR_FIELDS if n in supported], mine, link, theirs, lambda name, value: value
        )
        if link.local.get(UNMARKED) and "description" not in push_now + conflicts:
            push_now.append("description")  # an item made on the service: the description gets our marker
            agreed = [name for name in agreed if name != "description"]
        if conflicts:
            report.conflicts.append(Change(key, link.ref, {n: (theirs.get(n), mine[n]) for n in conflicts}, link.url))
        if not push_now:
            if agreed and not dry_run:
                _record(link, mine, theirs, agreed)
                store.save_link(engine, remote, link)
            continue
        change = Change(key, link.ref, {n: (theirs.get(n), mine[n]) for n in push_now}, link.url)
        if not dry_run:
            try:
                item = adapter.update(link.remote_id, key, {n: mine[n] for n in push_now})
            except ItemGone:
                report.gone.append(Change(key, link.ref, url=link.url))
                continue
            _record(link, mine, _remote_dict(item.fields), [*push_now, *agreed])
            link.local.pop(UNMARKED, None)
            store.save_link(engine, remote, link)
        report.updated.append(change)

    # Relations, once every item exists.
    relation_fields = [name for name in RELATION_FIELDS if name in supported]
    if relation_fields:
        for key in tree.walk():
            link = links.get(key)
            if link is None or link.state != LINKED or any(c.key == key for c in report.gone):
                continue
            mine = local_values(tree[key])
            wanted = {name: _to_remote(name, mine[name], remote_ids) for name in relation_fields}
            theirs = current.get(link.remote_id, link.remote)
            in_remote_space = dict(wanted)
            push_now, agreed, conflicts = _compare(
                relation_fields, mine, link, theirs, lambda name, value, mapped=in_remote_space: mapped[name]
            )
            if conflicts:
                _merge_conflict(report, key, link, {n: (theirs.get(n), mine[n]) for n in conflicts})
            if not push_now:
                if agreed and not dry_run:
                    _record(link, mine, theirs, agreed, remote_values=wanted)
                    store.save_link(engine, remote, link)
                continue
            before = {n: theirs.get(n) for n in push_now}
            if not dry_run:
                parent = wanted.get("parent", theirs.get("parent"))
                depends = wanted.get("depends_on", theirs.get("depends_on") or [])
                try:
                    adapter.set_relations(link.remote_id, key, parent, depends)
                except ItemGone:
                    report.gone.append(Change(key, link.ref, url=link.url))
                    continue
                _record(link, mine, {}, [*push_now, *agreed], remote_values=wanted)
                store.save_link(engine, remote, link)
            _merge_update(report, key, link, {n: (before[n], mine[n]) for n in push_now})

    # Tasks deleted here: close their items.
    for key, link in sorted(links.items()):
        if key in tree or link.state != LINKED:
            continue
        if not dry_run:
            try:
                adapter.close(link.remote_id, key)
            except ItemGone:
                link.state = GONE
            else:
                link.state = CLOSED
            store.save_link(engine, remote, link)
        report.closed.append(Change(key, link.ref, url=link.url))


def _current(sync: Sync, links: dict[str, Link]) -> dict[str, dict[str, Any]]:
    """The remote values of linked items that changed since the last pull (the rest are as last synced)."""
    since = store.pulled_until(sync.engine, sync.remote)
    linked = {link.remote_id for link in links.values() if link.state == LINKED}
    found = {}
    for item in sync.adapter.changed_since(since - OVERLAP if since else None):
        if item.remote_id in linked:
            found[item.remote_id] = _remote_dict(item.fields)
    return found


def _compare(names, mine, link: Link, theirs, wanted_remote) -> tuple[list[str], list[str], list[str]]:
    """(fields to push, fields already equal on both sides, conflicts) among the fields changed here."""
    push_now, agreed, conflicts = [], [], []
    for name in names:
        synced = link.local.get(name, _MISSING)
        if synced is not _MISSING and _same(synced, mine[name]):
            continue  # not changed here
        target = wanted_remote(name, mine[name])
        if _same(target, theirs.get(name)):
            agreed.append(name)
        elif synced is not _MISSING and name in link.remote and not _same(theirs.get(name), link.remote[name]):
            conflicts.append(name)
        else:
            push_now.append(name)
    return push_now, agreed, conflicts


def _record(link: Link, mine, theirs, names, remote_values=None) -> None:
    for name in names:
        link.local[name] = mine[name]
        if remote_values is not None and name in remote_values:
            link.remote[name] = remote_values[name]
        elif name in theirs:
            link.remote[name] = theirs[name]


def _merge_update(report: PushReport, key: str, link: Link, fields: dict) -> None:
    for change in [*report.created, *report.updated]:
        if change.key == key:
            change.fields.update(fields)
            return
    report.updated.append(Change(key, link.ref, fields, link.url))


def _merge_conflict(report: PushReport, key: str, link: Link, fields: dict) -> None:
    for change in report.conflicts:
        if change.key == key:
            change.fields.update(fields)
            return
    report.conflicts.append(Change(key, link.ref, fields, link.url))


# -- pull ------------------------------------------------------------------------------------------------


@dataclass
class PullPlan:
    """What a pull read and how accepting each operation moves the links."""

    remote: Remote
    items: dict[str, RemoteItem]  # remote id → item as read
    newest: datetime | None  # the newest change read: the next pull's starting point
    op_fields: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # op index → (key, mapped fields)
    conflict_ops: set[int] = field(default_factory=set)
    created: dict[int, str] = field(default_factory=dict)  # op index → remote id of the new item
    deleted: dict[int, str] = field(default_factory=dict)  # op index → key whose item is gone
    agreed: dict[str, list[str]] = field(default_factory=dict)  # key → fields equal on both sides already
    adopted: list[Link] = field(default_factory=list)


@dataclass(frozen=True)
class PullProposal:
    proposal: Proposal | None  # None: nothing to pull
    plan: PullPlan
    conflicts: list[str]  # one line per conflicting field: "T4 title: here 'A', on GitLab 'B'"

    @property
    def conflict_ops(self) -> set[int]:
        return self.plan.conflict_ops


def pull(sync: Sync) -> PullProposal:
    """Read what changed on the service since the last pull and propose it as one patch (nothing written)."""
    from taskforge.agent.planner import Usage
    from taskforge.agent.service import Proposal
    from taskforge.core.diff import entries
    from taskforge.core.patches import PatchError, ProjectPatch, replay

    adapter, remote = sync.adapter, sync.remote
    service = adapter.service
    supported = [name for name in FIELDS if name in adapter.supported_fields]
    tree = sync.repo.load(remote.project_id)
    links = store.links(sync.engine, remote)
    since = store.pulled_until(sync.engine, remote)
    items = {item.remote_id: item for item in adapter.changed_since(since - OVERLAP if since else None)}
    newest = max((item.updated_at for item in items.values()), default=since)
    plan = PullPlan(remote, items, newest)
    keys = {link.remote_id: key for key, link in links.items() if link.state == LINKED}
    live = {key: link for key, link in links.items() if link.state == LINKED and key in tree}
    gone_ids = adapter.missing([link.remote_id for link in live.values()])
    gone_ids |= {item.remote_id for item in items.values() if item.deleted and item.remote_id in keys}

    updates: list[dict] = []
    conflict_updates: list[dict] = []
    summary: list[str] = []
    conflicts: list[str] = []
    for remote_id, item in sorted(items.items(), key=lambda pair: pair[1].updated_at):
        key = keys.get(remote_id)
        if key is None:
            if item.key and item.key in tree and item.key not in links:  # lost link: found by its marker
                plan.adopted.append(Link(item.key, remote_id, item.ref, item.url, LINKED,
                                         local_values(tree[item.key]), _remote_dict(item.fields)))
            continue
        if key not in live or remote_id in gone_ids:
            continue
        link = live[key]
        mine = local_values(tree[key])
        theirs = _remote_dict(item.fields)
        plain: dict[str, Any] = {}
        disputed: dict[str, Any] = {}
        for name in supported:
            if name in link.remote and _same(theirs[name], link.remote[name]):
                continue  # not changed there
            value = _to_local(name, theirs[name], keys)
            if name == "parent" and theirs[name] is not None and value is None:
                sync.reporter.note(f"{key} ({item.ref}): its parent on {service} is not linked to a task here: left as it is")
                continue
            if _same(value, mine[name]):
                plan.agreed.setdefault(key, []).append(name)
            elif name in link.local and not _same(mine[name], link.local[name]):
                disputed[name] = value
                conflicts.append(f"{key} {_label(name)}: here {_show(mine[name])}, on {service} {_show(value)}")
            else:
                plain[name] = value
        if plain:
            updates.append({"key": key, "fields": plain})
            summary.append(f"{key} ({item.ref}): {', '.join(_label(n) for n in plain)}")
        if disputed:
            conflict_updates.append({"key": key, "fields": disputed})

    creates = _new_items(items, keys, tree, links, supported)
    order = {key: index for index, key in enumerate(tree.walk())}
    deletes = sorted((keys[remote_id] for remote_id in gone_ids if keys.get(remote_id) in live), key=order.__getitem__)
    ops: list[dict] = []
    for entry in updates:
        plan.op_fields[len(ops)] = (entry["key"], list(entry["fields"]))
        ops.append(_update_op(entry["key"], entry["fields"]))
    for entry in conflict_updates:
        plan.op_fields[len(ops)] = (entry["key"], list(entry["fields"]))
        plan.conflict_ops.add(len(ops))
        ops.append(_update_op(entry["key"], entry["fields"]))
    temp_ids = {}
    for number, item in enumerate(creates, 1):
        temp_ids[item.remote_id] = f"n{number}"
    for item in creates:
        parent = keys.get(item.fields.parent) or temp_ids.get(item.fields.parent)
        body = {"parent_task_id": parent, **{TASK_FIELD.get(n, n): v for n, v in _create_fields(item, supported).items()}}
        plan.created[len(ops)] = item.remote_id
        ops.append({"op": "create", "task_id": temp_ids[item.remote_id], "body": body})
    if creates:
        summary.append(f"{len(creates)} new {service} item(s) under linked tasks")
    deleting = set(deletes)
    disputed_deletes = {
        key for key in deletes
        if not all(_same(local_values(tree[key])[n], live[key].local.get(n)) for n in SCALAR_FIELDS)
    }
    for key in sorted(disputed_deletes):
        conflicts.append(f"{key}: deleted on {service}, but changed here since the last sync")
    for other in tree.walk():  # tasks that depend on a deleted one lose that dependency first
        dropped = [d for d in tree[other].depends_on if d in deleting]
        if other in deleting or not dropped:
            continue
        if set(dropped) & disputed_deletes:
            plan.conflict_ops.add(len(ops))
        ops.append({"op": "update", "task_id": other,
                    "body": {"depends_on": [d for d in tree[other].depends_on if d not in deleting]}})
    for key in deletes:
        if any(ancestor in deleting for ancestor in tree.ancestors(key)):
            continue  # a deleted ancestor's cascade takes it
        plan.deleted[len(ops)] = key
        if key in disputed_deletes:
            plan.conflict_ops.add(len(ops))
        ops.append({"op": "delete", "task_id": key, "cascade": bool(tree.children[key])})
    if deletes:
        summary.append(f"{len(deletes)} deleted on {service}: " + ", ".join(deletes))

    if not ops:
        return PullProposal(None, plan, conflicts)
    rationale = _rationale(remote, service, summary, conflicts)
    patch = ProjectPatch.model_validate({
        "project_id": tree.project.id, "base_version": tree.project.version, "rationale": rationale,
        "task_patches": ops,
    })
    result = replay(patch, tree, Mode.EDIT, None, sync.repo.limits)
    if result.problems:
        raise BadInput(f"the changes on {service} do not fit the project: {PatchError(result.problems)}")
    proposal = Proposal(
        project_id=tree.project.id, mode=Mode.EDIT, focus=None, message=f"pull from {remote.name}",
        rationale=rationale, planner=planner_name(remote), model=None, usage=Usage(), patch=patch,
        entries=entries(result), tree=tree,
    )
    return PullProposal(proposal, plan, conflicts)


def accept_pull(sync: Sync, pulled: PullProposal, kept: Iterable[int] | None = None) -> Applied | None:
    """Apply the kept operations (all but the conflicts by default), recorded as the remote's change,
    then move the links: accepted fields are synced on both sides; a conflict turned down keeps the local
    value, to be pushed next time. Returns None when there was nothing to apply."""
    from taskforge.core.selection import subset

    plan = pulled.plan
    applied = None
    kept_set: set[int] = set()
    proposal = pulled.proposal
    if proposal is not None and proposal.patch is not None:
        total = len(proposal.patch.task_patches)
        kept_set = set(range(total)) - plan.conflict_ops if kept is None else set(kept)
        if kept_set:
            patch, rejected = subset(proposal.patch, sorted(kept_set))
            author = planner_name(sync.remote)
            provenance = Provenance(message=proposal.message, planner=author, author=author)
            applied = sync.repo.apply_patch(patch, mode=Mode.EDIT, provenance=provenance, rejected=rejected)
    _move_links(sync, pulled, kept_set, applied)
    return applied


def reject_pull(sync: Sync, pulled: PullProposal) -> None:
    """Nothing applied: only links found again by their marker are kept."""
    if pulled.plan.adopted:
        store.save_links(sync.engine, sync.remote, pulled.plan.adopted)


def _move_links(sync: Sync, pulled: PullProposal, kept: set[int], applied: Applied | None) -> None:
    plan = pulled.plan
    tree = applied.tree if applied is not None else sync.repo.load(sync.remote.project_id)
    links = store.links(sync.engine, sync.remote)
    changed: dict[str, Link] = {link.key: link for link in plan.adopted}
    dropped: list[str] = []

    def synced(key: str, names: Iterable[str], *, local: bool) -> None:
        link = changed.get(key) or links.get(key)
        if link is None or key not in tree:
            return
        item = plan.items.get(link.remote_id)
        if item is None:
            return
        theirs = _remote_dict(item.fields)
        mine = local_values(tree[key])
        for name in names:
            link.remote[name] = theirs[name]
            if local:
                link.local[name] = mine[name]
        changed[key] = link

    for key, names in plan.agreed.items():
        synced(key, names, local=True)
    all_plain_kept = True
    for index, (key, names) in plan.op_fields.items():
        if index in kept:
            synced(key, names, local=True)
        elif index in plan.conflict_ops:
            synced(key, names, local=False)  # the local value stays, and is pushed next time
        else:
            all_plain_kept = False
    key_map = applied.key_map if applied is not None else {}
    for index, remote_id in plan.created.items():
        if index not in kept:
            all_plain_kept = False
            continue
        item = plan.items[remote_id]
        temp = pulled.proposal.patch.task_patches[index].task_id
        key = key_map.get(temp, temp)
        if key in tree:
            changed[key] = Link(key, remote_id, item.ref, item.url, LINKED, local_values(tree[key]) | {UNMARKED: True},
                                _remote_dict(item.fields))
    for index, key in plan.deleted.items():
        link = links.get(key)
        if link is None:
            continue
        if index in kept:
            link.state = GONE
            changed[key] = link
        elif index in plan.conflict_ops:
            dropped.append(key)  # keep the task: the next push creates its item again
        else:
            all_plain_kept = False
    store.save_links(sync.engine, sync.remote, list(changed.values()), dropped)
    if all_plain_kept and plan.newest is not None:
        store.set_pulled_until(sync.engine, sync.remote, plan.newest)


def _new_items(items, keys, tree: Tree, links, supported) -> list[RemoteItem]:
    """Unlinked items (no marker of this project) under a linked task or under another such item, parents first."""
    unlinked = {rid: item for rid, item in items.items() if rid not in keys and item.key is None and not item.closed
                and not item.deleted}
    chosen: list[RemoteItem] = []
    placed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for rid, item in unlinked.items():
            parent = item.fields.parent
            if rid in placed or parent is None:
                continue
            if (parent in keys and keys[parent] in tree) or parent in placed:
                chosen.append(item)
                placed.add(rid)
                progress = True
    return chosen if "parent" in supported else []


def _create_fields(item: RemoteItem, supported: list[str]) -> dict[str, Any]:
    values = _remote_dict(item.fields)
    return {name: values[name] for name in SCALAR_FIELDS if name in supported and values[name] is not None}


def _update_op(key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"op": "update", "task_id": key, "body": {TASK_FIELD.get(n, n): v for n, v in fields.items()}}


_LABELS = {"estimate_minutes": "estimate", "spent_minutes": "time spent", "depends_on": "dependencies"}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    text = " ".join(str(value).split())
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _rationale(remote: Remote, service: str, summary: list[str], conflicts: list[str]) -> str:
    lines = [f"Changes on {service} (remote '{remote.name}') since the last sync."]
    lines += [f"- {line}" for line in summary]
    if conflicts:
        lines.append(f"Changed here and on {service} (off unless you accept {service}'s value):")
        lines += [f"- {line}" for line in conflicts]
    return "\n".join(lines)
