"""OPML 2.0: the task tree as an outline, for outliners and mind-mapping tools.

    <outline text="Login form" _note="The description…" _status="checked" key="T4" status="done"
             priority="high" estimateMinutes="240" dependsOn="T2 T3" tags="ux,frontend">

`text` is the title and `_note` the description with the acceptance criteria (the attribute that
OmniOutliner, Workflowy and most mind-map tools read as a note); done tasks carry `_status="checked"`.
Everything is XML-escaped (newlines in notes as &#10;) and characters XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from taskforge.core.models import Status
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope, notes_text, outline

INDENT = "  "
# Beyond the control characters the cleaners drop: the two non-characters XML 1.0 forbids.
_NOT_XML = re.compile("[\ufffe\uffff]")


def render(tree: Tree, root: str | None = None) -> str:
    project = tree.project
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"{INDENT}<head>",
        f"{INDENT * 2}<title>{escape(_xml(clean_line(project.title)))}</title>",
        f"{INDENT}</head>",
        f"{INDENT}<body>",
    ]
    scope = in_scope(tree, root)
    open_depths: list[int] = []
    for key, depth in outline(tree, root):
        while open_depths and open_depths[-1] >= depth:
            lines.append(f"{INDENT * (open_depths.pop() + 1)}</outline>")
        task = tree[key]
        attributes = {"text": clean_line(task.title)}
        note = notes_text(task.description, task.acceptance_criteria)
        if note:
            attributes["_note"] = note
        if task.status is Status.DONE:
            attributes["_status"] = "checked"
        attributes |= {"key": key, "status": task.status.value, "priority": task.priority.value}
        if task.estimate_minutes is not None:
            attributes["estimateMinutes"] = str(task.estimate_minutes)
        if task.actual_minutes is not None:
            attributes["actualMinutes"] = str(task.actual_minutes)
        depends = dependencies(tree, key, scope)
        if depends:
            attributes["dependsOn"] = " ".join(depends)
        if task.tags:
            attributes["tags"] = ",".join(clean_line(tag) for tag in task.tags)
        rendered = " ".join(f"{name}={quoteattr(_xml(value))}" for name, value in attributes.items())
        if tree.children[key]:
            lines.append(f"{INDENT * (depth + 1)}<outline {rendered}>")
            open_depths.append(depth)
        else:
            lines.append(f"{INDENT * (depth + 1)}<outline {rendered}/>")
    while open_depths:
        lines.append(f"{INDENT * (open_depths.pop() + 1)}</outline>")
    lines += [f"{INDENT}</body>", "</opml>"]
    return "\n".join(lines) + "\n"


def _xml(value: str) -> str:
    return _NOT_XML.sub("", value)
