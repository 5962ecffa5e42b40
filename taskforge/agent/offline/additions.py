"""New tasks as people ask for them: "add a task for X", "add X under T2", "T2 needs a subtask: X",
"we also need X", "don't forget X", "X is missing". Parsers as in `commands`.
"""

from __future__ import annotations

import re

from taskforge.agent.offline import edits
from taskforge.agent.offline.commands import PRIORITY_ALTERNATIVES, PRIORITY_WORDS, move
from taskforge.agent.offline.common import Edit, Refusal
from taskforge.agent.offline.dependencies import depend
from taskforge.agent.offline.language import (
    NotAReference,
    Scope,
    clean_title,
    parse_duration,
    resolve_certain,
    split_list,
)
from taskforge.agent.offline.language import resolve_many as _many
from taskforge.agent.offline.language import resolve_one as _one

_ADD = re.compile(r"^(?:add|create|new|insert|append|include)\s+(?P<rest>.+)$", re.I)
_ADD_PLACE_WORD = re.compile(
    r"\s+(?P<how>under|beneath|underneath|inside|within|in|to|into|before|above|after|below|"
    r"as\s+(?:a\s+)?(?:sub-?task|child|step)\s+(?:of|for|to))\s+",
    re.I,
)
_ADD_END = re.compile(r"\s+(?:(?:at|to)\s+the\s+(?P<end>end|bottom|back|top|start|beginning|front)"
                      r"(?:\s+of\s+the\s+(?:list|plan|project))?|as\s+the\s+(?P<nth>first|last)\s+(?:task|one|item|step))$", re.I)
_ADD_SPOT = re.compile(r"\s+(?:(?:in\s+)?between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)|(?:at|in|as)\s+(?:position|place|number|no\.?|#)\s*"
                       r"(?P<n>\d+))$", re.I)
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
            if (moved := _what_exists(text, scope, rest)) is not None:
                return moved
            edit = add(text, f"add {rest}", scope)
            if edit is not None and (key := _already_there(scope, rest)) is not None:
                edit.summary = f"{edit.summary.rstrip('.')} (the plan already has {scope.label(key)}: reject this if that covers it)."
            return edit
    return None


_EXISTING = re.compile(r"^(?P<t>.+?)\s+(?P<what>under|beneath|inside|within|before|after|below|above|done|finished|"
                       r"completed|ready|by)\b", re.I)


def _what_exists(text: str, scope: Scope, said: str) -> Edit | None:
    """ "I want the docs under the rollout", "I need the docs done by Friday": a task the plan has, wanted
    somewhere, is moved there (or, before or after another, waits for it); wanted by some time, the reply says
    what taskforge can do instead."""
    if not (match := _EXISTING.match(said)) or (keys := _many(scope, match["t"])) is None:
        return None
    if match["what"].lower() in ("done", "finished", "completed", "ready", "by"):
        raise Refusal(f"{scope.label(keys[0])} is in the plan already, and taskforge keeps no due dates: to get it "
                      f"done sooner say “make {keys[0]} urgent” or “move {keys[0]} to the top”. Nothing was changed.")
    if match["what"].lower() in ("before", "after"):  # an order between tasks, as "the docs after the rollout" says
        return depend(text, said, scope)
    return move(text, f"move {said}", scope)


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
    rest, given = _given(rest, scope)
    if position is None and (spot := _ADD_SPOT.search(rest)):  # "… between T4 and T5", "… at position 3"
        after = _one(scope, spot["a"]) if spot["a"] else None
        if spot["n"] or (after is not None and _one(scope, spot["b"]) is not None):
            rest = rest[: spot.start()]
            if after is not None:
                parent, position = scope.tree[after].parent_key, scope.tree.position(after) + 1
                where = f"after {scope.label(after)}"
            else:
                position, where = max(0, int(spot["n"]) - 1), f"at position {spot['n']}"
    if position is None and (end := _ADD_END.search(rest)):  # "add X at the top": first among its siblings
        rest = rest[: end.start()]
        if (end["end"] or end["nth"]).lower() not in ("end", "bottom", "back", "last"):
            position, where = 0, "at the top" + (f" of {scope.label(parent)}" if parent is not None else "")
    rest = _ADD_ARTICLE.sub("", rest)
    if urgent := _ADJECTIVE.match(rest):  # "add an urgent task for X"
        given.setdefault("priority", PRIORITY_WORDS[urgent["p"].lower()])
        rest = rest[urgent.end():]
    noun = _ADD_NOUN.match(rest)
    names = rest[noun.end():] if noun else re.sub(r"\s+(?:task|item)$", "", rest, flags=re.I)  # "add a rate limiting task"
    several = bool(noun and noun["plural"])
    titles = [clean_title(name) for name in (split_list(names) if several else [names])]
    titles = [title for title in titles if title]
    if not titles:
        raise Refusal("what should the new task be called? Say “add a task for documentation” or “add Write tests under T2”.")
    return edits.add(scope, titles, parent, position, where, given)


# What people set on a new task in the same breath: "add X, high priority", "add X (2 days)", "add X that
# depends on T3", "add an urgent task for X". A clause that does not read as one stays part of the title.
_GIVEN_DEPENDS = re.compile(r"\s*,?\s+(?:and\s+)?(?:make\s+it\s+|have\s+it\s+|let\s+it\s+|that\s+|which\s+|it\s+)?"
                            r"(?:depends?|waits?|depending|waiting)\s+(?:on|for)\s+(?P<x>.+)$", re.I)
_GIVEN_PRIORITY = re.compile(rf"\s*(?:,|\(|\s+with|\s+at|\s+as)?\s*(?:an?\s+)?(?P<x>{PRIORITY_ALTERNATIVES})[\s-]+"
                             r"(?:priority|prio)\)?$", re.I)
_GIVEN_ESTIMATE = re.compile(r"\s*(?:,\s*|\s*\(|\s+(?:estimated\s+at|taking|that\s+takes|which\s+takes|"
                             r"(?:it\s+)?(?:will\s+)?takes?)\s+)(?P<x>[^(),]+?)\)?$", re.I)
_ADJECTIVE = re.compile(rf"^(?P<p>{PRIORITY_ALTERNATIVES})(?:[\s-]+priority)?\s+(?=(?:task|item|step|todo)\b)", re.I)


def _given(rest: str, scope: Scope) -> tuple[str, dict]:
    """The title part of an addition and the fields set after it, clause by clause from the end."""
    given: dict = {}
    while True:
        if "priority" not in given and (match := _GIVEN_PRIORITY.search(rest)):
            given["priority"] = PRIORITY_WORDS[match["x"].lower()]
        elif "estimate_minutes" not in given and (match := _GIVEN_ESTIMATE.search(rest)) and (
                minutes := parse_duration(match["x"])) is not None:
            given["estimate_minutes"] = minutes
        elif "depends_on" not in given and (match := _GIVEN_DEPENDS.search(rest)) and (
                keys := _many(scope, match["x"], anywhere=True)) is not None:
            given["depends_on"] = keys
        else:
            return rest, given
        rest = rest[: match.start()]


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
    if (match := _PUT_NEW.match(bare)) and not re.search(r"\bt\d+\b", match["title"], re.I):
        try:  # "put Canary release under T5": a task that does not exist yet
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
