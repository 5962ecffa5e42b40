"""What the offline planner's modules share: the `Edit` they return, `Refusal`, patch operations and wording.

Every edit is a list of patch operations plus a summary that follows "Offline planner: " in the
rationale; anything understood but impossible raises `Refusal` with a sentence for the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from taskforge.core.limits import MINUTES_PER_DAY, MINUTES_PER_WEEK, TITLE_MAX
from taskforge.core.patches import MetaUpdates, Op, TaskFields, TaskPatch

QUOTES = "\"'“”‘’`«»"


class Refusal(Exception):
    """The message was understood but cannot be carried out; the text tells the user why."""


@dataclass
class Edit:
    """A change the offline planner proposes: what it did, in words, and the operations."""

    summary: str  # follows "Offline planner: " in the rationale
    ops: list[TaskPatch]
    meta: MetaUpdates = field(default_factory=MetaUpdates)


# -- patch operations --------------------------------------------------------------------------------


def create(temp: str, **fields) -> TaskPatch:
    return TaskPatch(op=Op.CREATE, task_id=temp, body=TaskFields(**fields))


def update(key: str, **fields) -> TaskPatch:
    return TaskPatch(op=Op.UPDATE, task_id=key, body=TaskFields(**fields))


def delete(key: str, cascade: bool = False) -> TaskPatch:
    return TaskPatch(op=Op.DELETE, task_id=key, cascade=True) if cascade else TaskPatch(op=Op.DELETE, task_id=key)


# -- wording -------------------------------------------------------------------------------------------


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def quoted(title: str) -> str:
    return f"“{title}”"


def listed(items: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def fit(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def inline(title: str) -> str:
    """A title as it reads inside a sentence: "Login form" → "login form", but "API docs" stays."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and (any(ch.isupper() for ch in first[1:]) or any(ch.isdigit() for ch in first)):
        return title
    return title[:1].lower() + title[1:]


def sentence(text: str) -> str:
    """User text as a description: trimmed, with a full stop when it has no closing punctuation."""
    text = text.strip().strip(QUOTES).strip()
    if text and text[-1] not in ".!?)":
        text += "."
    return capitalised(text)


def format_duration(minutes: int) -> str:
    """480 → "1 day", 90 → "1 hour 30 minutes": the way the user wrote it, for the rationale."""
    parts = []
    for unit, size in (("week", MINUTES_PER_WEEK), ("day", MINUTES_PER_DAY), ("hour", 60), ("minute", 1)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 minutes"
