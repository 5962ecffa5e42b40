"""todo.txt: one line per task, as todo.txt clients and scripts read it.

    (B) Login form +auth-flow @ux key:T4 parent:T1 dep:T2,T3 est:240 status:doing
    x Wireframes +auth-flow key:T5 parent:T1 pri:C

Priorities: critical (A), high (B), medium (C), low (D); a done task starts with `x` and keeps its
priority as `pri:` (the todo.txt convention). Tags become @contexts and the project id the +project;
white space inside either becomes `_`, since todo.txt ends a word at a space. Descriptions and
acceptance criteria have no place on one line and are left out (a note says so).

A title is text, never metadata: todo.txt has no escape, so a word of the title that a todo.txt parser
would take for a +project or an @context starts with the full-width ＋ or ＠ instead, and a word it would
take for key:value has its colons written as the full-width ： (`Fix +api @home due:friday` →
`Fix ＋api ＠home due：friday`). They read the same to a person and are plain words to every parser.
"""

from __future__ import annotations

import re

from taskforge.core.models import Priority, Status
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope, left_out, outline

PRIORITY_LETTERS = {Priority.CRITICAL: "A", Priority.HIGH: "B", Priority.MEDIUM: "C", Priority.LOW: "D"}
_SPACE = re.compile(r"\s+")
# A title that starts like a completion mark, a priority or a date would be read as one.
_MISREAD_START = re.compile(r"(x |\([A-Z]\) |\d{4}-\d{2}-\d{2}(?: |$))")
_TAG_WORD = re.compile(r"(?<!\S)([+@])(?=\S)")  # +project, @context
_KEY_VALUE = re.compile(r"(?<!\S)(\S*[^\s:]:[^\s:]\S*)")  # key:value
FULL_WIDTH = {"+": "\uff0b", "@": "\uff20", ":": "\uff1a"}


def losses(tree: Tree, root: str | None = None) -> list[str]:
    return left_out("todotxt", tree, root, ["description", "acceptance_criteria", "actual_minutes"])


def as_text(title: str) -> str:
    """A title that no todo.txt parser reads as +project, @context or key:value."""
    title = _TAG_WORD.sub(lambda match: FULL_WIDTH[match.group(1)], title)
    return _KEY_VALUE.sub(lambda match: match.group(1).replace(":", FULL_WIDTH[":"]), title)


def render(tree: Tree, root: str | None = None) -> str:
    project = "+" + _word(tree.project.id)
    scope = in_scope(tree, root)
    lines = []
    for key, depth in outline(tree, root):
        task = tree[key]
        letter = PRIORITY_LETTERS[task.priority]
        title = as_text(clean_line(task.title))
        if _MISREAD_START.match(title):
            title = "- " + title  # never taken for a mark: a todo.txt line starts with x, ( or a date
        words = ["x"] if task.status is Status.DONE else [f"({letter})"]
        words += [title, project]
        words += [f"@{_word(tag)}" for tag in task.tags]
        words.append(f"key:{key}")
        if depth > 1:
            words.append(f"parent:{task.parent_key}")
        depends = dependencies(tree, key, scope)
        if depends:
            words.append("dep:" + ",".join(depends))
        if task.estimate_minutes is not None:
            words.append(f"est:{task.estimate_minutes}")
        if task.status in (Status.DOING, Status.BLOCKED):
            words.append(f"status:{task.status.value}")
        if task.status is Status.DONE:
            words.append(f"pri:{letter}")
        lines.append(" ".join(words))
    return "".join(line + "\n" for line in lines)


def _word(text: str) -> str:
    return _SPACE.sub("_", clean_line(text)) or "_"
