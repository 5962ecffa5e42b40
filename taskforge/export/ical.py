"""iCalendar (RFC 5545): a VTODO per task, for calendar and task apps (Thunderbird, Apple Reminders, …).

    BEGIN:VTODO
    UID:2f1c…@taskforge
    DTSTAMP:20250301T120000Z
    SUMMARY:Login form
    DESCRIPTION:Two lines\\nof text\\n\\nAcceptance criteria:\\n- Accepts valid emails
    STATUS:IN-PROCESS
    PRIORITY:3
    CATEGORIES:ux,frontend
    RELATED-TO;RELTYPE=PARENT:…uid of T1…
    RELATED-TO;RELTYPE=DEPENDS-ON:…uid of T2…
    X-TASKFORGE-KEY:T4
    END:VTODO

Status: todo and blocked → NEEDS-ACTION, doing → IN-PROCESS, done → COMPLETED with COMPLETED and
PERCENT-COMPLETE:100. Priority (1 highest … 9 lowest): critical 1, high 3, medium 5, low 7.
Dependencies use RFC 9253's RELTYPE=DEPENDS-ON. Text values are escaped (\\\\ ; , and newlines), lines
end in CRLF and are folded at 75 octets without splitting a UTF-8 sequence.
"""

from __future__ import annotations

from datetime import datetime

from taskforge.core.models import Priority, Status
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from taskforge.export.common import dependencies, in_scope, left_out, notes_text, outline, stable_uuid, utc_now

STATUSES = {Status.TODO: "NEEDS-ACTION", Status.BLOCKED: "NEEDS-ACTION", Status.DOING: "IN-PROCESS", Status.DONE: "COMPLETED"}
PRIORITIES = {Priority.CRITICAL: 1, Priority.HIGH: 3, Priority.MEDIUM: 5, Priority.LOW: 7}
LINE_OCTETS = 75


def losses(tree: Tree, root: str | None = None) -> list[str]:
    return left_out("ics", tree, root, ["actual_minutes"])


def render(tree: Tree, root: str | None = None, *, now: datetime | None = None) -> str:
    stamp = (now or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    project = tree.project
    scope = in_scope(tree, root)

    def uid(key: str) -> str:
        return f"{stable_uuid(project.id, key)}@taskforge"

    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//taskforge//taskforge export//EN", "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{text(clean_line(project.title))}",
    ]
    for key, depth in outline(tree, root):
        task = tree[key]
        lines += ["BEGIN:VTODO", f"UID:{uid(key)}", f"DTSTAMP:{stamp}", f"SUMMARY:{text(clean_line(task.title))}"]
        description = notes_text(task.description, task.acceptance_criteria)
        if description:
            lines.append(f"DESCRIPTION:{text(description)}")
        lines += [f"STATUS:{STATUSES[task.status]}", f"PRIORITY:{PRIORITIES[task.priority]}"]
        if task.status is Status.DONE:
            lines += [f"COMPLETED:{stamp}", "PERCENT-COMPLETE:100"]
        if task.tags:
            lines.append("CATEGORIES:" + ",".join(text(clean_line(tag)) for tag in task.tags))
        if depth > 1:
            lines.append(f"RELATED-TO;RELTYPE=PARENT:{uid(task.parent_key)}")
        lines += [f"RELATED-TO;RELTYPE=DEPENDS-ON:{uid(dep)}" for dep in dependencies(tree, key, scope)]
        lines.append(f"X-TASKFORGE-KEY:{key}")
        if task.status is Status.BLOCKED:
            lines.append("X-TASKFORGE-STATUS:blocked")
        if task.estimate_minutes is not None:
            lines.append(f"X-TASKFORGE-ESTIMATE-MINUTES:{task.estimate_minutes}")
        lines.append("END:VTODO")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def text(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1); a continuation starts with a space."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    pieces = []
    start, room = 0, LINE_OCTETS
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # never cut inside a UTF-8 sequence
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, room = end, LINE_OCTETS - 1  # the leading space of a continuation counts
    return "\r\n ".join(pieces)
