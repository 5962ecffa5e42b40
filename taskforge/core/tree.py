"""An in-memory project tree: tasks by key, sibling order, depth, roll-ups and traversal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskforge.core.kinds import Status, key_number
from taskforge.core.limits import MINUTES_PER_DAY

if TYPE_CHECKING:  # a tree is read without pydantic too: see core/plain.py
    from taskforge.core.models import Project, Task


@dataclass(frozen=True, slots=True)
class Rollup:
    """What a task's subtree adds up to, the task itself included."""

    total: int
    done: int
    estimate_minutes: int
    actual_minutes: int


class Tree:
    """A project with its tasks. `children[None]` holds the roots; order in each list is sibling order.

    Copies are cheap: `copy()` shares the Task objects and the tree replaces, never mutates, a task
    it changes, so a simulation never disturbs the tree it started from. The sibling lists are shared
    too until one of the two trees changes one: it then changes a copy of its own (so a list that is
    the same object in both trees has the same keys in both). A copy keeps account of what it changed
    (`changed_keys`, `changed_lists`), so that writing it back costs what the change did, not the tree.
    """

    __slots__ = ("project", "tasks", "children", "_owned", "_touched")

    def __init__(self, project: Project, tasks: dict[str, Task], children: dict[str | None, list[str]]):
        self.project = project
        self.tasks = tasks
        self.children = children
        self._owned: set[str | None] | None = None  # the lists this tree may change in place; None: all of them
        self._touched: dict[str, None] = {}  # keys inserted, replaced or removed, in the order first touched

    @classmethod
    def build(cls, project: Project, ordered_tasks: Iterable[Task]) -> Tree:
        """From tasks listed so that siblings appear in their order (parents need not come first)."""
        tasks: dict[str, Task] = {}
        children: dict[str | None, list[str]] = {None: []}
        for task in ordered_tasks:
            tasks[task.key] = task
            children.setdefault(task.key, [])
            children.setdefault(task.parent_key, []).append(task.key)
        return cls(project, tasks, children)

    @classmethod
    def empty(cls, project: Project) -> Tree:
        return cls(project, {}, {None: []})

    def copy(self) -> Tree:
        twin = Tree(self.project.model_copy(), dict(self.tasks), dict(self.children))
        self._owned = twin._owned = set()  # every list is shared now
        return twin

    def changed_keys(self) -> Iterable[str]:
        """The keys whose task this tree inserted, replaced or removed since it was copied, in the order
        first touched (a task inserted before its sub-tasks comes before them)."""
        return self._touched.keys()

    def changed_lists(self) -> Iterable[str | None]:
        """The parents whose sibling list this tree changed or made since it was copied."""
        if self._owned is None:
            raise ValueError("only a copy knows which sibling lists it changed")
        return self._owned

    # -- lookups -------------------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self.tasks

    def __len__(self) -> int:
        return len(self.tasks)

    def __getitem__(self, key: str) -> Task:
        return self.tasks[key]

    @property
    def roots(self) -> list[str]:
        return self.children[None]

    def position(self, key: str) -> int:
        return self.children[self.tasks[key].parent_key].index(key)

    def depth(self, key: str | None) -> int:
        """Roots are at depth 1; `None` (the project itself) is depth 0."""
        depth = 0
        while key is not None:
            depth += 1
            key = self.tasks[key].parent_key
        return depth

    def ancestors(self, key: str) -> list[str]:
        """Parent first, root last."""
        found = []
        parent = self.tasks[key].parent_key
        while parent is not None:
            found.append(parent)
            parent = self.tasks[parent].parent_key
        return found

    def is_within(self, key: str, ancestor: str) -> bool:
        """True when `key` is `ancestor` or lies below it."""
        while key is not None:
            if key == ancestor:
                return True
            key = self.tasks[key].parent_key
        return False

    def walk(self, parent: str | None = None) -> Iterator[str]:
        """Keys below `parent` in display order (pre-order), `parent` itself excluded."""
        stack = list(reversed(self.children.get(parent, [])))
        while stack:
            key = stack.pop()
            yield key
            stack.extend(reversed(self.children[key]))

    def subtree(self, key: str) -> list[str]:
        """`key` and everything below it, in pre-order."""
        return [key, *self.walk(key)]

    def height(self, key: str) -> int:
        """Levels in the subtree rooted at `key` (a leaf is 1)."""
        children, levels, level = self.children, 0, [key]
        while level:
            levels += 1
            level = [child for parent in level for child in children[parent]]
        return levels

    def is_retired(self, key: str) -> bool:
        """A key this project used once for a task that has since been deleted."""
        number = key_number(key)
        return number is not None and number < self.project.next_key and key not in self.tasks

    # -- roll-ups --------------------------------------------------------------------------------

    def rollups(self) -> dict[str, Rollup]:
        """Every task's subtree totals, computed in one bottom-up pass."""
        result: dict[str, Rollup] = {}
        order = list(self.walk())
        for key in reversed(order):
            task = self.tasks[key]
            total, done = 1, int(task.status is Status.DONE)
            estimate, actual = task.estimate_minutes or 0, task.actual_minutes or 0
            for child in self.children[key]:
                sub = result[child]
                total += sub.total
                done += sub.done
                actual += sub.actual_minutes
                # A parent's own estimate is the plan for the whole; children refine it when it has none.
                if not task.estimate_minutes:
                    estimate += sub.estimate_minutes
            result[key] = Rollup(total, done, estimate, actual)
        return result

    # -- comparison ------------------------------------------------------------------------------

    def snapshot(self) -> tuple:
        """Everything a user can see of the tree, in a form that compares with `==`."""
        return (
            self.project.model_dump(exclude={"version", "next_key"}),
            {key: task.model_dump() for key, task in self.tasks.items()},
            {parent: tuple(keys) for parent, keys in self.children.items() if keys},
        )

    # -- mutation (used by the patch engine only) -------------------------------------------------

    def _siblings(self, parent: str | None) -> list[str]:
        """`children[parent]`, to change: copied first when another tree shares it."""
        owned = self._owned
        if owned is None or parent in owned:
            return self.children[parent]
        owned.add(parent)
        keys = self.children[parent] = list(self.children[parent])
        return keys

    def insert(self, task: Task, position: int | None) -> None:
        self.tasks[task.key] = task
        self._touched[task.key] = None
        self.children[task.key] = []
        if self._owned is not None:
            self._owned.add(task.key)
        siblings = self._siblings(task.parent_key)
        siblings.insert(len(siblings) if position is None else position, task.key)

    def remove(self, key: str) -> None:
        """Remove a task that has no children left."""
        task = self.tasks.pop(key)
        self._touched[key] = None
        self._siblings(task.parent_key).remove(key)
        del self.children[key]

    def move(self, key: str, parent: str | None, position: int | None, moved: Task | None = None) -> None:
        """Put `key` under `parent` at `position`. `moved`: the task as it is there (its `parent_key` is
        `parent`), when the caller has made it already; otherwise the tree makes it."""
        task = self.tasks[key]
        self._touched[key] = None
        self._siblings(task.parent_key).remove(key)
        if moved is not None:
            self.tasks[key] = moved
        elif task.parent_key != parent:
            self.tasks[key] = task.model_copy(update={"parent_key": parent})
        siblings = self._siblings(parent)
        siblings.insert(len(siblings) if position is None else min(position, len(siblings)), key)

    def replace(self, task: Task) -> None:
        self.tasks[task.key] = task
        self._touched[task.key] = None


def format_minutes(minutes: int | None) -> str:
    """`90` → `1h 30m`; a day is eight working hours (`2d 4h`)."""
    if minutes is None:
        return ""
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p) or "0m"
