"""Commands about a task's details rather than its place: acceptance criteria, tags, clearing an estimate.

Parsers as in `commands`: None when the message is not that command, an Edit, or a `Refusal`.
"""

from __future__ import annotations

import re

from taskforge.agent.offline import edits
from taskforge.agent.offline.common import QUOTES, Edit, Refusal, capitalised
from taskforge.agent.offline.language import Scope, resolve_certain, resolve_many, split_list
from taskforge.core.patches import CRITERION_MAX, TAG_MAX
from taskforge.core.text import clean_line

# -- acceptance criteria -------------------------------------------------------------------------------

_CRITERION = r"(?:acceptance\s+criteri(?:on|a)|criteri(?:on|a)|done\s+criteri(?:on|a)|definition\s+of\s+done|" \
             r"acceptance\s+(?:check|test|condition)s?|ac)"
_SAYING = r"(?:\s*[:—–]\s*|\s+-\s+|\s+(?:saying|that says|which says|reading|that)\s+)"
_CRITERIA = [
    # "add acceptance criterion to T1: Designs approved", "add a criterion to the rollout: no one locked out"
    re.compile(rf"^(?:add|append|include|set|give)\s+(?:(?:an?|another|the|one more|new)\s+)*(?:new\s+)?"
               rf"{_CRITERION}\s+(?:to|for|on|of)\s+(?P<t>.+?){_SAYING}(?P<c>.+)$", re.I),
    # "add criterion Designs approved to T1"
    re.compile(rf"^(?:add|append)\s+(?:(?:an?|the|another|one more|new)\s+)*{_CRITERION}\s+(?P<c>.+?)\s+(?:to|for|on)\s+"
               r"(?P<t>.+)$", re.I),
    # "add 'Designs approved' as a criterion for T1", "add X to the criteria of T1"
    re.compile(rf"^(?:add|append|include)\s+(?P<c>.+?)\s+(?:as|to)\s+(?:(?:an?|the|another)\s+)?(?:new\s+)?"
               rf"{_CRITERION}\s+(?:of|for|on|to)\s+(?P<t>.+)$", re.I),
    # "add X to T1's acceptance criteria"
    re.compile(rf"^(?:add|append|include)\s+(?P<c>.+?)\s+to\s+(?P<t>.+?)(?:'s|’s)\s+{_CRITERION}$", re.I),
    # "acceptance criterion for T1: X", "definition of done for the rollout: X"
    re.compile(rf"^(?:new\s+|another\s+)?{_CRITERION}\s+(?:for|of|on)\s+(?P<t>.+?){_SAYING}(?P<c>.+)$", re.I),
    # "T1 is done when designs are approved"
    re.compile(r"^(?P<t>.+?)\s+(?:is|are|will be|counts as|can be called|only counts as|should be considered|"
               r"is only|should be|must be|is considered|are considered)\s+(?:done|finished|complete)\s+(?:when|once|if|only when|only if|as soon as)\s+(?P<c>.+)$",
               re.I),
    re.compile(r"^(?P<t>.+?)(?:'s|’s)?\s+(?:definition of done|done condition)\s*(?:is|:)\s*(?P<c>.+)$", re.I),
    # "add to T1's acceptance criteria: X", "add to the criteria of T1: X"
    re.compile(rf"^(?:add|append)\s+to\s+(?P<t>.+?)(?:'s|’s)\s+{_CRITERION}{_SAYING}(?P<c>.+)$", re.I),
    re.compile(rf"^(?:add|append)\s+to\s+(?:the\s+)?{_CRITERION}\s+(?:of|for|on)\s+(?P<t>.+?){_SAYING}(?P<c>.+)$", re.I),
    # "T1 needs an acceptance criterion: X", "T1's criteria should include X", "T1 acceptance criteria: X"
    re.compile(rf"^(?P<t>.+?)\s+(?:needs|gets|should have|must have|also needs)\s+(?:(?:an?|another|one more)\s+)?(?:new\s+)?"
               rf"{_CRITERION}{_SAYING}(?P<c>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s|’s)?\s+{_CRITERION}\s+(?:should|must|need to|needs to)\s+(?:also\s+)?"
               r"(?:include|say|contain|have|cover)\s+(?P<c>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s|’s)?\s+(?:{_CRITERION}|acceptance)\s*[:—–]\s*(?P<c>.+)$", re.I),
]


