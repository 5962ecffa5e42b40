"""One row per task, for spreadsheets: RFC 4180 (CRLF, quoted where needed), a header row first.

    key,parent_key,path,depth,title,status,priority,estimate_minutes,actual_minutes,depends_on,tags,description,acceptance_criteria
    T4,T1,T1 > T4,2,Login form,doing,high,240,,T2 T3,ux; frontend,"Two lines
    of text",Accepts valid emails

Lists are joined with a space (keys) or "; " (tags); acceptance criteria go one per line in their cell.
A text cell that a spreadsheet would run as a formula (=, +, -, @ first) starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io

from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope, outline

COLUMNS = [
    "key", "parent_key", "path", "depth", "title", "status", "priority", "estimate_minutes", "actual_minutes",
    "depends_on", "tags", "description", "acceptance_criteria",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(tree: Tree, root: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    scope = in_scope(tree, root)
    path: list[str] = []  # keys from the export's top down to the current task
    for key, depth in outline(tree, root):
        task = tree[key]
        del path[depth - 1:]
        path.append(key)
        writer.writerow([
            key,
            task.parent_key if depth > 1 else "",
            " > ".join(path),
            depth,
            _text(clean_line(task.title)),
            task.status.value,
            task.priority.value,
            "" if task.estimate_minutes is None else task.estimate_minutes,
            "" if task.actual_minutes is None else task.actual_minutes,
            " ".join(dependencies(tree, key, scope)),
            _text("; ".join(clean_line(tag) for tag in task.tags)),
            _text(clean_block(task.description)),
            _text("\n".join(clean_line(criterion) for criterion in task.acceptance_criteria)),
        ])
    return buffer.getvalue()


def _text(value: str) -> str:
    """User text that a spreadsheet shows as text rather than evaluates (OWASP's CSV-injection advice)."""
    return "'" + value if value.startswith(_FORMULA_START) else value
