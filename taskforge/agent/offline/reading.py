"""Reading a whole message: which command it is, a command said after its task ("T2: add subtask X"), and
messages of several sentences ("Thanks. Please delete T6.", "T3 is done, T4 is in progress").

Parsers are tried in order, the most specific first: "add 2 hours to T3" is logged time, "mark T3 high" is
a priority, "split T3 into steps" a decomposition, "remove the dependency of T7 on T6" not a deletion.
"""

from __future__ import annotations

import re

from taskforge.agent.offline.additions import add, also_need
from taskforge.agent.offline.commands import (
    Parser,
    decompose,
    delete,
    describe,
    estimate,
    log_time,
    mark,
    merge,
    move,
    priority,
    rename,
    split,
    swap,
)
from taskforge.agent.offline.common import Edit, Refusal, listed, quoted
from taskforge.agent.offline.dependencies import depend, undepend
from taskforge.agent.offline.details import criteria, no_estimate, tags
from taskforge.agent.offline.language import Ambiguous, NotAReference, Scope, normalize
from taskforge.agent.offline.questions import question

# "T2: add subtask Hash passwords", "T3: done", "the docs - delete": the task first, then what to do with it
_TOPIC = re.compile(r"^(?P<t>[^:—–→>]+?)\s*(?::|—|–|->|→|=>|\s-)\s*(?P<rest>\S.*)$")
_TOPIC_ADD = re.compile(r"^(?:(?:add|create|insert|append|new|include)\b|(?:an?\s+|new\s+|another\s+)*"
                        r"(?:sub-?tasks?|child(?:ren)?|steps?)\b)", re.I)


def about_task(text: str, bare: str, scope: Scope) -> Edit | None:
    """A command said after the task it is about, read as the same command said the usual way round."""
    if not (match := _TOPIC.match(bare)):
        return None
    try:
        keys = scope.many(match["t"])
    except Ambiguous:
        raise
    except (NotAReference, Refusal):  # not a task at all ("new task: Rate limiting" is the general add's)
        return None
    said, rest = " and ".join(keys), match["rest"]
    if _TOPIC_ADD.match(rest):  # "T2: add Hash passwords": a sub-task
        rest = rest if re.match(r"(?:add|create|insert|append|new|include)\b", rest, re.I) else f"add {rest}"
        readings = [f"{rest} under {said}"]
    else:
        verb, _, more = rest.partition(" ")
        readings = [f"{verb} {said} {more}", f"{rest} {said}", f"{said} {rest}", f"{said} is {rest}"]
        if re.search(r"\b(?:it|this|them)\b", rest, re.I):  # "T2: break it down"
            readings.insert(0, re.sub(r"\b(?:it|this|them)\b", said, rest, count=1, flags=re.I))
    for reading in readings:
        edit, _unclear = _read(reading, reading, scope, COMMANDS[:-1])
        if edit is not None:
            return edit
    return None


# Most specific first: "add 2 hours to T3" is logged time, "mark T3 high" is a priority, "split T3 into
# steps" a decomposition, "remove the dependency of T7 on T6" not a deletion. The task said first comes
# last: it only reads what nothing else did.
COMMANDS: tuple[Parser, ...] = (
    question, decompose, criteria, tags, no_estimate, undepend, depend, log_time, estimate, priority, mark, rename,
    describe, merge, split, swap, move, delete, add, also_need, about_task,
)


def _read(text: str, bare: str, scope: Scope, parsers: tuple[Parser, ...]) -> tuple[Edit | None, Ambiguous | None]:
    """The first of `parsers` that makes an edit of the message, or the first ambiguity met on the way."""
    unclear: Ambiguous | None = None
    for parser in parsers:
        try:
            edit = parser(text, bare, scope)
        except Ambiguous as ambiguous:
            unclear = unclear or ambiguous
            continue
        if edit is not None:
            return edit, None
    return None, unclear


