"""A nested GitHub-style checklist: readable as it is on GitHub, one line per task.

    - [ ] **T1** Design login form · doing · high · est 2d · spent 3h · after T4 · #ux
      > description, indented under its task
      - Acceptance: it accepts valid emails
"""

from __future__ import annotations

from taskforge.core.models import Priority, Status
from taskforge.core.tree import Tree, format_minutes

INDENT = "  "


def _inline(text: str) -> str:
    """Keep a title on its line and stop it from turning into Markdown structure."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def render(tree: Tree, root: str | None = None) -> str:
    project = tree.project
    lines = [f"# {_inline(project.title)}", ""]
    if project.summary:
        lines += [project.summary, ""]
    lines += [f"Status: {project.status.value} · exported from taskforge project `{project.id}`", ""]

    def visit(key: str, depth: int) -> None:
        task = tree[key]
        pad = INDENT * depth
        box = "x" if task.status is Status.DONE else " "
        facts = []
        if task.status not in (Status.TODO, Status.DONE):
            facts.append(task.status.value)
        if task.priority is not Priority.MEDIUM:
            facts.append(task.priority.value)
        if task.estimate_minutes is not None:
            facts.append(f"est {format_minutes(task.estimate_minutes)}")
        if task.actual_minutes:
            facts.append(f"spent {format_minutes(task.actual_minutes)}")
        if task.depends_on:
            facts.append("after " + ", ".join(task.depends_on))
        facts += [f"#{_inline(tag)}" for tag in task.tags]
        tail = "".join(f" · {fact}" for fact in facts)
        lines.append(f"{pad}- [{box}] **{task.key}** {_inline(task.title)}{tail}")
        for line in task.description.splitlines():
            lines.append(f"{pad}{INDENT}> {line}".rstrip())
        for criterion in task.acceptance_criteria:
            lines.append(f"{pad}{INDENT}- Acceptance: {_inline(criterion)}")
        for child in tree.children[key]:
            visit(child, depth + 1)

    for key in ([root] if root is not None else tree.roots):
        visit(key, 0)
    if not tree.tasks:
        lines.append("_No tasks yet._")
    return "\n".join(lines).rstrip() + "\n"
