"""Restructuring by the offline planner: delete, combine, split and move tasks.

Each returns an `Edit` whose operations the validator accepts as they stand: dependencies on whatever
the patch deletes are re-pointed or dropped first, children move before their parent goes, and positions
are worked out on a scratch copy of the tree. Anything that cannot be done raises `Refusal`.
"""

from __future__ import annotations

from collections.abc import Iterable

from taskforge.agent.offline.common import (
    Edit,
    Refusal,
    create,
    delete,
    fit,
    format_duration,
    inline,
    listed,
    plural,
    quoted,
    update,
)
from taskforge.agent.offline.language import Scope
from taskforge.core.limits import DESCRIPTION_MAX, MAX_DEPTH, MAX_NEW_ROOTS
from taskforge.core.models import Priority, Status, Task
from taskforge.core.patches import TaskPatch
from taskforge.core.tree import Tree

MAX_PARTS = MAX_NEW_ROOTS  # a split at the top level creates root tasks, and a patch may create at most this many


def delete_tasks(scope: Scope, keys: list[str]) -> Edit:
    """Delete tasks (with their sub-tasks), dropping them from other tasks' dependencies first."""
    tree = scope.tree
    _refuse_focus(scope, keys, "deleted")
    tops = [key for key in keys if not any(other != key and tree.is_within(key, other) for other in keys)]
    removed = {sub for key in tops for sub in tree.subtree(key)}
    ops, repointed = _repoint_dependents(scope, removed, [])
    order = _deletion_order(tree, tops)
    if order is None:  # they wait on each other both ways: untie them first
        ops += _untie(tree, tops)
        order = tops
    said = []
    for key in order:
        below = len(tree.subtree(key)) - 1
        ops.append(delete(key, cascade=below > 0))
        said.append(scope.label(key) + (f" (with {plural(below, 'sub-task')})" if below else ""))
    text = f"deleted {listed(said)}"
    if repointed:
        text += f", and removed {'it' if len(tops) == 1 else 'them'} from the dependencies of {listed(repointed)}"
    return Edit(text + ".", ops)


def _deletion_order(tree: Tree, tops: list[str]) -> list[str] | None:
    """Tops ordered so that none is deleted while a later one still waits on it; None if impossible."""
    subtrees = {top: set(tree.subtree(top)) for top in tops}

    def waits_on(a: str, b: str) -> bool:
        return any(dep in subtrees[b] for key in subtrees[a] for dep in tree[key].depends_on)

    order, remaining = [], list(tops)
    while remaining:
        free = next((top for top in remaining if not any(o != top and waits_on(o, top) for o in remaining)), None)
        if free is None:
            return None
        order.append(free)
        remaining.remove(free)
    return order


def _untie(tree: Tree, tops: list[str]) -> list[TaskPatch]:
    """Updates dropping dependencies between the subtrees of `tops`, which are all about to go."""
    ops = []
    for top in tops:
        own = set(tree.subtree(top))
        others = {key for other in tops if other != top for key in tree.subtree(other)}
        for key in tree.subtree(top):
            current = tree[key].depends_on
            if any(dep in others for dep in current):
                ops.append(update(key, depends_on=[dep for dep in current if dep not in others or dep in own]))
    return ops


