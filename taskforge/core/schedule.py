"""What to do next, and how much work stands between now and done: the critical path of a project.

Public API (stable: the CLI's `next`, `show`, the TUI and the MCP tool `next_task` call these):

- `schedule(tree) -> Schedule`: everything below in one pass over the tree.
- `Schedule.actionable`: the tasks that can be started now, best first (`Suggestion`s); `Schedule.first`
  is the best of them or None, and then `Schedule.none_reason` says why nothing can start.
- `Schedule.path`: the critical path as keys in the order they must be done; `Schedule.path_minutes` its
  remaining estimated work (how long the project takes at the earliest); `Schedule.critical`: the keys to
  mark (every task with no slack, and the parents they lie in); `Schedule.remaining_minutes`: all the
  remaining estimated work.
- `Suggestion(key, title, critical, reason)`, and `Suggestion.to_json()`: `{"key", "title", "reason",
  "critical"}`, the shape `taskforge next --json` prints.

The model, as a person planning would read the tree:

- A task is *settled* when it, or a task it lies in, is done: it needs no more work and waits for nothing.
- A task's own work is its estimate, but a parent's work is its sub-tasks': a parent with sub-tasks adds
  no work of its own, except that when nothing below it is estimated its estimate is shared evenly among
  the sub-tasks at the bottom of it (the plan for the whole, before it was broken down).
- A task starts when its dependencies, and those of every task it lies in, have finished; a parent
  finishes when its last sub-task does. A dependency on a parent waits for the whole of it. Dependencies
  between a task and one it lies in say nothing about order and are left out. The critical path is the
  longest chain of remaining estimated work through these; a task is critical when any delay to it
  delays the end (no slack). Validation keeps dependencies free of cycles, but the rules above can
  still close a loop (A's parent waits for B's sub-task while B's parent waits for A's): the dependencies
  inside such a loop are left out, never an error.
- A task is *actionable* when it is not settled, not blocked (nor inside a blocked task), every
  dependency (its own and those of the tasks it lies in) is done, and it has no undone sub-task. They are
  ranked by being on the critical path, then priority, then plan order (the tree's order, top to bottom).
  With no estimate anywhere there is no critical path, and the order is priority, then plan order.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from taskforge.core.models import Priority, Status
from taskforge.core.text import plural
from taskforge.core.tree import Tree

__all__ = ["Schedule", "Suggestion", "schedule", "PRIORITY_RANK"]

PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
NAMED_DEPENDENCIES = 3  # "since T6, T8 and T9 were done"; more are counted


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A task that can be started now, and why it comes where it does."""

    key: str
    title: str
    critical: bool
    reason: str  # one line: "T7: on the critical path, high priority, unblocked since T6 was done"

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "title": self.title, "reason": self.reason, "critical": self.critical}


@dataclass(frozen=True, slots=True)
class Schedule:
    actionable: tuple[Suggestion, ...] = ()
    none_reason: str = ""  # why nothing is actionable; "" when something is
    path: tuple[str, ...] = ()  # the critical path, first task first; empty without estimated work
    path_minutes: int = 0  # the remaining estimated work along it
    remaining_minutes: int = 0  # all the remaining estimated work
    critical: frozenset[str] = field(default_factory=frozenset)  # keys to mark: no slack, and their parents

    @property
    def first(self) -> Suggestion | None:
        return self.actionable[0] if self.actionable else None


def schedule(tree: Tree) -> Schedule:
    """The critical path and the ranked actionable tasks of `tree` (see the module's docstring)."""
    order = list(tree.walk())
    if not order:
        return Schedule(none_reason=f"{tree.project.id} has no tasks yet")
    settled = _settled(tree, order)
    open_keys = [key for key in order if key not in settled]
    if not open_keys:
        return Schedule(none_reason="every task is done")
    work = _work(tree, order, settled)
    graph = _Graph(tree, open_keys, settled, work)
    graph.solve()
    critical_units = graph.critical_units()
    marked: set[str] = set()
    for key in critical_units:
        marked.add(key)
        marked.update(tree.ancestors(key))
    path = graph.path()
    actionable, none_reason = _actionable(tree, open_keys, settled, critical_units)
    return Schedule(
        actionable=actionable,
        none_reason=none_reason,
        path=path,
        path_minutes=graph.end,
        remaining_minutes=sum(work.values()),
        critical=frozenset(marked),
    )