_CLEAR_CRITERIA = [
    re.compile(rf"^(?:clear|remove|drop|delete|reset)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?{_CRITERION}\s+(?:of|from|for|on)\s+(?P<t>.+)$",
               re.I),
    re.compile(rf"^(?:clear|remove|drop|delete|reset)\s+(?:all\s+(?:of\s+)?)?(?P<t>.+?)(?:'s|’s)\s+{_CRITERION}$", re.I),
]
_SET_CRITERIA = [
    re.compile(rf"^(?:set|change|replace|make)\s+(?:the\s+)?{_CRITERION}\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|with)\s+(?P<c>.+)$",
               re.I),
    re.compile(rf"^(?:set|change|replace|make)\s+(?P<t>.+?)(?:'s|’s)\s+{_CRITERION}\s+(?:to|with)\s+(?P<c>.+)$", re.I),
]
_DROP_CRITERION = [
    re.compile(rf"^(?:remove|drop|delete|strike|scrap)\s+(?:the\s+)?(?P<c>first|second|third|fourth|fifth|last)\s+"
               rf"{_CRITERION}\s+(?:from|of|on)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:remove|drop|delete|strike|scrap)\s+(?:the\s+)?{_CRITERION}\s+(?P<c>.+?)\s+(?:from|of|on)\s+(?P<t>.+)$",
               re.I),
    re.compile(rf"^(?:remove|drop|delete|strike|scrap)\s+(?P<c>.+?)\s+from\s+(?P<t>.+?)(?:'s|’s)\s+{_CRITERION}$", re.I),
    re.compile(rf"^(?:remove|drop|delete|strike|scrap)\s+(?P<c>.+?)\s+from\s+(?:the\s+)?{_CRITERION}\s+(?:of|for|on)\s+(?P<t>.+)$",
               re.I),
]
_NUMBERED = re.compile(r"^(?:number\s+|no\.?\s*|#)?(?P<n>\d+)$|^(?:the\s+)?(?P<o>first|second|third|fourth|fifth|last)(?:\s+one)?$",
                       re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


def criteria(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in _CLEAR_CRITERIA:
        if match := pattern.match(bare):
            return edits.set_criteria(scope, resolve_certain(scope, match["t"], one=True)[0], [], "removed all the")
    for pattern in _SET_CRITERIA:
        if match := pattern.match(bare):
            key = resolve_certain(scope, match["t"], one=True)[0]
            items = [item for item in (_criterion(said) for said in _criteria_items(match["c"])) if item]
            if items:
                return edits.set_criteria(scope, key, list(dict.fromkeys(items)), "set the")
    for pattern in _DROP_CRITERION:
        if match := pattern.match(bare):
            key = resolve_certain(scope, match["t"], one=True)[0]
            current = scope.tree[key].acceptance_criteria
            gone = _which_criterion(match["c"], current)
            if gone is None:
                shown = "; ".join(f"{n}. {c}" for n, c in enumerate(current, 1)) or "none"
                raise Refusal(f"{key} has no acceptance criterion “{_criterion(match['c'])}” (its criteria: {shown}). "
                              f"Name it by its words or its number (“remove criterion 2 from {key}”); nothing was changed.")
            return edits.set_criteria(scope, key, [c for c in current if c != gone], f"removed “{gone}” from the")
    for pattern in _CRITERIA:
        if match := pattern.match(bare):
            key = resolve_certain(scope, match["t"], one=True)[0]
            items = [_criterion(item) for item in _criteria_items(match["c"])]
            items = [item for item in items if item]
            if not items:
                raise Refusal(f"what should the criterion say? “add acceptance criterion to {key}: …”.")
            return edits.add_criteria(scope, key, items)
    return None


def _which_criterion(said: str, current: list[str]) -> str | None:
    """The criterion a phrase names: its number ("2", "the second"), or its text (case and final stop aside)."""
    if match := _NUMBERED.match(said.strip()):
        index = int(match["n"]) - 1 if match["n"] else _ORDINAL[match["o"].lower()]
        index = index if index >= 0 else len(current) + index
        return current[index] if 0 <= index < len(current) else None
    wanted = _criterion(said).casefold()
    return next((c for c in current if c.rstrip(".").casefold() == wanted), None)


def _criteria_items(said: str) -> list[str]:
    """Semicolons or quotes separate several criteria; "and" inside one ("login and logout work") does not."""
    quoted = re.findall(r"[\"“]([^\"”]+)[\"”]", said)
    if len(quoted) >= 2 or ";" in said:
        return split_list(said)
    return [said]


def _criterion(said: str) -> str:
    text = clean_line(said).strip(QUOTES + " ").rstrip(".;,:").strip(QUOTES + " ")
    return capitalised(text)[:CRITERION_MAX]


# -- tags ----------------------------------------------------------------------------------------------

_TAG_NOUN = r"(?:tags?|labels?)"
_TAG = [
    re.compile(rf"^(?:tag|label)\s+(?P<t>.+?)\s+(?:with|as)\s+(?:the\s+|a\s+)?(?:{_TAG_NOUN}\s+)?(?P<tags>.+)$", re.I),
    re.compile(rf"^(?:add|put|attach|apply|set)\s+(?:an?\s+|the\s+)?{_TAG_NOUN}\s+(?P<tags>.+?)\s+(?:to|on)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:add|put|attach|apply)\s+(?:an?\s+|the\s+)?(?P<tags>.+?)\s+{_TAG_NOUN}\s+(?:to|on)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^give\s+(?P<t>.+?)\s+(?:the\s+|a\s+)?{_TAG_NOUN}\s+(?P<tags>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are|should be)\s+tagged\s+(?:with\s+|as\s+)?(?P<tags>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)\s+(?:should have|needs|gets|should get)\s+(?:the\s+|a\s+)?{_TAG_NOUN}\s+(?P<tags>.+)$", re.I),
    re.compile(r"^(?:tag|label)\s+(?P<t>.+?)\s+(?P<tags>[#\w-]+)$", re.I),
]
_UNTAG = [
    re.compile(r"^(?:untag|unlabel)\s+(?P<tags>.+?)\s+(?:from|on)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:remove|drop|delete|take|clear|strip)\s+(?:the\s+)?{_TAG_NOUN}\s+(?P<tags>.+?)\s+(?:off\s+|from\s+|of\s+|on\s+)+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:remove|drop|delete|take|strip)\s+(?:the\s+)?(?P<tags>.+?)\s+{_TAG_NOUN}\s+(?:off\s+|from\s+|of\s+|on\s+)+(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is not|isn't|are not|aren't|should not be|shouldn't be)\s+tagged\s+(?:with\s+|as\s+)?"
               r"(?P<tags>.+?)(?:\s+any\s?more|\s+any longer)?$", re.I),
    re.compile(r"^(?:untag|unlabel)\s+(?P<t>.+?)\s+(?P<tags>[#\w-]+)$", re.I),
]
_SET_TAGS = [
    re.compile(rf"^(?:set|change|replace|make)\s+(?:the\s+)?{_TAG_NOUN}\s+(?:of|for|on)\s+(?P<t>.+?)\s+(?:to|with)\s+(?P<tags>.+)$", re.I),
    re.compile(rf"^(?:set|change|replace|make)\s+(?P<t>.+?)(?:'s|’s)\s+{_TAG_NOUN}\s+(?:to|with)\s+(?P<tags>.+)$", re.I),
    re.compile(rf"^(?P<t>.+?)(?:'s|’s)?\s+{_TAG_NOUN}\s*(?:are|should be|[:=])\s*(?P<tags>.+)$", re.I),
]
_UNTAG_ALL = [
    re.compile(r"^(?:untag|unlabel)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:remove|drop|delete|clear|strip)\s+(?:all\s+)?(?:the\s+)?{_TAG_NOUN}\s+(?:from|of|on)\s+(?P<t>.+)$", re.I),
    re.compile(rf"^(?:remove|drop|delete|clear|strip)\s+(?P<t>.+?)(?:'s|’s)\s+{_TAG_NOUN}$", re.I),
]


def tags(text: str, bare: str, scope: Scope) -> Edit | None:
    for patterns, make in ((_SET_TAGS, edits.set_tags), (_UNTAG, edits.remove_tags), (_TAG, edits.add_tags)):
        for pattern in patterns:
            if (match := pattern.match(bare)) and (names := _tag_names(match["tags"])):
                if pattern is _SET_TAGS[-1]:  # "price tags: …" may be anything: only a task's name makes it this
                    keys = resolve_many(scope, match["t"])
                    if keys is None:
                        continue
                    return make(scope, keys, names)
                return make(scope, resolve_certain(scope, match["t"]), names)
    for pattern in _UNTAG_ALL:
        if match := pattern.match(bare):
            return edits.remove_tags(scope, resolve_certain(scope, match["t"]), None)
    return None


def _tag_names(said: str) -> list[str]:
    """ "backend", "#api and security", "'needs review'" → tags as the plans write them: lower case, no '#'."""
    names = []
    for item in split_list(said):
        name = re.sub(r"\s+", "-", clean_line(item).strip(QUOTES + " #").lower())
        if name and len(name) <= TAG_MAX and name not in names:
            names.append(name)
    return names


# -- clearing an estimate --------------------------------------------------------------------------------

_NO_ESTIMATE = [
    re.compile(r"^(?:clear|remove|drop|delete|reset|unset|erase|forget)\s+(?:the\s+)?estimates?\s+(?:of|for|on|from)\s+(?P<t>.+)$",
               re.I),
    re.compile(r"^(?:clear|remove|drop|delete|reset|unset|erase|forget)\s+(?P<t>.+?)(?:'s|’s)?\s+estimates?$", re.I),
    re.compile(r"^(?:unestimate|un-estimate)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:has|have|needs|need|gets|should have)\s+no\s+estimates?(?:\s+any\s?more|\s+yet|\s+for now)?$",
               re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:does not|doesn't|do not|don't|should not|shouldn't)\s+(?:have|need)\s+an?\s+estimates?"
               r"(?:\s+any\s?more|\s+yet|\s+for now)?$", re.I),
    re.compile(r"^(?P<t>.+?)\s+(?:is|are)\s+(?:not\s+|un)estimated$", re.I),
    re.compile(r"^(?P<t>.+?)(?:'s|’s)?\s+estimate\s*(?:is|:|=)?\s*(?:none|nothing|unknown|empty|blank|tbd|n/a)$", re.I),
    re.compile(r"^no\s+estimates?\s+(?:for|on)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?P<t>.+?)\s*[:—–]\s*no\s+estimates?$", re.I),
]


def no_estimate(text: str, bare: str, scope: Scope) -> Edit | None:
    for pattern in _NO_ESTIMATE:
        if match := pattern.match(bare):
            return edits.clear_estimate(scope, resolve_certain(scope, match["t"]))
    return None