def merge(scope: Scope, keys: list[str], title: str | None = None, keeper: str | None = None) -> Edit:
    """Fold the tasks into one: fields merged, children and dependents moved to it.

    "Merge T2 into T1" keeps T1. "Combine the first two tasks" keeps the last one named, moved to
    where the first one was: the combined task then sits where the user expects it, and the keys that
    survive are the later ones, so a plan written against "T1, T2, …" still finds T2 afterwards.
    """
    tree = scope.tree
    keeper = keeper or keys[-1]
    others = [key for key in keys if key != keeper]
    if not others:
        raise Refusal("name at least two tasks to combine, e.g. “combine the first two tasks” or “merge T2 into T1”.")
    _refuse_focus(scope, others, "merged away")
    for a in keys:
        for b in keys:
            if a != b and tree.is_within(a, b):
                raise Refusal(
                    f"{a} is inside {b}, so they cannot be combined; move {a} out first or delete it."
                )
    tasks = [tree[key] for key in keys]
    merged = _merged_fields(tasks, title)
    # A task that waits for one of the merged tasks will wait for the keeper: the keeper cannot wait for it.
    waiting = _waiting_for(tree, set(keys))
    circular = [dep for dep in merged["depends_on"] if dep in waiting]
    merged["depends_on"] = [dep for dep in merged["depends_on"] if dep not in waiting]
    ops = []
    first = keys[0]
    place = {}
    if keeper != first:
        place = {"parent_task_id": tree[first].parent_key, "position": tree.position(first)}
    moved = []
    # Sub-tasks keep the order the tasks were named in: those of tasks named before the keeper go first.
    insert_at: int | None = 0
    for key in keys:
        if key == keeper:
            insert_at = None
            continue
        for child in tree.children[key]:
            if insert_at is None:
                ops.append(update(child, parent_task_id=keeper))
            else:
                ops.append(update(child, parent_task_id=keeper, position=insert_at))
                insert_at += 1
            moved.append(child)
    repoint, repointed = _repoint_dependents(scope, set(others), [keeper], skip={keeper})
    ops += repoint
    changes = {name: value for name, value in merged.items() if getattr(tree[keeper], name) != value}
    if changes or place:  # one operation for the keeper, so the review shows it once
        ops.append(update(keeper, **place, **changes))
    ops += _untie(tree, others)  # "merge T1, T2 and T3" where T2 waits for T1: both go, so neither waits
    ops += [delete(other) for other in others]

    notes = []
    if "estimate_minutes" in changes:
        notes.append(f"estimates summed to {format_duration(changes['estimate_minutes'])}")
    if moved:
        notes.append(f"{plural(len(moved), 'sub-task')} moved under {keeper}")
    if repointed:
        notes.append(f"{listed(repointed)} now {'depends' if len(repointed) == 1 else 'depend'} on {keeper}")
    if circular:
        notes.append(f"{keeper} no longer waits for {listed(circular)}, which waits for the combined task")
    text = f"combined {listed(scope.label(key) for key in keys)} into {keeper} {quoted(merged['title'])}"
    return Edit(text + (f" ({'; '.join(notes)})" if notes else "") + ".", ops)


def _merged_fields(tasks: list[Task], title: str | None) -> dict:
    merged_keys = {task.key for task in tasks}
    titles = _unique([task.title for task in tasks])
    descriptions = _unique([task.description.strip() for task in tasks if task.description.strip()])
    fields = {
        "title": title or fit(_join_titles(titles)),
        "description": "\n\n".join(descriptions)[:DESCRIPTION_MAX],
        "acceptance_criteria": _unique([c for task in tasks for c in task.acceptance_criteria])[:50],
        "tags": _unique([tag for task in tasks for tag in task.tags])[:30],
        "priority": max((task.priority for task in tasks), key=list(Priority).index),
        "status": _merged_status([task.status for task in tasks]),
        "depends_on": _unique([dep for task in tasks for dep in task.depends_on if dep not in merged_keys]),
    }
    for name in ("estimate_minutes", "actual_minutes"):
        values = [getattr(task, name) for task in tasks if getattr(task, name) is not None]
        if values:
            fields[name] = sum(values)
    return fields


def _waiting_for(tree: Tree, targets: set[str]) -> set[str]:
    """Every task that depends on one of `targets`, directly or through other tasks."""
    dependents: dict[str, list[str]] = {}
    for key, task in tree.tasks.items():
        for dep in task.depends_on:
            dependents.setdefault(dep, []).append(key)
    waiting: set[str] = set()
    stack = list(targets)
    while stack:
        for key in dependents.get(stack.pop(), ()):
            if key not in waiting:
                waiting.add(key)
                stack.append(key)
    return waiting


def _join_titles(titles: list[str]) -> str:
    first, rest = titles[0], [inline(title) for title in titles[1:]]
    return listed([first, *rest])


def _merged_status(statuses: list[Status]) -> Status:
    if len(set(statuses)) == 1:
        return statuses[0]
    if Status.BLOCKED in statuses:
        return Status.BLOCKED
    return Status.DOING  # some of it is done or under way, some is not


def _unique(items: Iterable[str]) -> list[str]:
    seen, result = set(), []
    for item in items:
        if item.casefold() not in seen:
            seen.add(item.casefold())
            result.append(item)
    return result


