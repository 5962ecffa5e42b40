"""A Mermaid `mindmap`: the project in the middle, tasks branching out by their nesting.

    mindmap
      root(("New user authentication flow"))
        T1["✓ Design the journeys"]
          T5["✓ Wireframes"]
        T2["Build the API"]

Labels are quoted, so brackets and parentheses in a title stay text; a done task's label starts with ✓.
"""

from __future__ import annotations

from taskforge.core.models import Status
from taskforge.core.tree import Tree
from taskforge.export.common import left_out, outline
from taskforge.export.mermaid_text import label

INDENT = "  "


def losses(tree: Tree, root: str | None = None) -> list[str]:
    return left_out("mermaid-mindmap", tree, root, [
        "description", "acceptance_criteria", "tags", "estimate_minutes", "actual_minutes", "priority", "status",
        "depends_on"])


def render(tree: Tree, root: str | None = None) -> str:
    lines = ["mindmap", f'{INDENT}root(("{label(tree.project.title)}"))']
    for key, depth in outline(tree, root):
        task = tree[key]
        mark = "✓ " if task.status is Status.DONE else ""
        lines.append(f'{INDENT * (depth + 1)}{key}["{mark}{label(task.title)}"]')
    return "\n".join(lines) + "\n"