# -- what is left ----------------------------------------------------------------------------------


def _settled(tree: Tree, order: list[str]) -> set[str]:
    """Done tasks and everything inside them (pre-order: a parent is seen before its sub-tasks)."""
    settled: set[str] = set()
    tasks, done = tree.tasks, Status.DONE
    for key in order:
        task = tasks[key]
        if task.status is done or task.parent_key in settled:
            settled.add(key)
    return settled


def _work(tree: Tree, order: list[str], settled: set[str]) -> dict[str, int]:
    """Remaining minutes of each unsettled task at the bottom of the tree (those with no sub-tasks left)."""
    tasks, children = tree.tasks, tree.children
    estimated_below: set[str] = set()  # parents with an estimate somewhere below them
    for key in reversed(order):  # bottom-up
        parent = tasks[key].parent_key
        if parent is not None and parent not in estimated_below and (tasks[key].estimate_minutes or key in estimated_below):
            estimated_below.add(parent)
    work: dict[str, int] = {}
    shared: dict[str, float] = {}  # a sub-task's share of an ancestor's estimate, when nothing below that is estimated
    for key in order:  # top-down
        task = tasks[key]
        kids = children[key]
        if not kids:
            if key not in settled:
                work[key] = task.estimate_minutes or round(shared.get(key, 0.0))
            continue
        share = shared.get(key, 0.0)
        if not share and task.estimate_minutes and key not in estimated_below:
            share = float(task.estimate_minutes)
        if share:
            leaves = _leaf_counts(tree, key)
            for child in kids:
                shared[child] = share * leaves[child] / leaves[key]
        if key not in settled and settled.issuperset(kids):
            work[key] = 0  # every sub-task done: the parent itself is what is left, its work done
    return work


