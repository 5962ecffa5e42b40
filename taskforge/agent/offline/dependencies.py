"""Dependencies as people state them: "T7 depends on T6", "the rollout blocks the docs", "do X before Y",
"X no longer needs Y", "remove the dependency between X and Y". Parsers as in `commands`.
"""

from __future__ import annotations

import re

from taskforge.agent.offline import edits
from taskforge.agent.offline.common import Edit
from taskforge.agent.offline.language import Scope
from taskforge.agent.offline.language import resolve_many as _many

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
