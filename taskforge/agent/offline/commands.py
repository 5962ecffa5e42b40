"""The offline planner's command language: patterns that turn a message into an `Edit`.

Each parser either returns None (the message is not that command, try the next) or an Edit, or raises
`Refusal` when the message clearly is that command but cannot be carried out ("delete T99"). Here: breaking
down, time, estimates, priority, status, renaming, describing, combining, splitting, moving and deleting;
dependencies live in `dependencies`, new tasks in `additions`, questions in `questions`, and the order in
which all of them are tried in `reading`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from taskforge.agent.offline import edits, restructure
from taskforge.agent.offline.common import Edit, Refusal
from taskforge.agent.offline.language import (
    Ambiguous,
    NotAReference,
    Scope,
    clean_title,
    parse_duration,
    split_list,
)
from taskforge.agent.offline.language import (
    resolve_many as _many,
)
from taskforge.agent.offline.language import (
    resolve_one as _one,
)
from taskforge.core.models import Priority, Status

Parser = Callable[[str, str, Scope], Edit | None]

STATUS_WORDS = {
    **dict.fromkeys(("done", "complete", "completed", "finished", "closed", "resolved"), Status.DONE),
    **dict.fromkeys(("doing", "in progress", "in-progress", "started", "active", "wip", "underway", "ongoing",
                     "under way", "being worked on"), Status.DOING),
    **dict.fromkeys(("blocked", "stuck", "on hold", "waiting"), Status.BLOCKED),
    **dict.fromkeys(("todo", "to do", "to-do", "not started", "open", "pending", "not done", "undone", "reopened",
                     "new"), Status.TODO),
}
STATUS_VERBS = {
    **dict.fromkeys(("finish", "complete", "close", "resolve", "tick off", "check off", "finished", "completed",
                     "closed", "resolved", "ticked off", "checked off", "wrapped up", "shipped", "delivered"),
                    Status.DONE),
    **dict.fromkeys(("start", "begin", "resume", "pick up", "work on", "started", "began", "begun", "resumed",
                     "start work on", "begin work on", "started work on", "began work on", "get started on",
                     "got started on", "start working on", "started working on", "begin working on",
                     "picked up", "kicked off", "kick off"), Status.DOING),
    **dict.fromkeys(("block", "blocked"), Status.BLOCKED),
    **dict.fromkeys(("reopen", "unblock", "restart", "reopened", "unblocked", "restarted", "stop working on",
                     "stopped working on", "stop work on", "stopped work on"), Status.TODO),
}
PRIORITY_WORDS = {
    **dict.fromkeys(("low", "lowest", "minor", "trivial"), Priority.LOW),
    **dict.fromkeys(("medium", "normal", "mid", "med", "moderate", "average"), Priority.MEDIUM),
    **dict.fromkeys(("high", "important", "major", "higher"), Priority.HIGH),
    **dict.fromkeys(("critical", "urgent", "top", "highest", "blocker", "crucial"), Priority.CRITICAL),
}


def _alternatives(words) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


STATUS_ALTERNATIVES = _alternatives(STATUS_WORDS)
PRIORITY_ALTERNATIVES = _alternatives(PRIORITY_WORDS)


def _this_or(scope: Scope, phrase: str | None) -> str | None:
    """The task a decomposition is about: the named one, or the focus when none is named."""
    if phrase and phrase.strip().lower() not in ("this", "it", "this task", "this one"):
        return _one(scope, phrase)
    if scope.task_mode:
        return scope.focus
    raise Refusal(
        "name the task to break down (“break down T2”, “decompose the first task”), or open it in task mode "
        "and say “break this down”."
    )


# -- the commands ----------------------------------------------------------------------------------

_PIECES = r"(?:smaller\s+)?(?:sub-?tasks|steps|pieces|parts|chunks|actionable\s+\w+|smaller\s+ones|tasks)"
_DECOMPOSE = [
    re.compile(rf"^(?:break|split|divide|chop)\s+(?:down|up)(?:\s+(?P<t>.+?))?(?:\s+into\s+(?:\w+\s+)?{_PIECES})?$", re.I),
    re.compile(rf"^(?:break|split|divide|chop)\s+(?P<t>.+?)\s+(?:down|up)(?:\s+into\s+(?:\w+\s+)?{_PIECES})?$", re.I),
    re.compile(rf"^(?:break|split|divide|chop)(?:\s+(?P<t>.+?))?\s+into\s+(?:\w+\s+)?{_PIECES}$", re.I),
    re.compile(r"^(?:decompose|expand|detail|flesh out|plan out|elaborate(?: on)?|breakdown)(?:\s+(?P<t>.+))?$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:needs|need|should have|could use|requires)\s+(?:some\s+|more\s+)?(?:{_PIECES}|"
               r"breaking\s+(?:down|up)|to\s+be\s+(?:broken|split)\s+(?:down|up)|an?\s+breakdown)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are|looks|seems|feels)\s+(?:way\s+|much\s+)?too\s+(?:big|large|vague|broad|coarse)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:should|must|needs to|has to|could|can)\s+be\s+(?:broken|split)\s+(?:down|up)$", re.I),
    re.compile(r"^(?:add |create |suggest |propose |make |generate |give me |what are (?:the )?)?(?:some\s+)?"
               r"(?:sub-?tasks|next steps|steps)(?:\s+(?:for|of|to)\s+(?P<t>.+))?$", re.I),
    re.compile(r"^what\s+(?:steps|sub-?tasks)\s+(?:does|do|would|should)\s+(?P<t>.+?)\s+(?:need|have|take|involve)$", re.I),
]


def decompose(text: str, bare: str, scope: Scope) -> Edit | None:
    if not bare and scope.task_mode:
        return edits.decompose(scope, scope.focus)
    for pattern in _DECOMPOSE:
        if match := pattern.match(bare):
            key = _this_or(scope, match["t"])
            return None if key is None else edits.decompose(scope, key)
    return None


_LOG = [
    re.compile(r"^(?:i\s+|we\s+)?(?:log|logged|track|tracked|record|recorded|book|booked|add|added|spent|spend|"
               r"worked|put|put in)\s+(?P<d>.+?)\s+(?:on|to|against|for|into|in)\s+(?P<t>.+?)"
               r"(?:\s+(?:yesterday|today|this\s+morning|this\s+afternoon|last\s+night|so\s+far))?$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:took|has taken|took me|took us)\s+(?P<d>.+?)(?:\s+so far)?$", re.I),
]


def _with_duration(patterns: list[re.Pattern], bare: str, scope: Scope, make) -> Edit | None:
    """The first pattern naming tasks (`t`) and a duration (`d`) that both resolve, made into an edit."""
    for pattern in patterns:
        if (match := pattern.match(bare)) and (minutes := parse_duration(match["d"])) is not None:
            keys = _many(scope, match["t"])
            if keys is not None:
                return make(scope, keys, minutes)
    return None


def log_time(text: str, bare: str, scope: Scope) -> Edit | None:
    return _with_duration(_LOG, bare, scope, edits.log_time)


_ESTIMATE = [
    re.compile(r"^(?:estimate|size|re-?estimate)\s+(?P<t>.+?)\s*:\s*(?P<d>.+)$", re.I),
    re.compile(r"^(?:estimate|size|re-?estimate)\s+(?P<d>(?:about\s+|around\s+|~)?\S+(?:\s+\S+)?)\s+(?:for|on)\s+(?P<t>.+)$", re.I),
    re.compile(r"^it(?:'ll|\s+will|'s\s+going\s+to|\s+should)\s+take\s+(?P<d>.+?)\s+to\s+(?:do|finish|build|complete|get\s+through)\s+"
               r"(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+is\s+(?:an?\s+)?(?P<d>.+?)(?:\s+(?:task|job)|\s+of\s+work)$", re.I),
    re.compile(r"^(?:estimate|size|budget|timebox|re-?estimate)\s+(?P<t>.+?)\s+(?:at|as|to be|to|for)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:set|change|update|make)\s+(?:the\s+)?estimate\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|at)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:the\s+)?estimate\s+(?:of|for|on)\s+(?P<t>.+?)\s*(?:[:=]|\s+is|\s+should be)\s*(?P<d>.+)$", re.I),
    re.compile(r"^(?:set|change|update)\s+(?P<t>.+?)(?:'s)?\s+estimate\s+(?:to|at)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:estimate|size)\s+(?P<t>.+?)\s+(?P<d>(?:about\s+|around\s+|~)?\d\S*(?:\s+\S+)?)$", re.I),
    re.compile(r"^(?:change|set|make|update)\s+(?P<t>.+?)\s+to\s+(?P<d>.+)$", re.I),
    re.compile(r"^make\s+(?P<t>.+?)\s+(?P<d>\S+(?:\s+\S+)?)$", re.I),
    re.compile(r"^(?P<t>.+?)(?:'s estimate is|\s+estimate is|(?:'s)?\s+estimate\s*[:=]?|\s+will take|\s+should take|\s+takes|\s+needs|"
               r"\s+is estimated at|\s+is)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s*[:=~≈]\s*(?P<d>.+)$", re.I),
    re.compile(r"^(?P<d>(?:about\s+|around\s+|~)?\S+\s*\S*)\s+for\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?:give|allow|allot|budget|plan|reserve)\s+(?P<t>.+?)\s+(?P<d>(?:about\s+|around\s+)?\S+\s+\S+)$", re.I),
    re.compile(r"^(?:give|allow|allot|budget|plan|reserve)\s+(?P<d>.+?)\s+(?:for|to)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?P<d>(?:about\s+|~)?\d[\d.]*\s*[a-z]+)$", re.I),  # "T3 2d"
]


def estimate(text: str, bare: str, scope: Scope) -> Edit | None:
    return _with_duration(_ESTIMATE, bare, scope, edits.set_estimate)


_PRIORITY_PATTERNS = [
    re.compile(rf"^(?:set|change|update|make)\s+(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|as)\s+(?P<p>{PRIORITY_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?:set|change|update)\s+(?P<t>.+?)(?:'s)?\s+priority\s+(?:to|as)\s+(?P<p>{PRIORITY_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?:make|set|mark|flag|change|update|bump|raise|lower|upgrade|downgrade)\s+(?P<t>.+?)\s+(?:as\s+|to\s+)?(?:an?\s+|the\s+)?(?P<p>{PRIORITY_ALTERNATIVES})"
               rf"(?:[\s-]+(?:priority|prio|pri))?(?:\s+task)?$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:is|are|has|should be)\s+(?:an?\s+|the\s+)?(?P<p>{PRIORITY_ALTERNATIVES})(?:[\s-]+(?:priority|prio|pri))?(?:\s+task)?$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s)?\s+priority\s*(?:is|should be|[:=]|)\s+(?P<p>{PRIORITY_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:is|should be|[:=])\s+(?P<p>{PRIORITY_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?:give|assign)\s+(?P<t>.+?)\s+(?:an?\s+|the\s+)?(?P<p>{PRIORITY_ALTERNATIVES})\s+(?:priority|prio)$", re.I),
    re.compile(rf"^(?:set|make|put)\s+(?:the\s+)?priority\s+(?:to\s+|at\s+)?(?P<p>{PRIORITY_ALTERNATIVES})\s+(?:on|for|of)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?P<p>{PRIORITY_ALTERNATIVES})(?:[\s-]+(?:priority|prio))?$", re.I),
]
_PRIORITY_VERBS = [
    (re.compile(r"^(?:prioriti[sz]e|escalate|bump(?:\s+up)?|expedite)\s+(?P<t>.+)$", re.I), Priority.HIGH),
    (re.compile(r"^(?:deprioriti[sz]e|de-prioriti[sz]e)\s+(?P<t>.+)$", re.I), Priority.LOW),
    (re.compile(r"^(?:raise|increase|up|bump|boost)(?:\s+up)?\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<t>.+)$", re.I),
     Priority.HIGH),
    (re.compile(r"^(?:raise|increase|up|bump|boost)\s+(?P<t>.+?)(?:'s)?\s+priority(?:\s+up)?$", re.I), Priority.HIGH),
    (re.compile(r"^(?:lower|decrease|reduce|drop)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<t>.+)$", re.I), Priority.LOW),
    (re.compile(r"^(?:lower|decrease|reduce|drop)\s+(?P<t>.+?)(?:'s)?\s+priority$", re.I), Priority.LOW),
    (re.compile(r"^make\s+(?P<t>.+?)\s+a\s+(?:top\s+)?priority$", re.I), Priority.HIGH),
    (re.compile(r"^(?P<t>.+?)\s+(?:is|are)(?:\s+not|n't)\s+(?:very\s+|that\s+|so\s+)?(?:important|urgent|a\s+priority|"
                r"critical|pressing)(?:\s+any\s?more)?$", re.I), Priority.LOW),
    (re.compile(r"^(?P<t>.+?)\s+can\s+wait$", re.I), Priority.LOW),
    (re.compile(r"^make\s+(?P<t>.+?)\s+(?:more\s+important|more\s+urgent|a\s+higher\s+priority)$", re.I), Priority.HIGH),
    (re.compile(r"^make\s+(?P<t>.+?)\s+(?:less\s+important|less\s+urgent|a\s+lower\s+priority)$", re.I), Priority.LOW),
]


def priority(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in _PRIORITY_PATTERNS:
        if match := pattern.match(bare):
            keys = _many(scope, match["t"])
            if keys is not None:
                return edits.set_priority(scope, keys, PRIORITY_WORDS[match["p"].lower()])
    for pattern, value in _PRIORITY_VERBS:
        if match := pattern.match(bare):
            keys = _many(scope, match["t"])
            if keys is not None:
                return edits.set_priority(scope, keys, value)
    return None


_MARK = [
    re.compile(rf"^(?:mark|set|flag|move|put|change|update)\s+(?P<t>.+?)\s+(?:as\s+|to\s+|into\s+|in\s+)?(?P<s>{STATUS_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?:set|change|update)\s+(?:the\s+)?status\s+(?:of|for)\s+(?P<t>.+?)\s+(?:to|as)\s+(?P<s>{STATUS_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:is|are|was|were|has been|have been|is now|are now)\s+(?P<s>{STATUS_ALTERNATIVES})"
               r"(?:\s+now|\s+already|\s+today)?$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s)?\s+status\s+(?:is|should be|[:=])\s+(?P<s>{STATUS_ALTERNATIVES})$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s|’s)\s+(?:now\s+|already\s+|finally\s+)?(?P<s>{STATUS_ALTERNATIVES})(?:\s+now)?$", re.I),  # "it's done"
]
_STATUS_VERB = re.compile(rf"^(?:(?:i|we|they|you)(?:'ve|'re|'m| have| are| am| just)*\s+)?(?:just\s+)?"
                          rf"(?P<v>{_alternatives(STATUS_VERBS)})\s+(?:on\s+|with\s+)?(?P<t>.+?)(?:\s+now|\s+today)?$", re.I)
_WORKING_ON = re.compile(r"^(?:i'm|i am|im|we're|we are|were|i've|we've|i have|we have)\s+(?:now\s+|just\s+)?"
                         r"(?:working on|started(?: on)?|starting(?: on)?|begun|beginning|on|doing|tackling|"
                         r"picked up|picking up|taken|taking)\s+(?P<t>.+?)(?:\s+now|\s+today)?$", re.I)
_WORKING = re.compile(r"^(?:now\s+|currently\s+)?(?:working on|started on|starting on|busy with|busy on)\s+(?P<t>.+?)"
                      r"(?:\s+now|\s+today)?$", re.I)
_UNBLOCK = [
    re.compile(r"^(?:unblock|unstick|unpause)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are)\s+(?:not|no\s+longer)\s+(?:blocked|stuck|on hold|waiting)"
               r"(?:\s+any\s?more|\s+any\s+longer|\s+now)?$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:isn't|aren't)\s+(?:blocked|stuck|on hold)(?:\s+any\s?more|\s+any\s+longer|\s+now)?$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are)\s+unblocked(?:\s+now)?$", re.I),
]
_NOT_DONE = re.compile(r"^(?P<t>.+?)\s+(?:isn't|aren't|is not|are not|wasn't|was not)\s+(?:done|finished|complete|completed)"
                       r"(?:\s+yet|\s+after all|\s+really)?$", re.I)
_CLOSED = re.compile(r"^(?:(?:check|tick|cross)\s+(?P<u>.+?)\s+off|(?P<t>.+?)\s+(?:can|could|may)\s+be\s+(?:closed|ticked off|"
                     r"checked off|marked (?:as )?done)|(?P<v>.+?)\s*[✓✔✅☑]+)$", re.I)
_BLOCKED_BY = re.compile(r"^(?P<t>.+?)\s+(?:is|are)\s+(?:blocked|stuck|on hold|waiting)\s+(?:by|on|for|until)\s+(?P<why>.+)$", re.I)
_DONE_WITH = re.compile(r"^(?:(?:i'm|im|i am|we're|we are)\s+)?(?:done|finished)\s+with\s+(?P<t>.+)$", re.I)
_BARE_STATUS = re.compile(r"^(?P<t>.+?)\s+(?P<s>done|finished|complete|completed|blocked|in progress|started)$", re.I)


def mark(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in _UNBLOCK:  # only a blocked task goes back to todo: "unblock T3" never resets work in progress
        if match := pattern.match(bare):
            keys = _many(scope, match["t"])
            if keys is not None:
                return edits.unblock(scope, keys)
    if match := _WORKING_ON.match(bare) or _WORKING.match(bare):
        keys = _many(scope, match["t"])
        if keys is not None:
            return edits.set_status(scope, keys, Status.DOING)
    if match := _NOT_DONE.match(bare):
        keys = _many(scope, match["t"])
        if keys is not None:
            return edits.set_status(scope, keys, Status.TODO)
    for pattern in _MARK:
        if match := pattern.match(bare):
            keys = _many(scope, match["t"])
            if keys is not None:
                return edits.set_status(scope, keys, STATUS_WORDS[match["s"].lower()])
    if match := _STATUS_VERB.match(bare):
        keys = _many(scope, match["t"])
        if keys is not None:
            return edits.set_status(scope, keys, STATUS_VERBS[match["v"].lower()])
    if match := _CLOSED.match(bare):
        keys = _many(scope, match["t"] or match["u"] or match["v"])
        if keys is not None:
            return edits.set_status(scope, keys, Status.DONE)
    if match := _BLOCKED_BY.match(bare):  # waiting on something the plan does not have ("legal"): blocked
        keys = _many(scope, match["t"])
        if keys is not None:
            edit = edits.set_status(scope, keys, Status.BLOCKED)
            scope.unmatched = None
            edit.summary = (f"{edit.summary.rstrip('.')} (no task is “{match['why']}”; say “add "
                            f"{match['why']}” and “{keys[0]} depends on …” to plan it as a task).")
            return edit
    if match := _DONE_WITH.match(bare):
        keys = _many(scope, match["t"])
        if keys is not None:
            return edits.set_status(scope, keys, Status.DONE)
    if match := _BARE_STATUS.match(bare):  # "docs done", "T3 blocked"
        keys = _many(scope, match["t"])
        if keys is not None:
            return edits.set_status(scope, keys, STATUS_WORDS[match["s"].lower()])
    return None


_RENAME = [
    re.compile(r"^(?P<t>.+?)(?:'s|’s)?\s+(?:new\s+)?(?:title|name)\s*(?:[:=]|\s+is\s+now|\s+should\s+be)\s*(?P<title>.+)$", re.I),
    re.compile(r"^(?:rename|retitle|re-title|re-name)\s+(?P<t>.+?)\s+(?:to|as|into|->|→|=>)\s*:?\s+(?P<title>.+)$", re.I),
    re.compile(r"^(?:change|set|update)\s+(?:the\s+)?(?:title|name)\s+of\s+(?P<t>.+?)\s+to\s+(?P<title>.+)$", re.I),
    re.compile(r"^(?:change|set|update)\s+(?P<t>.+?)(?:'s)?\s+(?:title|name)\s+to\s+(?P<title>.+)$", re.I),
    re.compile(r"^call\s+(?P<t>.+?)\s+(?P<title>[\"“'‘].+)$", re.I),
    re.compile(r"^(?:rename|retitle|re-title|re-name)\s+(?P<t>.+?)\s*[:=]\s*(?P<title>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:should be|is now|will be|must be|is to be)\s+(?:called|named|titled|renamed(?:\s+to)?)\s+"
               r"(?P<title>.+)$", re.I),
]
# "call T2 Accounts", "rename the rollout Launch": no word between the task and its new title, so the
# shortest leading phrase that names a task is the task (people name the task first).
_CHANGE_TO = re.compile(r"^change\s+(?P<t>.+?)\s+to\s+(?P<title>.+)$", re.I)
_RENAME_BARE = re.compile(r"^(?:rename|retitle|call|name)\s+(?P<rest>.+)$", re.I)


def rename(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in _RENAME:
        if match := pattern.match(bare):
            key = _one(scope, match["t"])
            if key is not None:
                title = clean_title(match["title"])
                if not title:
                    raise Refusal(f"the new title is empty: say “rename {key} to …”.")
                return edits.rename(scope, key, title)
    if (match := _CHANGE_TO.match(bare)) and parse_duration(match["title"]) is None and not re.fullmatch(
            rf"(?:{STATUS_ALTERNATIVES}|{PRIORITY_ALTERNATIVES})(?:\s+priority)?", match["title"], re.I) and (key := _one(scope, match["t"])):
        return edits.rename(scope, key, clean_title(match["title"]))
    if match := _RENAME_BARE.match(bare):
        words = match["rest"].split()
        for cut in range(1, len(words)):
            try:
                keys = scope.many(" ".join(words[:cut]))
            except NotAReference:  # "the", "the roll": a longer phrase may still name a task
                continue
            except Ambiguous as ambiguous:  # a longer phrase would eat the new title's words to decide
                raise Refusal(str(ambiguous)) from None
            while cut < len(words) - 1 and words[cut].lower() in ("task", "one", "item", "step"):
                cut += 1  # "call the first task Journeys": "task" belongs to the name of the task
            if len(keys) == 1 and (title := clean_title(" ".join(words[cut:]))):
                return edits.rename(scope, keys[0], title)
    return None


_DESCRIBE = [
    re.compile(r"^describe\s+(?P<t>.+?)\s*(?:\s+as|\s+with|:)\s+(?P<d>.+)$", re.I | re.S),
    re.compile(r"^(?:set|change|update|make|replace)\s+(?:the\s+)?description\s+(?:of|for|on)\s+(?P<t>.+?)\s*(?:\s+to|\s+with|:)\s+(?P<d>.+)$", re.I | re.S),
    re.compile(r"^(?:set|change|update)\s+(?P<t>.+?)(?:'s)?\s+description\s+(?:to|:)\s+(?P<d>.+)$", re.I | re.S),
    re.compile(r"^(?P<t>.+?)(?:'s|’s)?\s+description\s*(?::|=|\s+is|\s+should\s+be)\s+(?P<d>.+)$", re.I | re.S),
]
_NOTE = [
    re.compile(r"^(?:add|append|attach|put)\s+(?:an?\s+)?(?:note|comment|remark)\s+(?:to|on|for)\s+(?P<t>.+?)\s*(?::|\s+saying|"
               r"\s+that|\s+[—–-])\s+(?P<d>.+)$", re.I | re.S),
    re.compile(r"^(?:note|comment)\s+(?:on|for)\s+(?P<t>.+?)\s*(?::|\s+[—–-])\s+(?P<d>.+)$", re.I | re.S),
]


def describe(text: str, bare: str, scope: Scope) -> Edit | None:
    for patterns, append in ((_NOTE, True), (_DESCRIBE, False)):
        for pattern in patterns:
            if match := pattern.match(text):  # with its closing punctuation: a description is prose
                key = _one(scope, match["t"])
                if key is not None:
                    return edits.describe(scope, key, match["d"], append=append)
    return None


_MERGE = re.compile(r"^(?:combine|merge|join|fold|consolidate|unify|fuse)\s+(?P<rest>.+)$", re.I)
_INTO_ONE = re.compile(r"\s+(?:into\s+(?:one|a single|a single task|one task|1)|together)$", re.I)
_CALL_IT = re.compile(r"(?:\s*,?\s+(?:and\s+)?(?:call|name|title)\s+(?:it|the\s+result|them)|\s+as)\s+(?P<title>.+)$", re.I)
# "put T1 and T2 together", "T1 and T2 should be one task"
_TOGETHER = re.compile(r"^(?:(?:put|bring)\s+(?P<a>.+?)\s+together|(?P<b>.+?)\s+(?:should|could|can|must)\s+be\s+(?:one|a\s+single|"
                       r"merged|combined)(?:\s+task)?)$", re.I)


def merge(text: str, bare: str, scope: Scope) -> Edit | None:
    if (together := _TOGETHER.match(bare)) and (named := _many(scope, together["a"] or together["b"])) is not None:
        return restructure.merge(scope, named)
    match = _MERGE.match(bare)
    if not match:
        return None
    rest = _INTO_ONE.sub("", match["rest"])
    if called := _CALL_IT.search(rest):  # "merge T4 and T5 and call it Hardening"
        named = _many(scope, _INTO_ONE.sub("", rest[: called.start()]))
        return None if named is None else restructure.merge(scope, named, clean_title(called["title"]) or None)
    into_match = re.match(r"^(?P<head>.+)\s+into\s+(?P<tail>.+)$", rest, re.I)
    if into_match:
        head, tail = into_match["head"], into_match["tail"]
        named = _many(scope, head)
        if named is None:
            return None
        into = _many(scope, tail)
        if into is not None:  # "merge T2 into T1": T1 stays
            return restructure.merge(scope, [*into, *[key for key in named if key not in into]], keeper=into[0])
        title = clean_title(re.sub(r"^(?:a|one|a single)\s+(?:task\s+)?(?:called|named|titled)\s+", "", tail, flags=re.I))
        return restructure.merge(scope, named, title or None)
    named = _many(scope, rest)
    return None if named is None else restructure.merge(scope, named)


_SPLIT = re.compile(r"^(?:split|divide|break|separate|cut)(?:\s+up)?\s+(?P<t>.+?)(?:\s+up)?(?:\s+(?:into|in)\s*:?\s+|\s*:\s*)"
                    r"(?:(?:two|three|four|five|\d+)(?:\s+(?:parts|tasks|pieces))?\s*:\s*)?(?P<parts>.+)$", re.I)


def split(text: str, bare: str, scope: Scope) -> Edit | None:
    match = _SPLIT.match(bare)
    if not match:
        return None
    key = _one(scope, match["t"])
    if key is None:
        return None
    titles = [clean_title(part) for part in split_list(match["parts"])]
    return restructure.split(scope, key, [title for title in titles if title])


_MOVE_VERBS = r"(?:move|put|place|nest|reparent|drag|shift|relocate|push|pull|bring|slot|reorder|schedule)"
_CLOSE = r"(?:(?:right|just|directly|immediately)\s+)?"  # "right after T1" is after T1
_IN_LIST = r"(?:\s+(?:in|of)\s+(?:the\s+)?(?:list|plan|order|project|tree))?"
_MOVE = [
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to\s+(?:be|go|sit|live)\s+)?(?:under|beneath|underneath|inside|into|within|in|as\s+(?:a\s+)?"
                rf"(?:sub-?task|child)\s+of)\s+(?P<dest>.+)$", re.I), "under"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:before|above|ahead of|in front of)\s+(?:everything|all(?:\s+the)?(?:\s+other)?"
                r"(?:\s+tasks)?|the\s+rest)$", re.I), "first"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:after|below|behind)\s+(?:everything|all(?:\s+the)?(?:\s+other)?(?:\s+tasks)?|"
                r"the\s+rest)$", re.I), "last"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+{_CLOSE}(?:before|above|ahead of|in front of)\s+(?P<dest>.+)$", re.I), "before"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+{_CLOSE}(?:after|below|behind|next to|beside)\s+(?P<dest>.+)$", re.I), "after"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to|at|on|onto)\s+(?:the\s+)?(?:top|root|first|outer)[\s-]+level$", re.I), "level"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to\s+the\s+root|out\s+of\s+(?:its|their)\s+parents?|out)$", re.I), "level"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:(?:(?:up|all the way)\s+)?(?:to|at)\s+(?:the\s+)?(?:very\s+)?(?:top|start|"
                rf"beginning|front)|first){_IN_LIST}$", re.I), "first"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:(?:(?:down|all the way)\s+)?(?:to|at)\s+(?:the\s+)?(?:very\s+)?(?:bottom|end|"
                rf"back)|last){_IN_LIST}$", re.I), "last"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:up|forward|earlier|higher)(?:\s+one|\s+a\s+place|\s+one\s+place)?$", re.I), "up"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:down|back|later|lower)(?:\s+one|\s+a\s+place|\s+one\s+place)?$", re.I), "down"),
    (re.compile(r"^(?:make|turn)\s+(?P<t>.+?)\s+(?:into\s+)?(?:an?\s+)?(?:sub-?tasks?|child(?:\s+tasks?)?|children|"
                r"sub-?items?|steps?|parts?)\s+(?:of|under|in|for|inside|below)\s+(?P<dest>.+)$", re.I), "under"),
    (re.compile(r"^(?P<t>.+?)\s+(?:should\s+be|should\s+go|goes|belongs|must\s+be|is|are|should\s+live|lives)\s+"
                r"(?:an?\s+|the\s+)?(?:under|beneath|underneath|inside|within|(?:sub-?tasks?|child|children|part|"
                r"a\s+part)\s+of)\s+(?P<dest>.+)$", re.I), "under"),
    (re.compile(r"^(?:make|turn)\s+(?P<t>.+?)\s+(?:into\s+)?(?:an?\s+)?(?:top[\s-]+level|root|main)(?:\s+tasks?)?$",
                re.I), "level"),
    (re.compile(r"^(?P<t>.+?)\s+(?:should\s+|must\s+)?(?:come|go|be|sit)\s+before\s+(?P<dest>.+?)\s+in\s+the\s+"
                r"(?:list|order|tree|plan|outline)$", re.I), "before"),
    (re.compile(r"^(?P<t>.+?)\s+(?:should\s+|must\s+)?(?:come|go|be|sit)\s+after\s+(?P<dest>.+?)\s+in\s+the\s+"
                r"(?:list|order|tree|plan|outline)$", re.I), "after"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to|into|at|in)\s+(?:position|place|spot|slot|number|no\.?|#)\s*"
                r"(?P<dest>\d+)$", re.I), "place"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to|into|at|in)\s+(?:the\s+)?(?P<dest>\w+)\s+(?:position|place|spot|slot)$",
                re.I), "place"),
    (re.compile(r"^make\s+(?P<t>.+?)\s+(?:the\s+)?(?P<dest>\w+)\s+(?:task|one|item|step)$", re.I), "place"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:in\s+)?between\s+(?P<dest>.+?)\s+and\s+.+$", re.I), "after"),
    (re.compile(r"^(?:do\s+)?(?P<t>.+?)\s+(?:(?:should|must|can|will)\s+(?:come|go|be)\s+)?(?:last|at\s+the\s+(?:end|bottom)|"
                r"the\s+last\s+(?:task|one|item|thing))$", re.I), "last"),
    (re.compile(r"^(?P<t>.+?)\s+(?:should|must|can|will)\s+(?:come|go|be)\s+(?:first|at\s+the\s+(?:top|start)|"
                r"the\s+first\s+(?:task|one|item|thing))$", re.I), "first"),
    (re.compile(r"^(?:move|take|pull|get|bring|lift)\s+(?P<t>.+?)\s+out\s+of\s+(?!(?:its|their)\b).+$", re.I), "outdent"),
    (re.compile(r"^(?:indent|demote)\s+(?P<t>.+)$", re.I), "indent"),
    (re.compile(r"^(?:outdent|dedent|unindent|promote|unnest)\s+(?P<t>.+)$", re.I), "outdent"),
]


def move(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern, how in _MOVE:
        if not (match := pattern.match(bare)):
            continue
        keys = _many(scope, match["t"])
        if keys is None:
            continue
        destination = None
        if "dest" in pattern.groupindex:
            destination = _one(scope, match["dest"])
            if destination is None:
                continue
        if how == "place":  # "to position 2": where the task in that place is now, from above or from below
            tree = scope.tree
            below = tree[keys[0]].parent_key == tree[destination].parent_key and (
                tree.position(keys[0]) < tree.position(destination))
            how = "after" if below else "before"
        return restructure.move(scope, keys, how, destination)
    return None


_SWAP = re.compile(r"^(?:swap|switch|exchange|flip|trade|interchange)\s+(?:the\s+)?(?:(?:order|places|positions|spots)\s+"
                   r"of\s+)?(?P<t>.+?)(?:\s+around|\s+round|\s+over|\s+places)?$", re.I)


_SWAP_PLACES = re.compile(r"^(?P<t>.+?)\s+(?:should\s+|must\s+|can\s+)?(?:swap|switch|trade|exchange)\s+"
                          r"(?:places|positions|spots|order)$", re.I)


def swap(text: str, bare: str, scope: Scope) -> Edit | None:
    match = _SWAP.match(bare) or _SWAP_PLACES.match(bare)
    if not match:
        return None
    keys = _many(scope, match["t"])
    if keys is None:
        return None
    if len(keys) != 2:
        raise Refusal(f"a swap needs two tasks, and that names {len(keys)} ({', '.join(keys)}): "
                      "say “swap T2 and T3”. Nothing was changed.")
    return restructure.swap(scope, *keys)


_DELETE = re.compile(r"^(?:delete|remove|drop|erase|discard|kill|nuke|scrap|cancel|get rid of|throw away|throw out|"
                     r"trash|take out|strike|bin|ditch|skip|leave out|forget about|forget|never\s?mind)\s+"
                     r"(?P<t>.+?)(?:\s+(?:and|with)\s+(?:all\s+)?(?:its|their)\s+(?:sub-?tasks|children))?"
                     r"(?:\s+from\s+(?:the\s+)?(?:plan|project|list|tree|board))?"
                     r"(?:\s+entirely|\s+completely|\s+altogether)?$", re.I)
_NOT_NEEDED = [
    re.compile(r"^(?:we|i|you)\s+(?:don'?t|do not|no longer|won'?t|will not)\s+(?:need|want|do)\s+(?P<t>.+?)"
               r"(?:\s+(?:any ?more|after all))?$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are)(?:\s+not|n't)\s+(?:needed|necessary|required|wanted)"
               r"(?:\s+(?:any ?more|after all))?$", re.I),
    re.compile(r"^(?:there'?s|there is)\s+no\s+need\s+for\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?:we|i|you)\s+can\s+(?:skip|drop|leave out|do without)\s+(?P<t>.+)$", re.I),
]


def delete(text: str, bare: str, scope: Scope) -> Edit | None:
    match = _DELETE.match(bare) or next((m for p in _NOT_NEEDED if (m := p.match(bare))), None)
    if not match:
        return None
    keys = _many(scope, match["t"])
    return None if keys is None else restructure.delete_tasks(scope, keys)