def split(scope: Scope, key: str, titles: list[str]) -> Edit:
    """Replace `key` by parts at its place; its children go under the first part, dependents wait for all."""
    tree = scope.tree
    _refuse_focus(scope, [key], "split here (split it from its parent's task mode or project mode)")
    if len(titles) < 2:
        raise Refusal(f"name at least two parts, e.g. “split {key} into design, build and test”.")
    if len(titles) > MAX_PARTS:
        raise Refusal(f"split {key} into at most {MAX_PARTS} parts at once.")
    task = tree[key]
    parent, position = task.parent_key, tree.position(key)
    estimates = _divide(task.estimate_minutes, len(titles))
    temps = [f"part-{n}" for n in range(1, len(titles) + 1)]
    ops = []
    for index, (temp, title) in enumerate(zip(temps, titles, strict=True)):
        intro = f"Part {index + 1} of {len(titles)} of what was {key} {quoted(task.title)}."
        first = index == 0
        fields = dict(
            parent_task_id=parent,
            position=position + index,
            title=title,
            description=(intro + ("\n\n" + task.description if first and task.description else ""))[:DESCRIPTION_MAX],
            status=task.status,
            priority=task.priority,
            tags=list(task.tags),
            depends_on=list(task.depends_on),
            acceptance_criteria=list(task.acceptance_criteria) if first else [],
        )
        if estimates is not None:
            fields["estimate_minutes"] = estimates[index]
        if first and task.actual_minutes is not None:
            fields["actual_minutes"] = task.actual_minutes
        ops.append(create(temp, **fields))
    children = list(tree.children[key])
    ops += [update(child, parent_task_id=temps[0]) for child in children]
    repoint, repointed = _repoint_dependents(scope, {key}, temps)
    ops += repoint
    ops.append(delete(key))
    notes = []
    if children:
        notes.append(f"its {plural(len(children), 'sub-task')} now under {quoted(titles[0])}")
    if repointed:
        notes.append(f"{listed(repointed)} now {'waits' if len(repointed) == 1 else 'wait'} for every part")
    text = f"split {scope.label(key)} into {listed(quoted(t) for t in titles)} at its place"
    return Edit(text + (f" ({'; '.join(notes)})" if notes else "") + ".", ops)


def _divide(total: int | None, parts: int) -> list[int] | None:
    if total is None:
        return None
    base, rest = divmod(total, parts)
    return [base + (1 if index < rest else 0) for index in range(parts)]


def move(scope: Scope, keys: list[str], how: str, target: str | None) -> Edit:
    """Move tasks under / before / after a task, to the top level, or within their siblings."""
    tree = scope.tree
    _refuse_focus(scope, keys, "moved")
    scratch = tree.copy()
    ops = []
    anchor = target
    for index, key in enumerate(keys):
        parent, position = _destination(scope, scratch, key, how, anchor, index)
        if parent is not None and scratch.is_within(parent, key):
            raise Refusal(f"{key} cannot go under {parent}: {parent} is inside {key}.")
        depth = scratch.depth(parent) + scratch.height(key)
        if depth > MAX_DEPTH:
            raise Refusal(f"moving {key} there would put tasks at depth {depth}; the limit is {MAX_DEPTH}.")
        scratch.move(key, parent, position)
        ops.append(update(key, parent_task_id=parent, position=scratch.position(key)))
        if how == "after":
            anchor = key  # the next task goes after this one, keeping the order they were named in
    if all(scratch.position(k) == tree.position(k) and scratch[k].parent_key == tree[k].parent_key for k in keys):
        raise Refusal(f"{listed(keys)} {'is' if len(keys) == 1 else 'are'} already there.")
    where = {
        "under": f"under {scope.label(target)}" if target else "",
        "before": f"before {target}",
        "after": f"after {target}",
        "level": "to the top level" if not scope.task_mode else f"directly under {scope.focus}",
        "first": "to the top of its list",
        "last": "to the bottom of its list",
        "up": "up one place",
        "down": "down one place",
        "indent": "under the task above it",
        "outdent": "out one level",
    }[how]
    said = listed(scope.label(key) for key in keys)
    return Edit(f"moved {said} {where}.", ops)