# tried only when the whole message is no request: "T3 is done, T4 is in progress", "mark T1 done and T2 doing"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*;\s*|,\s+|\s+and\s+(?=(?:then\s+)?\S)")
_PLEASANTRY = re.compile(r"^(?:thanks?(?:\s+you)?(?:\s+so\s+much)?|thx|cheers|(?:great|nice|good)(?:\s+work|\s+job)?|perfect|"
                         r"awesome|cool|ok(?:ay)?|hi(?:\s+there)?|hello|hey|sure|yes|yeah|right|sorry|oops|looks\s+good|lgtm)$",
                         re.I)


def _sentences(text: str) -> list[tuple[str, str]]:
    """The sentences of a message that ask for something, each normalized; "Thanks." and "Great!" say nothing."""
    said = [normalize(sentence) for sentence in _SENTENCE_END.split(text)]
    return [(whole, bare) for whole, bare in said if bare and not _PLEASANTRY.match(bare)]


def _first_of(sentences: list[tuple[str, str]], scope: Scope) -> tuple[Edit | None, Ambiguous | None]:
    """ "T1 is done. What's next?": the first sentence that is a request is carried out, and the reply says
    which ones wait, since each later one may depend on the first being applied. Requests that each only
    set fields of tasks no other one touches ("T3 is done, T4 is in progress") are carried out together."""
    for index, (text, bare) in enumerate(sentences):
        edit, unclear = _read(text, bare, scope, COMMANDS)
        if unclear is not None:
            return None, unclear
        if edit is None:
            continue
        later = sentences[index + 1:]
        together = [edit, *(_quietly(text, bare, scope) for text, bare in later)]
        if later and _independent(together):
            return Edit("; ".join(part.summary.rstrip(".") for part in together) + ".",
                        [op for part in together for op in part.ops]), None
        if later:
            edit.summary += (f" One request at a time: once this is applied, say "
                             f"{listed(quoted(whole) for whole, _bare in later)} again.")
        return edit, None
    return None, None


def _quietly(text: str, bare: str, scope: Scope) -> Edit | None:
    """A later sentence's edit, or None when it is none (a question, a refusal, an unclear name)."""
    try:
        return _read(text, bare, scope, COMMANDS)[0]
    except Refusal:
        return None


def _independent(parts: list[Edit | None]) -> bool:
    """Every part an edit that only sets fields (no new tasks, deletions or moves), each on tasks of its own."""
    touched: set[str] = set()
    for part in parts:
        if part is None or part.meta.model_dump(exclude_none=True):
            return False
        keys = set()
        for op in part.ops:
            fields = op.body.model_dump(exclude_unset=True) if op.body is not None else {}
            if op.op.value != "update" or "parent_task_id" in fields or "position" in fields:
                return False
            keys.add(op.task_id)
        if keys & touched:
            return False
        touched |= keys
    return True


def interpret(text: str, bare: str, scope: Scope) -> Edit | None:
    """The edit a message asks for, None when it is no command; raises Refusal for one that cannot be done.

    A task named ambiguously ("the login": two titles say it) or by words no title has does not stop the
    other readings: only when no command fits does the reply ask which task, or say nothing matched."""
    edit, unclear = _read(text, bare, scope, COMMANDS)
    if edit is not None:
        return edit
    if unclear is None and (sentences := _sentences(text)) and sentences != [(text, bare)]:
        unmatched, scope.unmatched = scope.unmatched, None
        edit, unclear_part = _first_of(sentences, scope)
        if edit is not None:
            return edit
        unclear, scope.unmatched = unclear or unclear_part, unmatched  # nothing read: the reply is about the whole
    if unclear is not None:
        raise unclear
    if scope.unmatched is not None:
        raise Refusal(f"no task’s title has the words “{scope.unmatched}”: {scope.titles_in_scope()}. "
                      "Name it by key (T3) or by words from its title, or add it first (“add "
                      f"{scope.unmatched}”); nothing was changed.")
    return None