def _leaf_counts(tree: Tree, key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    subtree = tree.subtree(key)
    for node in reversed(subtree):
        kids = tree.children[node]
        counts[node] = sum(counts[child] for child in kids) if kids else 1
    return counts


# -- the critical path -----------------------------------------------------------------------------


class _Graph:
    """Start and finish events of every unsettled task, with the longest-path times through them.

    Node `2i` is task i's start, `2i + 1` its finish (i: its index among the unsettled tasks, in plan
    order). Edges carry the minutes between: a task's own work from its start to its finish, nothing
    otherwise (a parent's start before its sub-tasks', their finishes before the parent's, a
    dependency's finish before the dependent's start).
    """

    def __init__(self, tree: Tree, open_keys: list[str], settled: set[str], work: dict[str, int]):
        self.keys = open_keys
        self.index = {key: i for i, key in enumerate(open_keys)}
        self.work = work
        size = 2 * len(open_keys)
        self.succ: list[list[int]] = [[] for _ in range(size)]
        self.weight: list[int] = [0] * size  # of the edge start → finish, on the start node
        self.dependency_edges: set[tuple[int, int]] = set()
        tasks, index = tree.tasks, self.index
        for key in open_keys:
            i = index[key]
            start, finish = 2 * i, 2 * i + 1
            self.weight[start] = work.get(key, 0)
            self.succ[start].append(finish)
            for child in tree.children[key]:
                if child not in settled:
                    c = index[child]
                    self.succ[start].append(2 * c)
                    self.succ[2 * c + 1].append(finish)
            for dep in tasks[key].depends_on:
                if dep not in index or tree.is_within(dep, key) or tree.is_within(key, dep):
                    continue  # done (or unknown), or an order the tree already gives
                edge = (2 * index[dep] + 1, start)
                if edge not in self.dependency_edges:
                    self.dependency_edges.add(edge)
                    self.succ[edge[0]].append(start)
        self.earliest: list[int] = [0] * size
        self.latest: list[int] = [0] * size
        self.end = 0

    def _edge(self, node: int, nxt: int) -> int:
        return self.weight[node] if nxt == node + 1 else 0

    def _topological(self) -> list[int]:
        """Kahn's order; the dependency edges into what is left over (a loop) are dropped, then again."""
        while True:
            size = len(self.succ)
            incoming = [0] * size
            for targets in self.succ:
                for nxt in targets:
                    incoming[nxt] += 1
            queue = deque(node for node in range(size) if not incoming[node])
            ordered: list[int] = []
            while queue:
                node = queue.popleft()
                ordered.append(node)
                for nxt in self.succ[node]:
                    incoming[nxt] -= 1
                    if not incoming[nxt]:
                        queue.append(nxt)
            if len(ordered) == size:
                return ordered
            stuck = self._loops({node for node in range(size) if incoming[node]})
            dropped = {edge for edge in self.dependency_edges if edge[0] in stuck and edge[1] in stuck}
            if not dropped:  # cannot happen: the tree's own edges form no loop
                return ordered + sorted(stuck)
            self.dependency_edges -= dropped
            for source, target in dropped:
                self.succ[source].remove(target)

    def _loops(self, stuck: set[int]) -> set[int]:
        """Of the nodes Kahn's order could not reach, those on a loop: the ones only downstream of a loop
        (which reach no loop themselves) are peeled off, so that their dependencies stay."""
        preds: dict[int, list[int]] = {node: [] for node in stuck}
        outgoing = dict.fromkeys(stuck, 0)
        for node in stuck:
            for nxt in self.succ[node]:
                if nxt in stuck:
                    preds[nxt].append(node)
                    outgoing[node] += 1
        sinks = [node for node, count in outgoing.items() if not count]
        left = set(stuck)
        while sinks:
            node = sinks.pop()
            left.discard(node)
            for prev in preds[node]:
                outgoing[prev] -= 1
                if not outgoing[prev]:
                    sinks.append(prev)
        return left

    def solve(self) -> None:
        ordered = self._topological()
        earliest, latest, succ, weight = self.earliest, self.latest, self.succ, self.weight
        # Only a start's edge to its own finish (node + 1) carries minutes; `weight` is 0 on finishes.
        for node in ordered:
            base = earliest[node]
            own = node + 1
            for nxt in succ[node]:
                value = base + weight[node] if nxt == own else base
                if value > earliest[nxt]:
                    earliest[nxt] = value
        self.end = end = max(earliest) if earliest else 0
        for node in reversed(ordered):
            own = node + 1
            bound = end
            for nxt in succ[node]:
                value = latest[nxt] - weight[node] if nxt == own else latest[nxt]
                if value < bound:
                    bound = value
            latest[node] = bound

    def critical_units(self) -> set[str]:
        """Tasks at the bottom of the tree (work of their own) with no slack; none without estimated work."""
        if not self.end:
            return set()
        return {
            key for key, i in self.index.items()
            if key in self.work and self.earliest[2 * i] == self.latest[2 * i]
        }

    def _last(self) -> int | None:
        """The task the critical path ends with: of those that finish last, the first in plan order, or
        one that waits for it with no work between (a task with no estimate after it still belongs to it)."""
        end, earliest, work, keys = self.end, self.earliest, self.work, self.keys
        ends = {i for key, i in self.index.items() if key in work and earliest[2 * i + 1] == end}
        if not ends:
            return None
        current = min(ends)
        while True:
            seen = {2 * current + 1}
            stack = [2 * current + 1]
            later = None
            while stack and later is None:
                node = stack.pop()
                for nxt in self.succ[node]:
                    if earliest[nxt] != end or nxt in seen:
                        continue
                    if nxt % 2 and nxt // 2 in ends and keys[nxt // 2] in work:
                        later = nxt // 2
                        break
                    seen.add(nxt)
                    stack.append(nxt)
            if later is None:
                return current
            current = later

    def path(self) -> tuple[str, ...]:
        """The chain behind the end, backwards from the task it ends with."""
        if not self.end:
            return ()
        predecessors: list[list[int]] = [[] for _ in self.succ]
        for node, targets in enumerate(self.succ):
            for nxt in targets:
                predecessors[nxt].append(node)
        last = self._last()
        if last is None:
            return ()
        chain: list[str] = []
        node = 2 * last + 1
        seen: set[int] = set()
        while node not in seen:
            seen.add(node)
            if node % 2 == 1 and self.keys[node // 2] in self.work:
                chain.append(self.keys[node // 2])
            tight = [
                prev for prev in predecessors[node]
                if self.earliest[prev] + self._edge(prev, node) == self.earliest[node]
            ]
            if not tight:
                break
            if node % 2:  # a finish: through the task's own work first, else its last sub-task
                node = min(tight, key=lambda prev: (prev != node - 1, prev))
            else:  # a start: through a dependency first (it is what the chain waits for), in plan order
                node = min(tight, key=lambda prev: (prev % 2 == 0, prev))
        chain.reverse()
        return tuple(chain)


# -- what can start now ----------------------------------------------------------------------------


def _actionable(
    tree: Tree, open_keys: list[str], settled: set[str], critical: set[str]
) -> tuple[tuple[Suggestion, ...], str]:
    tasks, children = tree.tasks, tree.children
    plan = {key: i for i, key in enumerate(open_keys)}
    blocked: list[str] = []  # blocked themselves
    waiting: set[str] = set()
    found: list[tuple[tuple[int, int, int], Suggestion]] = []
    held: set[str] = set()  # inside a blocked task
    inherited: dict[str, tuple[tuple[str, str], ...]] = {}  # (task, dependency) of the tasks a task lies in
    for key in open_keys:  # pre-order: a parent before its sub-tasks
        task = tasks[key]
        parent = task.parent_key
        above = inherited.get(parent, ()) if parent is not None else ()
        if task.depends_on:
            above = above + tuple((key, dep) for dep in task.depends_on)
        inherited[key] = above
        if parent in held or task.status is Status.BLOCKED:
            held.add(key)
            if parent not in held:
                blocked.append(key)
            continue
        kids = children[key]
        if kids and not settled.issuperset(kids):
            continue
        deps = [
            dep for owner, dep in above
            if dep in tasks and not tree.is_within(dep, owner) and not tree.is_within(owner, dep)
        ] if above else []
        if any(dep not in settled for dep in deps):
            waiting.add(key)
            continue
        on_path = key in critical
        reason = _reason(key, task.priority, task.status, on_path, list(dict.fromkeys(deps)))
        rank = (0 if on_path else 1, PRIORITY_RANK[task.priority], plan[key])
        found.append((rank, Suggestion(key, task.title, on_path, reason)))
    found.sort(key=lambda item: item[0])
    if found:
        return tuple(suggestion for _, suggestion in found), ""
    return (), _why_none(blocked, waiting)


def _reason(key: str, priority: Priority, status: Status, on_path: bool, deps: list[str]) -> str:
    parts = ["on the critical path"] if on_path else []
    parts.append(f"{priority.value} priority")
    if status is Status.DOING:
        parts.append("already in progress")
    if deps:
        parts.append(f"unblocked since {_names(deps)} {'was' if len(deps) == 1 else 'were'} done")
    else:
        parts.append("nothing to wait for")
    return f"{key}: {', '.join(parts)}"


def _names(keys: list[str]) -> str:
    if len(keys) > NAMED_DEPENDENCIES:
        return f"{', '.join(keys[:NAMED_DEPENDENCIES])} and {len(keys) - NAMED_DEPENDENCIES} more"
    return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"


def _why_none(blocked: list[str], waiting: set[str]) -> str:
    parts = []
    if blocked:
        parts.append(f"{_names(blocked)} {'is' if len(blocked) == 1 else 'are'} blocked")
    if waiting:
        parts.append(f"{plural(len(waiting), 'task')} {'waits' if len(waiting) == 1 else 'wait'} for dependencies that are not done")
    if not parts:  # every open task lies inside a blocked one
        parts.append("everything left lies inside a blocked task")
    return "nothing can start now: " + "; ".join(parts)