def _destination(scope: Scope, tree: Tree, key: str, how: str, anchor: str | None, index: int):
    """(parent, position) for one task of a move, on the scratch tree as it is at that point."""
    task = tree[key]
    siblings = [k for k in tree.children[task.parent_key] if k != key]
    if how == "under":
        if task.parent_key == anchor:
            raise Refusal(f"{key} is already under {anchor}.")
        return anchor, None
    if how in ("before", "after"):
        if anchor == key:
            raise Refusal(f"{key} cannot move {how} itself.")
        parent = tree[anchor].parent_key
        if scope.task_mode and anchor == scope.focus:
            raise Refusal(f"tasks stay inside {scope.focus} in task mode; say “move {key} to the top” instead.")
        others = [k for k in tree.children[parent] if k != key]
        return parent, others.index(anchor) + (1 if how == "after" else 0)
    if how == "level":
        top = _top_ancestor(scope, tree, key)
        listing = [k for k in tree.children[scope.parent] if k != key]
        return scope.parent, (listing.index(top) + 1) if top in listing else None
    if how == "first":
        return task.parent_key, index
    if how == "last":
        return task.parent_key, len(siblings)
    position = tree.position(key)
    if how == "up":
        if position == 0:
            raise Refusal(f"{key} is already first among its siblings.")
        return task.parent_key, position - 1
    if how == "down":
        if position == len(siblings):
            raise Refusal(f"{key} is already last among its siblings.")
        return task.parent_key, position + 1
    if how == "indent":
        if position == 0:
            raise Refusal(f"{key} has no task above it to go under.")
        return siblings[position - 1], None
    # outdent: next to the parent, one level up
    if task.parent_key is None or task.parent_key == scope.focus:
        raise Refusal(f"{key} is already at the top level{' of ' + scope.focus if scope.task_mode else ''}.")
    grandparent = tree[task.parent_key].parent_key
    return grandparent, tree.position(task.parent_key) + 1


def _top_ancestor(scope: Scope, tree: Tree, key: str) -> str:
    """The ancestor of `key` that sits at the scope's top level (or `key` itself)."""
    current = key
    while tree[current].parent_key != scope.parent and tree[current].parent_key is not None:
        current = tree[current].parent_key
    return current


# -- shared checks and repairs -------------------------------------------------------------------------


def _refuse_focus(scope: Scope, keys: list[str], verb: str) -> None:
    if scope.task_mode and scope.focus in keys:
        raise Refusal(
            f"the focused task {scope.focus} cannot be {verb} in task mode; do it from project mode "
            "or from its parent."
        )


def _repoint_dependents(
    scope: Scope, removed: set[str], replacement: list[str], skip: set[str] = frozenset()
) -> tuple[list[TaskPatch], list[str]]:
    """Updates so that nothing still depends on `removed`: each such dependency becomes `replacement`."""
    tree = scope.tree
    ops, changed = [], []
    for key in tree.walk():
        if key in removed or key in skip:
            continue
        current = tree[key].depends_on
        if not any(dep in removed for dep in current):
            continue
        if not scope.contains(key):
            raise Refusal(
                f"{scope.label(key)}, outside {scope.focus}, depends on "
                f"{listed(dep for dep in current if dep in removed)}; change that from project mode first."
            )
        new: list[str] = []
        for dep in current:
            for value in (replacement if dep in removed else [dep]):
                if value != key and value not in new:
                    new.append(value)
        ops.append(update(key, depends_on=new))
        changed.append(key)
    return ops, changed


def swap(scope: Scope, first: str, second: str) -> Edit:
    """Two siblings trade places; tasks under different parents are not swapped (that would re-nest them)."""
    tree = scope.tree
    if first == second:
        raise Refusal(f"{first} cannot swap with itself: name two tasks.")
    _refuse_focus(scope, [first, second], "moved")
    parent = tree[first].parent_key
    if tree[second].parent_key != parent:
        where = {key: f"under {tree[key].parent_key}" if tree[key].parent_key else "at the top level"
                 for key in (first, second)}
        raise Refusal(
            f"{first} is {where[first]} and {second} is {where[second]}, so swapping them would move them between "
            f"levels; say where each goes instead (“move {first} under …”). Nothing was changed."
        )
    early, late = sorted((first, second), key=tree.position)
    here, there = tree.position(early), tree.position(late)
    if there - here == 1:  # neighbours: one move says it all ("T2 #2 → #3"), the other follows
        ops = [update(early, parent_task_id=parent, position=there)]
    else:  # the later one takes the earlier's place, then the earlier one takes the later's
        scratch = tree.copy()
        scratch.move(late, parent, here)
        scratch.move(early, parent, there)
        ops = [update(late, parent_task_id=parent, position=here),
               update(early, parent_task_id=parent, position=scratch.position(early))]
    return Edit(f"swapped {scope.label(first)} and {scope.label(second)}.", ops)
