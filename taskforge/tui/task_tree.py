"""The task tree pane: lazy on expand, updated in place when a patch lands.

Nodes hold task keys, never Task objects, so a node stays valid when its task is replaced. Children
are added only when their parent is first expanded, which is what keeps a 50,000-task project as
quick to open and to move through as a small one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree as TreeWidget
from textual.widgets.tree import TreeNode

from taskforge.present import task_label

if TYPE_CHECKING:  # the models load with the project, after the first paint
    from taskforge.core.tree import Rollup, Tree
    from taskforge.store.interface import Applied

Node = TreeNode[str]


class TaskTree(TreeWidget[str]):
    """The project's tasks. The main screen owns the data; this widget only shows it.

    | Key(s) | Description |
    | :- | :- |
    | j | Move the cursor down. |
    | k | Move the cursor up. |
    | l, right | Expand the task; on an expanded one, go to its first sub-task. |
    | h, left | Collapse the task; on a collapsed one, go to its parent. |
    | E | Expand every task. |
    | C | Collapse every task. |
    | d | Break the task down: task mode (the screen's `task_mode`). |
    | n | Add a sub-task (the screen's `add_task`). |
    | r | Rename the task (the screen's `rename_task`). |
    | s | Cycle the task's status (the screen's `cycle_status`). |
    | x | Delete the task (the screen's `delete_task`). |

    It declares no reactives of its own (`Tree`'s `cursor_line`, `show_root`, `guide_depth`, … apply).

    Attributes:
        project_tree: the project shown, or None.
        focus_key: in task mode, the focused task: everything outside its subtree is dimmed.
        critical: the keys marked as on the critical path (`set_critical`).

    Posts `TaskTree.AllToggled` after expand all or collapse all.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("l,right", "expand", "Expand", show=False, id="tree.expand"),
        Binding("h,left", "collapse", "Collapse", show=False, id="tree.collapse"),
        Binding("E", "expand_all", "Expand all", show=False, id="tree.expand_all"),
        Binding("C", "collapse_all", "Collapse all", show=False, id="tree.collapse_all"),
        Binding("d", "screen.task_mode", "Break down", id="tree.task_mode"),
        Binding("n", "screen.add_task", "Add", id="tree.add"),
        Binding("r", "screen.rename_task", "Rename", id="tree.rename"),
        Binding("s", "screen.cycle_status", "Status", id="tree.status"),
        Binding("x", "screen.delete_task", "Delete", id="tree.delete"),
    ]

    class AllToggled(Message):
        """Expand all or collapse all finished (they post no per-node messages)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("tasks"), id=id)
        self.show_root = False
        self.auto_expand = False  # enter is for the app, expanding is space / l / right
        self.guide_depth = 3
        self.project_tree: Tree | None = None
        self.focus_key: str | None = None  # task mode: everything outside this subtree is dimmed
        self.critical: frozenset[str] = frozenset()  # on the critical path: marked
        self._rollups: dict[str, Rollup] = {}
        self._task_nodes: dict[str, Node] = {}
        self._filled: set[str] = set()  # keys whose children have been added

    # -- showing a project ---------------------------------------------------------------------

    def show(self, tree: Tree | None) -> None:
        """Show a whole project (or none): only its top level is built now."""
        self.clear()
        self._task_nodes.clear()
        self._filled.clear()
        if tree is None or self.project_tree is None or self.project_tree.project.id != tree.project.id:
            self.critical = frozenset()  # another project's marks: the screen's schedule brings this one's
        self.project_tree = tree
        if tree is None:
            return
        self._rollups = tree.rollups()
        for key in tree.roots:
            self._add(self.root, key)
        if self.root.children:
            self.cursor_line = 0

    def apply(self, applied: Applied, before: Tree) -> None:
        """Bring the nodes a patch touched up to date, leaving the rest of the tree as it is."""
        touched: set[str] = set()
        for task_patch in applied.record.patch.task_patches:
            key = applied.key_map.get(task_patch.task_id, task_patch.task_id)
            touched.update(before.subtree(key) if key in before else (key,))
        self._update(touched, before, applied.tree)

    def follow(self, after: Tree) -> None:
        """Show `after`, a later version of the project on screen written elsewhere: only what differs changes."""
        before = self.project_tree
        if before is None or before.project.id != after.project.id:
            self.show(after)
            return
        touched = {key for key in before.tasks.keys() | after.tasks.keys() if before.tasks.get(key) != after.tasks.get(key)}
        for parent, children in after.children.items():  # a reorder among siblings changes no task
            if before.children.get(parent) != children:
                touched.update(children)
        self._update(touched, before, after)

    def _update(self, touched: set[str], before: Tree, after: Tree) -> None:
        self.project_tree = after
        self._rollups = after.rollups()
        parents: set[str | None] = set()
        for key in touched:
            for tree in (before, after):
                if key in tree:
                    parents.add(tree[key].parent_key)
        for parent in parents:
            if parent is None or parent in self._filled:
                self._reconcile(parent)
        for key in self._with_ancestors(touched, before, after):
            node = self._task_nodes.get(key)
            if node is not None and key in after:
                node.allow_expand = bool(after.children[key])
                node.set_label(self._label(key))

    def set_critical(self, critical: frozenset[str]) -> None:
        """Mark the critical path: only the nodes whose mark changes get a new label."""
        changed = critical ^ self.critical
        self.critical = critical
        tree = self.project_tree
        for key in changed:
            node = self._task_nodes.get(key)
            if node is not None and tree is not None and key in tree:
                node.set_label(self._label(key))

    def set_focus_key(self, key: str | None) -> None:
        """Task mode on `key` (None: project mode): dim what lies outside its subtree."""
        self.focus_key = key
        for shown, node in self._task_nodes.items():
            node.set_label(self._label(shown))
        if key is not None:
            self.reveal(key)

    def reveal(self, key: str) -> None:
        """Expand the way down to `key` and put the cursor on it."""
        if self.project_tree is None or key not in self.project_tree:
            return
        for ancestor in reversed(self.project_tree.ancestors(key)):
            node = self._task_nodes.get(ancestor)
            if node is not None:
                self._fill(node)
                node.expand()
        node = self._task_nodes.get(key)
        if node is not None:
            self.go_to(node)

    def expand_key(self, key: str) -> None:
        node = self._task_nodes.get(key)
        if node is not None and node.allow_expand:
            self._fill(node)
            node.expand()

    def go_to(self, node: Node) -> None:
        """Move the cursor to `node` now, even if the lines are stale after a label or expand change."""
        self._tree_lines  # noqa: B018 - rebuilding the lines is what gives each node its line number
        self.move_cursor(node)

    def rollup(self, key: str | None) -> Rollup | None:
        return self._rollups.get(key) if key else None

    @property
    def highlighted_key(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    # -- keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "collapse":
            # With nothing to collapse and no parent to go to, `h` falls through to the screen's history key.
            node = self.cursor_node
            return node is not None and (node.is_expanded or node.parent not in (None, self.root))
        return True

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if node.is_expanded and node.children:
            self.go_to(node.children[0])
        else:
            node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.go_to(node.parent)

    def action_expand_all(self) -> None:
        if self.project_tree is None:
            return
        # One NodeExpanded per node would have the app re-check its keys thousands of times.
        with self.prevent(TreeWidget.NodeExpanded):
            for key in self.project_tree.walk():
                node = self._task_nodes[key]
                if self.project_tree.children[key]:
                    self._fill(node)
                    node.expand()
        self.post_message(self.AllToggled())

    def action_collapse_all(self) -> None:
        with self.prevent(TreeWidget.NodeCollapsed):
            for child in self.root.children:
                child.collapse_all()
        self.post_message(self.AllToggled())
        if self.root.children:
            self.go_to(self.root.children[0])

    def _on_tree_node_expanded(self, event: TreeWidget.NodeExpanded[str]) -> None:
        self._fill(event.node)

    # -- nodes -----------------------------------------------------------------------------------

    def _label(self, key: str) -> Text:
        assert self.project_tree is not None
        dimmed = self.focus_key is not None and not (key == self.focus_key or self.project_tree.is_within(key, self.focus_key))
        return task_label(
            self.project_tree[key], self._rollups.get(key), bool(self.project_tree.children[key]), dimmed,
            key in self.critical,
        )

    def _add(self, parent: Node, key: str, before: Node | None = None) -> Node:
        assert self.project_tree is not None
        expandable = bool(self.project_tree.children[key])
        if before is None:
            node = parent.add(self._label(key), key, allow_expand=expandable)
        else:
            node = parent.add(self._label(key), key, before=before, allow_expand=expandable)
        self._task_nodes[key] = node
        return node

    def _fill(self, node: Node) -> None:
        key = node.data
        if key is None or key in self._filled or self.project_tree is None or key not in self.project_tree:
            return
        self._filled.add(key)
        for child in self.project_tree.children[key]:
            self._add(node, child)

    def _drop(self, node: Node) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if current.data is not None:
                self._task_nodes.pop(current.data, None)
                self._filled.discard(current.data)
            stack.extend(current.children)
        node.remove()

    def _reconcile(self, parent: str | None) -> None:
        """Make `parent`'s child nodes match the tree: drop the gone and the out of order, add the new."""
        assert self.project_tree is not None
        node = self.root if parent is None else self._task_nodes.get(parent)
        if node is None:
            return
        wanted = self.project_tree.children.get(parent, []) if parent is None or parent in self.project_tree else []
        if [child.data for child in node.children] == wanted:
            return
        order = {key: index for index, key in enumerate(wanted)}
        last = -1
        for child in list(node.children):
            index = order.get(child.data)  # type: ignore[arg-type]
            if index is None or index < last:
                self._drop(child)
            else:
                last = index
        present = {child.data for child in node.children}
        following: Node | None = None
        for key in reversed(wanted):
            if key in present:
                following = self._task_nodes[key]
            else:
                if key in self._task_nodes:  # moved here from a parent that was not reconciled yet
                    self._drop(self._task_nodes[key])
                following = self._add(node, key, before=following)

    def _with_ancestors(self, keys: Iterable[str], *trees: Tree) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found.add(key)
            for tree in trees:
                if key in tree:
                    found.update(tree.ancestors(key))
        return found
