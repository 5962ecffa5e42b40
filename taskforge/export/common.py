"""What several exporters need: the tasks in scope, in order, with their depth; stable ids; a clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from hashlib import sha1

from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree

# Fixed, so that a task gets the same uuid in every export and a re-export updates rather than duplicates.
TASKFORGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://taskforge.invalid/task")


_NAMESPACE_BYTES = TASKFORGE_NAMESPACE.bytes
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # the RFC 4122 variant's digit


def stable_uuid(project_id: str, key: str) -> str:
    """`str(uuid.uuid5(TASKFORGE_NAMESPACE, f"{project_id}/{key}"))`, spelt from the SHA-1 digest directly:
    a 10k-task export makes 10k of them, and the UUID object costs three times the hash."""
    return uuid_text(sha1(_NAMESPACE_BYTES + f"{project_id}/{key}".encode()).hexdigest())


def stable_uuids(project_id: str) -> Callable[[str], str]:
    """`stable_uuid` for many keys of one project: the hash of the common prefix is computed once."""
    prefix = sha1(_NAMESPACE_BYTES + f"{project_id}/".encode())

    def of(key: str) -> str:
        digest = prefix.copy()
        digest.update(key.encode())
        return uuid_text(digest.hexdigest())

    return of


def uuid_text(digest: str) -> str:
    """A version-5 UUID's text from the hex SHA-1 digest of namespace and name."""
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{_VARIANT[digest[16]]}{digest[17:20]}-{digest[20:32]}"


def tops(tree: Tree, root: str | None) -> list[str]:
    """The keys an export starts from: the whole project's roots, or the one task asked for."""
    return [root] if root is not None else list(tree.roots)


def outline(tree: Tree, root: str | None = None) -> Iterator[tuple[str, int]]:
    """(key, depth) in display order; depth 1 is the export's own top level, whatever `root` is."""
    stack = [(key, 1) for key in reversed(tops(tree, root))]
    while stack:
        key, depth = stack.pop()
        yield key, depth
        stack.extend((child, depth + 1) for child in reversed(tree.children[key]))


def in_scope(tree: Tree, root: str | None) -> set[str] | None:
    """The keys a subtree export holds; None for the whole project (everything is in scope)."""
    return None if root is None else set(tree.subtree(root))


def dependencies(tree: Tree, key: str, scope: set[str] | None) -> list[str]:
    """The task's dependencies that are part of the export: a subtree export stays self-contained."""
    depends = tree[key].depends_on
    return list(depends) if scope is None else [dep for dep in depends if dep in scope]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def notes_text(description: str, criteria: list[str]) -> str:
    """A task's description and acceptance criteria as one plain-text note (iCalendar, OPML)."""
    parts = [clean_block(description)] if description else []
    if criteria:
        parts.append("Acceptance criteria:\n" + "\n".join(f"- {clean_line(c)}" for c in criteria))
    return "\n\n".join(parts)


# What `left_out` can name: a field as a note says it, and whether a task has a value for it.
FIELDS = {
    "description": ("descriptions", lambda task: bool(task.description)),
    "acceptance_criteria": ("acceptance criteria", lambda task: bool(task.acceptance_criteria)),
    "tags": ("tags", lambda task: bool(task.tags)),
    "estimate_minutes": ("estimates", lambda task: task.estimate_minutes is not None),
    "actual_minutes": ("time spent", lambda task: task.actual_minutes is not None),
    "priority": ("priorities", lambda task: task.priority.value != "medium"),
    "status": ("statuses other than done", lambda task: task.status.value in ("doing", "blocked")),
    "depends_on": ("dependencies", lambda task: bool(task.depends_on)),
}


def left_out(fmt: str, tree: Tree, root: str | None, fields: list[str]) -> list[str]:
    """One note naming each field the format has no place for, with how many tasks had one; none if none had."""
    keys = [key for key, _ in outline(tree, root)]
    counts = []
    for name in fields:
        said, has = FIELDS[name]
        count = sum(has(tree[key]) for key in keys)
        if count:
            counts.append(f"{said} ({count})")
    return [f"{fmt}: no place for {', '.join(counts)}; left out"] if counts else []
