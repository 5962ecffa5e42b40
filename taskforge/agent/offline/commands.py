"""The offline planner's command language: patterns that turn a message into an `Edit`.

Each parser either returns None (the message is not that command, try the next) or an Edit, or raises
`Refusal` when the message clearly is that command but cannot be carried out ("delete T99"). Parsers are
tried in order, the most specific first: "add 2 hours to T3" is logged time, not a new task.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from taskforge.agent.offline import edits, restructure
from taskforge.agent.offline.common import Edit, Refusal, listed, quoted
from taskforge.agent.offline.details import criteria, no_estimate, tags
from taskforge.agent.offline.language import (
    Ambiguous,
    NotAReference,
    Scope,
    clean_title,
    normalize,
    parse_duration,
    resolve_certain,
    split_list,
)
from taskforge.agent.offline.language import (
    resolve_many as _many,
)
from taskforge.agent.offline.language import (
    resolve_one as _one,
)
from taskforge.agent.offline.questions import question
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


_STATUS = _alternatives(STATUS_WORDS)
_PRIORITY = _alternatives(PRIORITY_WORDS)


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
    re.compile(r"^(?:add |create |suggest |propose |what are (?:the )?)?(?:sub-?tasks|next steps|steps)"
               r"(?:\s+(?:for|of|to)\s+(?P<t>.+))?$", re.I),
]


def decompose(text: str, bare: str, scope: Scope) -> Edit | None:
    if not bare and scope.task_mode:
        return edits.decompose(scope, scope.focus)
    for pattern in _DECOMPOSE:
        if match := pattern.match(bare):
            key = _this_or(scope, match["t"])
            return None if key is None else edits.decompose(scope, key)
    return None


_NO_MORE = r"(?:\s+(?:any\s?more|any\s+longer|now|after\s+all))?"
_UNDEPEND = [
    re.compile(r"^(?P<a>.+?)\s+(?:no longer|does not|doesn't|do not|don't|should not|shouldn't|need not|needn't|"
               r"can't|cannot)\s+(?:need\s+to\s+|have\s+to\s+)?(?:depends?|wait|waits)\s+(?:on|for)\s+(?P<b>.+?)"
               rf"{_NO_MORE}$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:can|could|may)\s+(?:start|begin|go ahead|happen|run)\s+without\s+(?:waiting\s+for\s+)?"
               r"(?P<b>.+)$", re.I),
    re.compile(r"^(?:remove|drop|delete|clear)\s+(?P<a>.+?)(?:'s|’s)?\s+dependency\s+on\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?:remove|drop|delete|clear|cut)\s+(?:the\s+)?(?:dependency|link|arrow)\s+(?:from\s+)?(?P<a>.+?)"
               r"\s*(?:→|->|=>|\s+to\s+)\s*(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:no longer|does not|doesn't|do not|don't)\s+(?:needs?|requires?)\s+(?P<b>.+?)"
               rf"{_NO_MORE}$", re.I),
    re.compile(r"^(?:remove|drop|delete|clear)\s+(?:the\s+)?dependency\s+(?:of\s+)?(?P<a>.+?)\s+on\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?:remove|drop|delete)\s+(?P<b>.+?)\s+from\s+(?P<a>.+?)(?:'s)?\s+dependencies$", re.I),
    re.compile(r"^(?:make\s+)?(?P<a>.+?)\s+(?:(?:is|are|should be|can be)\s+)?(?:independent\s+(?:of|from)|"
               r"not\s+depend\s+on)\s+(?P<b>.+)$", re.I),
]
_BETWEEN = [
    re.compile(r"^(?:remove|drop|delete|clear|break|cut)\s+(?:the\s+|any\s+)?(?:dependency|dependencies|link|links)\s+"
               r"between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?:unlink|decouple|untangle)\s+(?P<a>.+?)\s+(?:and|from)\s+(?P<b>.+)$", re.I),
    re.compile(rf"^(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+(?:are|should be)\s+(?:independent|unrelated|not linked){_NO_MORE}$", re.I),
]
_NO_DEPENDENCIES = [
    re.compile(r"^(?:remove|drop|delete|clear)\s+(?:all\s+)?(?:the\s+)?dependencies\s+(?:of|for|on|from)\s+(?P<a>.+)$", re.I),
    re.compile(r"^(?:remove|drop|delete|clear)\s+(?:all\s+(?:of\s+)?)?(?P<a>.+?)(?:'s|’s)\s+dependencies$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:has|have|needs|need)\s+no\s+dependencies(?:\s+any\s?more)?$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:does not|doesn't|do not|don't)\s+depend\s+on\s+anything(?:\s+any\s?more)?$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:depends|depend|should depend|waits|waits for)\s+(?:on\s+)?nothing(?:\s+now)?$", re.I),
]


_INSTEAD = re.compile(r"^(?:make\s+)?(?P<a>.+?)\s+(?:should\s+)?(?:depends?|wait)\s+(?:on|for)\s+(?P<b>.+?)\s+"
                      r"(?:instead\s+of|rather\s+than|not)\s+(?P<c>.+)$", re.I)


def undepend(text: str, bare: str, scope: Scope) -> Edit | None:
    if match := _INSTEAD.match(bare):  # "make T4 depend on T2 instead of T3"
        keys = _many(scope, match["a"])
        new, old = _many(scope, match["b"], anywhere=True), _many(scope, match["c"], anywhere=True)
        if keys is not None and new is not None and old is not None:
            return edits.replace_dependencies(scope, keys, old, new)
    for pattern in _BETWEEN:
        if match := pattern.match(bare):
            first, second = _many(scope, match["a"], anywhere=True), _many(scope, match["b"], anywhere=True)
            if first is not None and second is not None:
                return edits.remove_dependencies_between(scope, first, second)
    for pattern in _NO_DEPENDENCIES:
        if match := pattern.match(bare):
            keys = _many(scope, match["a"])
            if keys is not None:
                return edits.clear_dependencies(scope, keys)
    for pattern in _UNDEPEND:
        if match := pattern.match(bare):
            keys, dropped = _many(scope, match["a"]), _many(scope, match["b"], anywhere=True)
            if keys is not None and dropped is not None:
                return edits.remove_dependencies(scope, keys, dropped)
    return None


_FINISHED = r"(?:\s+(?:is|are|has been|have been)\s+(?:done|finished|complete|completed|over))?"
_DEPEND = [
    re.compile(r"^(?:make|let|have|i'd like|i would like|i want|we want|we'd like)\s+(?P<a>.+?)\s+(?:to\s+)?(?:depend|wait)\s+"
               rf"(?:on|for|until|till)\s+(?P<b>.+?){_FINISHED}$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:depends|depend|should depend|must depend|will depend)\s+on\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:needs|need|require|requires|is blocked by|are blocked by|waits for|wait for|must wait for|"
               r"should wait for|comes after|must come after|should come after|can only start after)\s+(?P<b>.+?)"
               r"(?:\s+to\s+be\s+(?:done|finished|complete|completed|over))?(?:\s+first)?$", re.I),
    re.compile(r"^(?:add|set|create)\s+(?:a\s+)?dependency\s+(?:from\s+|of\s+)?(?P<a>.+?)\s+(?:on|to)\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:is|are)\s+blocked\s+on\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:has|have|gets|needs|should have|must have)\s+(?:a\s+)?dependency\s+(?:on|to)\s+(?P<b>.+)$",
               re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:has to|have to|must|should|needs? to|can)\s+wait\s+(?:until|till|for)\s+(?:after\s+)?"
               rf"(?P<b>.+?){_FINISHED}$", re.I),
    # "docs can't start until the rollout is done": nothing of a may happen before b
    re.compile(r"^(?P<a>.+?)\s+(?:can't|cannot|can not|mustn't|must not|shouldn't|should not|won't|will not)\s+"
               rf"(?:start|begin|happen|go ahead)\s+(?:until|till|before)\s+(?P<b>.+?){_FINISHED}$", re.I),
    re.compile(r"^(?:we|i|you)\s+(?:can't|cannot|can not|mustn't|must not|shouldn't|should not|won't|will not)\s+"
               rf"(?:start(?:\s+on)?|begin|do|work on|\w+)\s+(?P<a>.+?)\s+(?:until|till|before)\s+(?P<b>.+?){_FINISHED}$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:has to|have to|must|should|needs? to|can only|will)\s+"
               rf"(?:start|begin|happen|be done|come|go)\s+after\s+(?P<b>.+?){_FINISHED}$", re.I),
    re.compile(r"^(?:make\s+)?(?P<a>.+?)\s+(?:(?:is|are)\s+)?(?:dependent|contingent)\s+(?:on|upon)\s+(?P<b>.+)$", re.I),
]
# "do the rollout before the docs": the later one (a) waits for the earlier one (b)
_NOT_A_VERB = r"(?!(?:add|create|insert|new|move|put|place|push|pull|bring|nest|do|start|finish|make)\b)"
_BEFORE = [
    re.compile(r"^(?P<b>.+?)\s+(?:blocks|is blocking|will block|must block|gates|precedes|must precede|should precede|"
               r"comes before|goes before|happens before|is (?:a )?(?:blocker|prerequisite) (?:for|of|to)|"
               r"is (?:needed|required) (?:for|by|before))\s+(?P<a>.+)$", re.I),
    re.compile(rf"^(?:first\s+)?{_NOT_A_VERB}(?P<b>.+?)(?:\s+first)?\s*[,;]?\s+(?:and\s+)?then\s+(?P<a>.+)$", re.I),
    re.compile(rf"^{_NOT_A_VERB}(?P<b>.+?)\s+(?:(?:should|must|has to|needs to)\s+(?:be|come|go)\s+|is\s+)?before\s+(?P<a>.+)$",
               re.I),
    re.compile(r"^(?:do|finish|complete|start)\s+(?P<b>.+?)\s+(?:before|ahead of)\s+(?:starting\s+|doing\s+)?(?P<a>.+)$",
               re.I),
    re.compile(r"^(?P<b>.+?)\s+(?:has to|have to|must|should|needs? to)\s+(?:happen|be done|be finished|come|finish)"
               r"(?:\s+first)?,?\s+before\s+(?P<a>.+)$", re.I),
]


# "T5 is blocked until T2 is done", "T5 should start after T4", "T6 after T5"
_DEPEND_MORE = [
    re.compile(rf"^{_NOT_A_VERB}(?P<a>.+?)\s+(?:(?:should|must|has to|needs to)\s+(?:be|come|go)\s+|is\s+|goes\s+|only\s+)?"
               r"after\s+(?P<b>.+)$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:is|are)\s+(?:blocked|on hold|waiting)\s+(?:until|till|for|on)\s+(?P<b>.+?)"
               r"(?:\s+(?:is|are)\s+(?:done|finished|complete|completed|over))?$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:should|must|has to|have to|needs? to|can only|will|can)\s+(?:happen|start|begin|"
               r"be done|run|go)\s+(?:only\s+)?(?:after|once|when)\s+(?P<b>.+?)(?:\s+(?:is|are|has been)\s+(?:done|finished|"
               r"complete|completed|over))?$", re.I),
]


def depend(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in [*_DEPEND, *_DEPEND_MORE, *_BEFORE]:
        if match := pattern.match(bare):
            keys, needed = _many(scope, match["a"]), _many(scope, match["b"], anywhere=True)
            if keys is not None and needed is not None:
                return edits.add_dependencies(scope, keys, needed)
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
    re.compile(r"^(?:estimate|size|budget|timebox)\s+(?P<t>.+?)\s+(?:at|as|to be|to|for)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:set|change|update|make)\s+(?:the\s+)?estimate\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|at)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:the\s+)?estimate\s+(?:of|for|on)\s+(?P<t>.+?)\s*(?:[:=]|\s+is|\s+should be)\s*(?P<d>.+)$", re.I),
    re.compile(r"^(?:set|change|update)\s+(?P<t>.+?)(?:'s)?\s+estimate\s+(?:to|at)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?:estimate|size)\s+(?P<t>.+?)\s+(?P<d>(?:about\s+|around\s+|~)?\d\S*(?:\s+\S+)?)$", re.I),
    re.compile(r"^(?P<t>.+?)(?:'s estimate is|\s+estimate is|(?:'s)?\s+estimate\s*[:=]?|\s+will take|\s+should take|\s+takes|\s+needs|"
               r"\s+is estimated at|\s+is)\s+(?P<d>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s*[:=~≈]\s*(?P<d>.+)$", re.I),
    re.compile(r"^(?P<d>(?:about\s+|around\s+|~)?\S+\s*\S*)\s+for\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?:give|allow|allot|budget|plan|reserve)\s+(?P<t>.+?)\s+(?P<d>(?:about\s+|around\s+)?\S+\s+\S+)$", re.I),
    re.compile(r"^(?:give|allow|allot|budget|plan|reserve)\s+(?P<d>.+?)\s+(?:for|to)\s+(?P<t>.+)$", re.I),
]


def estimate(text: str, bare: str, scope: Scope) -> Edit | None:
    return _with_duration(_ESTIMATE, bare, scope, edits.set_estimate)


_PRIORITY_PATTERNS = [
    re.compile(rf"^(?:set|change|update|make)\s+(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|as)\s+(?P<p>{_PRIORITY})$", re.I),
    re.compile(rf"^(?:set|change|update)\s+(?P<t>.+?)(?:'s)?\s+priority\s+(?:to|as)\s+(?P<p>{_PRIORITY})$", re.I),
    re.compile(rf"^(?:make|set|mark|flag)\s+(?P<t>.+?)\s+(?:as\s+|to\s+)?(?:an?\s+|the\s+)?(?P<p>{_PRIORITY})"
               rf"(?:[\s-]+(?:priority|prio|pri))?(?:\s+task)?$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:is|are|has|should be)\s+(?:an?\s+|the\s+)?(?P<p>{_PRIORITY})(?:[\s-]+(?:priority|prio|pri))?(?:\s+task)?$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s)?\s+priority\s*(?:is|should be|[:=]|)\s+(?P<p>{_PRIORITY})$", re.I),
    re.compile(rf"^(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:is|should be|[:=])\s+(?P<p>{_PRIORITY})$", re.I),
    re.compile(rf"^(?:give|assign)\s+(?P<t>.+?)\s+(?:an?\s+|the\s+)?(?P<p>{_PRIORITY})\s+(?:priority|prio)$", re.I),
    re.compile(rf"^(?:set|make|put)\s+(?:the\s+)?priority\s+(?:to\s+|at\s+)?(?P<p>{_PRIORITY})\s+(?:on|for|of)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?P<p>{_PRIORITY})(?:[\s-]+(?:priority|prio))?$", re.I),
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
    re.compile(rf"^(?:mark|set|flag|move|put|change|update)\s+(?P<t>.+?)\s+(?:as\s+|to\s+|into\s+|in\s+)?(?P<s>{_STATUS})$", re.I),
    re.compile(rf"^(?:set|change|update)\s+(?:the\s+)?status\s+(?:of|for)\s+(?P<t>.+?)\s+(?:to|as)\s+(?P<s>{_STATUS})$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:is|are|was|were|has been|have been|is now|are now)\s+(?P<s>{_STATUS})"
               r"(?:\s+now|\s+already|\s+today)?$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s)?\s+status\s+(?:is|should be|[:=])\s+(?P<s>{_STATUS})$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s|’s)\s+(?:now\s+|already\s+|finally\s+)?(?P<s>{_STATUS})(?:\s+now)?$", re.I),  # "it's done"
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
_DONE_WITH = re.compile(r"^(?:(?:i'm|i am|we're|we are)\s+)?(?:done|finished)\s+with\s+(?P<t>.+)$", re.I)
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
    re.compile(r"^(?:rename|retitle|re-title|re-name)\s+(?P<t>.+?)\s+(?:to|as|into|->|→|=>)\s+(?P<title>.+)$", re.I),
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
            rf"(?:{_STATUS}|{_PRIORITY})(?:\s+priority)?", match["title"], re.I) and (key := _one(scope, match["t"])):
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
_CALL_IT = re.compile(r"\s*,?\s+(?:and\s+)?(?:call|name|title)\s+(?:it|the\s+result|them)\s+(?P<title>.+)$", re.I)


def merge(text: str, bare: str, scope: Scope) -> Edit | None:
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


_SPLIT = re.compile(r"^(?:split|divide|break)(?:\s+up)?\s+(?P<t>.+?)(?:\s+(?:into|in)\s*:?\s+|\s*:\s*)"
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
_MOVE = [
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to\s+(?:be|go|sit|live)\s+)?(?:under|beneath|underneath|inside|into|within|in|as\s+(?:a\s+)?"
                rf"(?:sub-?task|child)\s+of)\s+(?P<dest>.+)$", re.I), "under"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:before|above|ahead of|in front of)\s+(?P<dest>.+)$", re.I), "before"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:after|below|behind)\s+(?P<dest>.+)$", re.I), "after"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to|at|on|onto)\s+(?:the\s+)?(?:top|root|first|outer)[\s-]+level$", re.I), "level"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:to\s+the\s+root|out\s+of\s+(?:its|their)\s+parents?|out)$", re.I), "level"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:(?:to|at)\s+(?:the\s+)?(?:top|start|beginning|front)|first)$", re.I), "first"),
    (re.compile(rf"^{_MOVE_VERBS}\s+(?P<t>.+?)\s+(?:(?:to|at)\s+(?:the\s+)?(?:bottom|end|back)|last)$", re.I), "last"),
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


_ADD = re.compile(r"^(?:add|create|new|insert|append|include)\s+(?P<rest>.+)$", re.I)
_ADD_PLACE_WORD = re.compile(
    r"\s+(?P<how>under|beneath|underneath|inside|within|in|to|into|before|above|after|below|"
    r"as\s+(?:a\s+)?(?:sub-?task|child|step)\s+(?:of|for|to))\s+",
    re.I,
)
_ADD_END = re.compile(r"\s+(?:at|to)\s+the\s+(?P<end>end|bottom|back|top|start|beginning|front)"
                      r"(?:\s+of\s+the\s+(?:list|plan|project))?$", re.I)
_ADD_ARTICLE = re.compile(r"^(?:(?:a|an|another|one more|some|the|\d+|two|three|four|five|six|seven)\s+)+", re.I)
_ADD_NOUN = re.compile(
    r"^(?:(?:new|more|extra|separate|additional)\s+)?"
    r"(?P<noun>(?:sub-?|child\s+)?(?:task|step|item|todo|to-do|deliverable|entry|child)(?P<plural>s)?)\b\s*"
    r"(?:(?:for|called|named|titled|to|about|on)\b|[:\-—])?\s*",
    re.I,
)


_HEDGE = r"(?:(?:i think|i guess|i believe|i feel like|maybe|perhaps|actually|oh|oh and|and|but|hmm|ok|so)[\s,]+)*"
_WHO = r"(?:we|you|i|the plan|the project|it|this)(?:'ll|'d|'re)?"
_MODAL = r"(?:will|would|should|must|might|may|could|still|also|really|definitely|probably|surely)"
_ALSO_NEED = [
    re.compile(rf"^{_HEDGE}{_WHO}(?:\s+{_MODAL})*\s+(?:need|needs|want|wants|require|requires)\s+(?P<rest>.+)$",
               re.I),
    re.compile(rf"^{_HEDGE}{_WHO}(?:\s+{_MODAL})+\s+(?:have|add|include|get|build|do|plan|cover|use)\s+(?P<rest>.+)$", re.I),
    re.compile(r"^(?:don'?t|do not|dont)\s+forget(?:\s+about)?(?:\s+to\s+add)?\s+(?P<rest>.+)$", re.I),
    re.compile(r"^" + _HEDGE + r"(?:(?:we|you|i)(?:'re|'ve| are| have| were)?|the plan(?:'s| is)?|it(?:'s| is)?)\s+"
               r"(?:also\s+|still\s+)?(?:missing|forgot(?:ten)?|left out)\s+(?P<rest>.+)$", re.I),
    re.compile(r"^(?P<rest>.+?)\s+(?:is|are|seems?|seem to be|seems to be)\s+(?:still\s+|also\s+)?"
               r"(?:missing|not there|not in the plan|forgotten|left out)(?:\s+from the plan)?$", re.I),
    re.compile(r"^(?:there should (?:also )?be|there needs to be|there must be|what about|how about|"
               r"we should also have|also need|need)\s+(?P<rest>.+)$", re.I),
    re.compile(r"^(?:missing|forgot|forgotten)[:\s]+(?P<rest>.+)$", re.I),
]


def also_need(text: str, bare: str, scope: Scope) -> Edit | None:
    """ "we also need X", "don't forget X", "X is missing": an addition said the way people say it.

    When a task's title already names X, the new task is still proposed (the user asked for it and reviews
    it), and the reply points at that task, so a duplicate is a choice rather than an accident."""
    for pattern in _ALSO_NEED:
        if match := pattern.match(bare):
            rest = re.sub(r"^(?:to\s+(?:add\s+|have\s+)?|a way to\s+|some\s+)", "", match["rest"].strip(), flags=re.I)
            rest = re.sub(r"\s+(?:too|as well|also)$", "", rest, flags=re.I)
            edit = add(text, f"add {rest}", scope)
            if edit is not None and (key := _already_there(scope, rest)) is not None:
                edit.summary = f"{edit.summary.rstrip('.')} (the plan already has {scope.label(key)}: reject this if that covers it)."
            return edit
    return None


def _already_there(scope: Scope, phrase: str) -> str | None:
    """The one task whose title names the whole phrase, if there is exactly one."""
    try:
        keys = scope.many(phrase)
    except (NotAReference, Refusal):  # no task, or two equally good: nothing to point at
        return None
    return keys[0] if len(keys) == 1 else None


def add(text: str, bare: str, scope: Scope) -> Edit | None:
    if (child := add_child(text, bare, scope)) is not None:  # "add a subtask to T2 called X"
        return child
    match = _ADD.match(bare)
    if not match:
        return None
    rest, parent, position, where = match["rest"], scope.parent, None, ""
    # "… under T2": the last place phrase that names a task says where; otherwise it is part of the title
    # ("add a task to write docs").
    for place in reversed(list(_ADD_PLACE_WORD.finditer(rest))):
        # "add a task to write docs" names a title, "add a section to the docs" a place: after "to"/"in",
        # title words count only when the phrase reads like a name ("the …").
        target = rest[place.end():]
        loose = place["how"].lower() in ("to", "in", "into", "inside", "within")
        named = not loose or re.match(r"(?:the|our|my)\s", target, re.I) is not None
        destination = _one(scope, target, words=named)
        if destination is None:
            continue
        how = place["how"].lower()
        rest = rest[: place.start()]
        if how in ("before", "above", "after", "below"):
            if scope.task_mode and destination == scope.focus:
                raise Refusal(f"new tasks go under {scope.focus} in task mode; say “add … under {scope.focus}”.")
            parent = scope.tree[destination].parent_key
            before = how in ("before", "above")
            position = scope.tree.position(destination) + (0 if before else 1)
            where = f"{'before' if before else 'after'} {scope.label(destination)}"
        else:
            parent = destination
        break
    if position is None and (end := _ADD_END.search(rest)):  # "add X at the top": first among its siblings
        rest = rest[: end.start()]
        if end["end"].lower() not in ("end", "bottom", "back"):
            position, where = 0, "at the top" + (f" of {scope.label(parent)}" if parent is not None else "")
    rest = _ADD_ARTICLE.sub("", rest)
    noun = _ADD_NOUN.match(rest)
    names = rest[noun.end():] if noun else rest
    several = bool(noun and noun["plural"])
    titles = [clean_title(name) for name in (split_list(names) if several else [names])]
    titles = [title for title in titles if title]
    if not titles:
        raise Refusal("what should the new task be called? Say “add a task for documentation” or “add Write tests under T2”.")
    return edits.add(scope, titles, parent, position, where)


_HOW_MANY = r"(?:(?:a|an|another|one more|some|\d+|two|three|four|five|new|more|extra|couple of|few)\s+)*"
_CHILD_NOUN = r"(?P<noun>(?:sub-?|child\s+)?(?:tasks?|steps?|items?|todos?|children|child)|sub-?items?)"
_REFERENCE_LIKE = re.compile(r"^(?:(?:the|this|our|my)\s|t\d+\b|task\s+\d)", re.I)
_ADD_CHILD = [
    # "add a subtask to T2 called Hash passwords", "add a sub-task under the accounts task: Hash passwords"
    re.compile(rf"^(?:add|create|insert|append|new|put|make)\s+{_HOW_MANY}{_CHILD_NOUN}\s+"
               r"(?:to|under|for|in|into|inside|beneath|underneath|below|within|of|on)\s+(?P<p>.+?)"
               r"(?:\s+(?P<named>called|named|titled|saying)\s+|\s*:\s*|\s+[—–-]\s+|\s+(?P<loose>for|about|to)\s+)"
               r"(?P<title>.+)$", re.I),
    # "add to T2 a subtask called Hash passwords"
    re.compile(rf"^(?:add|create|insert|append|put)\s+(?:to|under|in|into)\s+(?P<p>.+?)\s+{_HOW_MANY}{_CHILD_NOUN}"
               r"(?:\s+(?P<named>called|named|titled|saying)\s+|\s*:\s*|\s+[—–-]\s+|\s+(?P<loose>for|about|to)\s+)"
               r"(?P<title>.+)$", re.I),
    # "give T2 a subtask called Hash passwords", "T2 needs a subtask: Hash passwords"
    re.compile(r"^(?:give\s+(?P<p>.+?)|(?P<q>.+?)\s+(?:needs|gets|should have|must have))\s+(?:(?:a|an|another|one more|new)\s+)+"
               r"(?P<noun>(?:sub-?|child\s+)?(?:tasks?|steps?)|sub-?items?|child)"
               r"(?:\s+(?P<named>called|named|titled|saying)\s+|\s+(?P<loose>for|to|about)\s+|\s*:\s*|\s+[—–-]\s+|\s+)"
               r"(?P<title>.+)$", re.I),
    # "put a new subtask Hash passwords under T2"
    re.compile(rf"^put\s+{_HOW_MANY}{_CHILD_NOUN}\s+(?:(?:called|named|titled)\s+)?(?P<title>.+?)\s+"
               r"(?:under|in|into|inside|beneath|underneath)\s+(?P<p>.+)$", re.I),
    # "create a subtask Canary release for T5"
    re.compile(rf"^(?:add|create|insert|make)\s+{_HOW_MANY}(?P<noun>sub-?tasks?|child(?:ren)?|steps?)\s+"
               r"(?:(?:called|named|titled|for|about)\s+)?(?P<title>.+?)\s+(?:for|of|to|under|in|on)\s+(?P<p>.+)$", re.I),
]
_PUT_NEW = re.compile(r"^put\s+(?P<title>.+?)\s+(?P<place>(?:under|in|into|inside|beneath|underneath|before|after)\s+.+)$", re.I)
_INCLUDE = re.compile(r"^(?P<p>.+?)\s+(?:should|must|needs to|has to|will)\s+(?:also\s+)?(?:include|contain|cover)\s+(?P<title>.+)$",
                      re.I)
# "under T2, add Hash passwords": the place first, then what goes there
_PLACE_FIRST = re.compile(r"^(?P<how>under|inside|within|in|into|for|to|before|after)\s+(?P<p>.+?)\s*,?\s+"
                          r"(?:(?:please|also|then)\s+)?(?P<rest>(?:add|create|insert|put|new)\s+.+)$", re.I)


def add_child(text: str, bare: str, scope: Scope) -> Edit | None:
    """A sub-task with its parent named before its title, which the general `add` would read as the title."""
    if match := _PUT_NEW.match(bare):  # "put Canary release under T5": a task that does not exist yet
        try:
            scope.many(match["title"])
        except NotAReference:
            return add(text, f"add {match['title']} {match['place']}", scope)
        return None  # a task that exists is moved
    if (match := _INCLUDE.match(bare)) and (parent := _one(scope, match["p"])) is not None:
        return add(text, f"add {match['title']} under {parent}", scope)
    if (match := _PLACE_FIRST.match(bare)) and _one(scope, match["p"]) is not None:
        how = "under" if match["how"].lower() in ("in", "into", "inside", "within", "for", "to") else match["how"]
        rest = re.sub(r"^put\s+", "add ", match["rest"], flags=re.I)
        return add(text, f"{rest} {how} {match['p']}", scope)
    for pattern in _ADD_CHILD:
        if not (match := pattern.match(bare)):
            continue
        phrase = match["p"] or match["q"]
        named, loose = match.groupdict().get("named"), match.groupdict().get("loose")
        reference = _REFERENCE_LIKE.match(phrase) is not None
        # "add a task for writing docs for admins", "add a task to write docs: overview": a plain task whose
        # words only look like a place is left to the general add. A sub-task always has a parent, and
        # "called" always follows one; after "for"/"to" only a phrase that reads like a name ("the …", T3) is one.
        if (loose and not reference) or not (named or loose or reference or re.match(r"sub|child|step", match["noun"], re.I)):
            continue
        parent = resolve_certain(scope, phrase, one=True)[0]
        several = match["noun"].lower().endswith(("s", "children")) and not match["noun"].lower().endswith("ss")
        titles = [clean_title(name) for name in (split_list(match["title"]) if several else [match["title"]])]
        titles = [title for title in titles if title]
        if titles:
            return edits.add(scope, titles, parent, None)
    return None


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


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*;\s*|,\s+")  # tried only when the whole message is no request
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
    if (sentences := _sentences(text)) and sentences != [(text, bare)]:
        scope.unmatched = None
        edit, unclear = _first_of(sentences, scope)
        if edit is not None:
            return edit
    if unclear is not None:
        raise unclear
    if scope.unmatched is not None:
        raise Refusal(f"no task’s title has the words “{scope.unmatched}”: {scope.titles_in_scope()}. "
                      "Name it by key (T3) or by words from its title, or add it first (“add "
                      f"{scope.unmatched}”); nothing was changed.")
    return None
