"""How the offline planner reads a message: politeness, durations, titles and references to tasks.

References follow what the user sees. In project mode ordinals ("the first two tasks", "the last task",
"task 2") count the root tasks; in task mode they count the focused task's children. Keys (`T3`) and exact
titles work anywhere in scope, and "this" is the focused task.
"""

from __future__ import annotations

import re

from taskforge.agent.offline.common import QUOTES, Refusal, capitalised, fit
from taskforge.agent.offline.words import best_matches, content_words, score
from taskforge.agent.offline.words import words as title_words
from taskforge.core.limits import MINUTES_PER_DAY, MINUTES_PER_MONTH, MINUTES_PER_WEEK
from taskforge.core.models import Mode
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree

AMBIGUOUS_SHOWN = 4  # tasks named in a "which one?" reply


class NotAReference(Exception):
    """The phrase does not look like a reference to a task at all, so the command pattern does not apply."""


class NoTitleMatch(NotAReference):
    """The phrase reads like a name ("the documentation task") but no title in scope has its words."""

    def __init__(self, phrase: str):
        super().__init__(phrase)
        self.phrase = phrase


class Ambiguous(Refusal):
    """The phrase names two or more tasks equally well; the reply asks which and proposes nothing."""


# -- the message as a whole ------------------------------------------------------------------------

_LEADING_COURTESY = re.compile(
    r"^(?:please|pls|plz|kindly|ok(?:ay)?|hey|hi|so|now|then|and|also|just|yes|yeah|yep|sure|right|great|cool|"
    r"i think|i guess|i believe|maybe|perhaps|actually|hmm|well|"
    r"(?:we|i|you)\s+(?:should|must|have to|can|could|might as well|ought to)(?=\s+(?:move|delete|remove|drop|rename|"
    r"split|merge|combine|mark|start|finish|break|estimate|put|make|tag|scrap|cancel|swap|nest|get rid of)\b)|"
    r"(?:can|could|would|will) (?:you|we)(?: please)?|let'?s|let us|go ahead and|"
    r"i(?:'d| would) like (?:you )?to|i want (?:you )?to|i need (?:you )?to|we need to)\b[\s,:]*",
    re.IGNORECASE,
)
_TRAILING_COURTESY = re.compile(r"[\s,]*\b(?:please|pls|plz|thanks|thank you|thx|for me)$", re.IGNORECASE)
_TRAILING_PUNCTUATION = re.compile(r"[\s.!?;,]+$")
# Slips people make in the words commands hang on (mended in titles too, where they are slips as well).
TYPOS = {
    "dependancy": "dependency", "dependancies": "dependencies", "dependecy": "dependency", "dependecies": "dependencies",
    "depedency": "dependency", "depedencies": "dependencies", "dependncy": "dependency", "dependeny": "dependency",
    "depnds": "depends", "dependes": "depends", "depens": "depends", "dependant": "dependent",
    "priorty": "priority", "prioirty": "priority", "priotity": "priority", "proirity": "priority", "prio": "priority",
    "subtaks": "subtasks", "subtak": "subtask", "sub task": "subtask", "sub tasks": "subtasks", "substask": "subtask",
    "estimte": "estimate", "estiamte": "estimate", "esitmate": "estimate",
    "delte": "delete", "deleet": "delete", "remvoe": "remove", "reomve": "remove", "renmae": "rename", "raname": "rename",
    "compelte": "complete", "completd": "completed", "finsihed": "finished", "finshed": "finished", "doen": "done",
    "seperate": "separate", "critcal": "critical", "crtical": "critical", "urgnet": "urgent", "taks": "task",
    "tsak": "task", "tasl": "task",
    # contractions typed without the apostrophe
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't",
    "werent": "weren't", "cant": "can't", "couldnt": "couldn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't",
    "havent": "haven't", "hasnt": "hasn't", "mustnt": "mustn't", "neednt": "needn't", "wont": "won't",
    "ive": "I've", "youre": "you're", "whats": "what's", "hows": "how's", "wheres": "where's", "thats": "that's",
    "whos": "who's", "theres": "there's",
}
_TYPO = re.compile(r"\b(" + "|".join(sorted(map(re.escape, TYPOS), key=len, reverse=True)) + r")\b", re.IGNORECASE)


# "would you mind deleting T6": the request as a command
_MIND = re.compile(r"^(?:(?:would|do|could)\s+you\s+)?mind\s+(?P<verb>\w+ing)\b", re.IGNORECASE)
_GERUNDS = {
    "adding": "add", "breaking": "break", "closing": "close", "combining": "combine", "creating": "create",
    "deleting": "delete", "dropping": "drop", "estimating": "estimate", "finishing": "finish", "making": "make",
    "marking": "mark", "merging": "merge", "moving": "move", "putting": "put", "removing": "remove",
    "renaming": "rename", "setting": "set", "splitting": "split", "starting": "start", "swapping": "swap",
    "tagging": "tag",
}
# "I'd like the rollout to be high priority": what it should be, said as what it is
_WISH = re.compile(r"^(?:i'd like|i would like|i want|we want|we'd like)\s+(?P<x>.+?)\s+to\s+be\s+(?P<y>.+)$", re.IGNORECASE)


def normalize(message: str) -> tuple[str, str]:
    """The message without courtesies: once with its final punctuation (for descriptions), once without."""
    text = _TYPO.sub(lambda m: TYPOS[m[1].lower()], clean_line(message).replace("’", "'"))
    while True:
        before = text
        text = _LEADING_COURTESY.sub("", text)
        text = _TRAILING_COURTESY.sub("", _TRAILING_PUNCTUATION.sub("", text) if _ends_in_courtesy(text) else text)
        if (mind := _MIND.match(text)) and mind["verb"].lower() in _GERUNDS:
            text = _GERUNDS[mind["verb"].lower()] + text[mind.end():]
        if wish := _WISH.match(_TRAILING_PUNCTUATION.sub("", text)):
            text = f"{wish['x']} is {wish['y']}"
        if text == before:
            break
    return text, _TRAILING_PUNCTUATION.sub("", text)


def _ends_in_courtesy(text: str) -> bool:
    return bool(_TRAILING_COURTESY.search(_TRAILING_PUNCTUATION.sub("", text)))


# -- durations -------------------------------------------------------------------------------------

MINUTES_PER = {"minute": 1, "hour": 60, "day": MINUTES_PER_DAY, "week": MINUTES_PER_WEEK, "month": MINUTES_PER_MONTH}
_UNIT_NAMES = {
    "minute": ("m", "min", "mins", "minute", "minutes"),
    "hour": ("h", "hr", "hrs", "hour", "hours"),
    "day": ("d", "day", "days"),
    "week": ("w", "wk", "wks", "week", "weeks"),
    "month": ("mo", "month", "months"),
}
_UNIT = {name: unit for unit, names in _UNIT_NAMES.items() for name in names}
_NUMBER_WORDS = {
    "a couple of": 2, "couple of": 2, "a few": 3, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty five": 45, "forty": 40, "sixty": 60, "ninety": 90, "half": 0.5,
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b")
_COMPONENT = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(" + "|".join(sorted(_UNIT, key=len, reverse=True)) + r")(?![a-z])"
)
_HEDGES = re.compile(r"^(?:about|around|roughly|approximately|approx\.?|maybe|~)\s*")


def parse_duration(text: str) -> int | None:
    """Minutes in "2 days", "90 minutes", "1h30m", "half a day", "an hour and a half"; a day is 480."""
    value = _HEDGES.sub("", text.lower().strip().replace(",", "."))
    value = re.sub(r"\bhalf an? (\w+)", r"0.5 \1", value)
    value = re.sub(r"\b(an?|one|\d+) (\w+) and a half\b", lambda m: f"{_number(m[1]) + 0.5} {m[2]}", value)
    value = re.sub(r"\b(an?|one|\d+) and a half (\w+)", lambda m: f"{_number(m[1]) + 0.5} {m[2]}", value)
    value = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m[1]]), value)
    total, found = 0.0, False
    for number, unit in _COMPONENT.findall(value):
        total += float(number) * MINUTES_PER[_UNIT[unit]]
        found = True
    leftover = re.sub(r"\b(?:and|plus)\b|[+&]", " ", _COMPONENT.sub(" ", value)).strip(" .")
    if not found or leftover:
        return None
    return round(total)


def _number(word: str) -> float:
    return float(word) if word[0].isdigit() else 1.0


# -- titles and lists ------------------------------------------------------------------------------


def clean_title(text: str) -> str:
    """A title from user text: quotes and trailing punctuation gone, first letter capital, ≤200 chars."""
    text = clean_line(text).strip(QUOTES + " ").rstrip(".;,:").strip(QUOTES + " ")
    if not text:
        return ""
    return fit(capitalised(text))


def split_list(text: str) -> list[str]:
    """ "A, B and C" / "A; B; C" / "A and B" / quoted items → the items, in order."""
    quoted = re.findall(r"[\"“]([^\"”]+)[\"”]", text)
    if len(quoted) >= 2:
        return [item.strip() for item in quoted]
    if ";" in text:  # semicolons separate items that may themselves contain "and"
        chunks = [re.sub(r"^(?:and|&)\s+", "", chunk.strip()) for chunk in text.split(";")]
        return [chunk for chunk in chunks if chunk]
    *leading, last = [chunk.strip() for chunk in text.split(",")]
    last = re.sub(r"^(?:and|&)\s+", "", last)
    items = [*leading, *re.split(r"\s+(?:and|&)\s+", last)]  # only the last "and" joins the list
    return [item.strip() for item in items if item.strip()]


# -- references to tasks -----------------------------------------------------------------------------

_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
    "ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1, "final": -1, "bottom": -1, "top": 1,
    "second last": -2, "second to last": -2, "next to last": -2, "penultimate": -2, "last but one": -2,
    "one before last": -2, "one before the last": -2,
}
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                  8: "eighth", 9: "ninth", 10: "tenth", -1: "last", -2: "second-to-last"}
_THIS = {"this", "it", "this one", "here", "current", "focus", "focused", "the focus", "this task", "current task",
         "focused task", "the current task", "the focused task", "the focused one"}
_ALL = {"all", "everything", "every", "each", "them", "all of them", "all tasks", "every task", "each task"}
_NOUNS = r"(?:sub-?tasks?|tasks?|steps?|items?|deliverables?|children|child|ones?|entries|entry)"
# "both login tasks", "the two login tasks", "all the docs tasks": every task whose title has the words
_GROUP = re.compile(r"(?:the\s+)?(?P<n>both|two|three|four|five|all(?:\s+of)?(?:\s+the)?)\s+(?P<w>.+?)\s+"
                    r"(?:tasks|ones|items|steps|sub-?tasks)")
_GROUP_COUNT = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5}
_LEADING_FILLER = re.compile(r"^(?:the|both|all of the|all of|of|my|our)\s+")
_LEADING_NOUN = re.compile(rf"^(?:(?:{_NOUNS}|number|no\.)\s*)+(?=[#\d])|^#")
_COUNTED = re.compile(rf"(?:{_NOUNS}|number|no\.)\s+(?P<n>{'|'.join(_COUNTS)})")  # "task two": the second
# "the task after T2", "the one before the rollout": a neighbour in the same list
_NEIGHBOUR = re.compile(r"(?:the\s+)?(?:next\s+|previous\s+)?(?:task|one|item|step)\s+(?P<dir>after|before|below|above)\s+"
                        r"(?P<ref>.+)")
_TRAILING_NOUN = re.compile(rf"\s+{_NOUNS}$")
_NAMED = re.compile(r"^(?:the\s+)?(?:task|one|item|step|card|ticket)\s+(?:about|called|named|titled|for|on|that says)\s+",
                    re.I)
_PIECE_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&|plus|with|\+)\s+")


def ordinal_name(n: int) -> str:
    return _ORDINAL_NAMES.get(n, f"#{n}")


class Scope:
    """What a message may address: the whole project in project mode, the focus's subtree in task mode."""

    def __init__(self, tree: Tree, mode: Mode, focus: str | None):
        self.tree = tree
        self.task_mode = mode is Mode.TASK and focus is not None
        self.focus = focus if self.task_mode else None
        self.unmatched: str | None = None  # the first phrase that read like a title but named no task
        self._words_cache: dict[bool, list[tuple[str, list[str], int]]] = {}
        # the project's own title words ("auth" in an authentication project) say little about which task
        self._project_words = frozenset(title_words(tree.project.title))

    @property
    def parent(self) -> str | None:
        """Where ordinals count and where a new task goes by default."""
        return self.focus

    @property
    def listing(self) -> list[str]:
        return self.tree.children.get(self.parent, [])

    def label(self, key: str) -> str:
        return f"{key} “{self.tree[key].title}”"

    def contains(self, key: str) -> bool:
        if key not in self.tree:
            return False
        return not self.task_mode or self.tree.is_within(key, self.focus)

    # -- resolving ----------------------------------------------------------------------------------

    def many(self, phrase: str, *, anywhere: bool = False, words: bool = True) -> list[str]:
        """The keys a phrase names, in the order named; raises NotAReference or Refusal.

        With `words`, a phrase may name a task by words of its title ("the docs"); without, only by key,
        position or exact title."""
        text = _NAMED.sub("", clean_line(phrase).strip(QUOTES + " ")).strip(QUOTES + " ")
        if not text:
            raise NotAReference(phrase)
        titled = self._by_title(text, anywhere)
        if titled is not None:
            return [titled]
        keys: list[str] = []
        try:
            for piece in _PIECE_SEPARATOR.split(text.casefold()):
                for key in self._piece(piece.strip(), anywhere, words):
                    if key not in keys:
                        keys.append(key)
        except (NotAReference, Ambiguous):
            # "the login and sessions work", "the login and logout task" may be one title's words rather than a
            # list of tasks; "the design and the login" is a list ("the" again), whose unclear part stays unclear
            listing = re.search(r"(?:\band|&|,)\s+(?:the|t\d+|task)\b", text, re.I)
            whole = self._by_words(text, anywhere) if words and not listing else None
            if whole is None:
                raise
            return [whole]
        if not keys:
            raise NotAReference(phrase)
        return keys

    def _piece(self, piece: str, anywhere: bool, words: bool = True) -> list[str]:
        if piece in _THIS or _LEADING_FILLER.sub("", piece) in _THIS:
            return [self._this()]
        if words and (group := _GROUP.fullmatch(piece)) and content_words(group["w"]):
            return self._group_by_words(group["w"], _GROUP_COUNT.get(group["n"]), anywhere)
        if neighbour := _NEIGHBOUR.fullmatch(piece):
            return [self._neighbour(neighbour["ref"], neighbour["dir"] in ("after", "below"), anywhere)]
        while _LEADING_FILLER.match(piece):
            piece = _LEADING_FILLER.sub("", piece)
        if piece in _ALL:
            return self._all()
        if counted := _COUNTED.fullmatch(piece):
            return [self._ordinal(_COUNTS[counted["n"]])]
        piece = _TRAILING_NOUN.sub("", _LEADING_NOUN.sub("", piece)).strip()
        if piece in _ALL:
            return self._all()
        if match := re.fullmatch(r"t\s?(\d+)", piece):
            return [self._key(f"T{int(match[1])}", anywhere)]
        if re.fullmatch(r"t\d+(?:\s+t\d+)+", piece):  # "T1 T2 T3"
            return [self._key(f"T{int(number)}", anywhere) for number in re.findall(r"\d+", piece)]
        if match := re.fullmatch(r"t(\d+)\s*(?:-|–|to|through|thru)\s*t(\d+)", piece):  # "T1-T3"
            return [self._key(f"T{n}", anywhere) for n in range(int(match[1]), int(match[2]) + 1)]
        if match := re.fullmatch(r"#?(\d+)", piece):
            return [self._ordinal(int(match[1]))]
        if match := re.fullmatch(r"(\d+)\s*(?:-|–|to|through|thru)\s*(\d+)", piece):
            low, high = int(match[1]), int(match[2])
            return [self._ordinal(n) for n in range(low, high + 1)] if low <= high else []
        if piece in _ORDINALS:
            return [self._ordinal(_ORDINALS[piece])]
        if match := re.fullmatch(r"(first|top|last|bottom|final)\s+(\d+|" + "|".join(_COUNTS) + ")", piece):
            count = int(match[2]) if match[2].isdigit() else _COUNTS[match[2]]
            return self._group(match[1] in ("first", "top"), count)
        titled = self._by_title(piece, anywhere)
        if titled is not None:
            return [titled]
        worded = self._by_words(piece, anywhere) if words else None
        if worded is None and words and self.task_mode and not anywhere:
            outside = self._by_words(piece, True)
            if outside is not None:
                return [self._key(outside, anywhere)]  # says it is outside the focus
        if worded is not None:
            return [worded]
        if words and content_words(piece) and not re.search(r"\d", piece):
            raise NoTitleMatch(piece)
        raise NotAReference(piece)

    def _group_by_words(self, phrase: str, count: int | None, anywhere: bool) -> list[str]:
        wanted = content_words(phrase)
        keys = [key for key, title, _depth in self._title_words(anywhere) if score(wanted, title)]
        if not keys:
            raise NoTitleMatch(phrase)
        if count is not None and len(keys) != count:
            raise Refusal(f"“{phrase}” is in the titles of {len(keys)} tasks ({', '.join(keys)}), not {count}: name "
                          "them by key; nothing was changed.")
        return keys

    def _neighbour(self, phrase: str, after: bool, anywhere: bool) -> str:
        keys = self.many(phrase, anywhere=anywhere)
        if len(keys) != 1:
            raise Refusal(f"that names {len(keys)} tasks ({', '.join(keys)}); name just one.")
        key = keys[0]
        siblings = self.tree.children[self.tree[key].parent_key]
        index = siblings.index(key) + (1 if after else -1)
        if not 0 <= index < len(siblings):
            raise Refusal(f"no task comes {'after' if after else 'before'} {self.label(key)} in its list.")
        return siblings[index]

    def _this(self) -> str:
        if not self.task_mode:
            raise Refusal(
                "“this” means the focused task, and project mode has none: name the task (T3, “the first task”) "
                "or open it in task mode."
            )
        return self.focus

    def _all(self) -> list[str]:
        if not self.listing:
            raise Refusal(f"{self._where_listing()} has no tasks yet.")
        return list(self.listing)

    def _key(self, key: str, anywhere: bool) -> str:
        if key not in self.tree:
            if self.tree.is_retired(key):
                raise Refusal(f"{key} was deleted earlier; it is no longer part of this project.")
            raise Refusal(f"there is no task {key} in this project.")
        if not anywhere and not self.contains(key):
            raise Refusal(
                f"{self.label(key)} is outside {self.label(self.focus)}: in task mode I can only change "
                f"{self.focus} and the tasks under it. Switch to project mode to change {key}."
            )
        return key

    def _ordinal(self, n: int) -> str:
        listing = self.listing
        index = n - 1 if n > 0 else len(listing) + n
        if not 0 <= index < len(listing):
            raise Refusal(f"there is no {ordinal_name(n)} task: {self._inventory()}.")
        return listing[index]

    def _group(self, from_start: bool, count: int) -> list[str]:
        listing = self.listing
        if count < 1 or count > len(listing):
            side = "first" if from_start else "last"
            raise Refusal(f"there are no {side} {count} tasks: {self._inventory()}.")
        return list(listing[:count] if from_start else listing[-count:])

    def _where_listing(self) -> str:
        return self.label(self.focus) if self.task_mode else "The project"

    def _inventory(self) -> str:
        """ "the project has only 3 top-level tasks (T1, T4, T6)", for out-of-range ordinals."""
        listing = self.listing
        count = len(listing)
        noun = "sub-task" if self.task_mode else "top-level task"
        owner = self.label(self.focus) if self.task_mode else "the project"
        if not count:
            return f"{owner} has no {noun}s yet"
        return f"{owner} has only {count} {noun}{'s' if count != 1 else ''} ({', '.join(listing)})"

    def titles_in_scope(self, limit: int = 8) -> str:
        """ "the tasks are T1 “Design”, T2 “Build” …", for a reply that names nothing that exists."""
        keys = self._candidates(False)
        if not keys:
            return "there are no tasks yet"
        shown = ", ".join(self.label(key) for key in keys[:limit])
        return f"the tasks are {shown}" + (f" and {len(keys) - limit} more" if len(keys) > limit else "")

    def _title_words(self, anywhere: bool) -> list[tuple[str, list[str], int]]:
        """(key, title words, depth) of every task a phrase may name, worked out once per message."""
        cached = self._words_cache.get(anywhere)
        if cached is None:
            tree = self.tree
            cached = [(key, title_words(tree[key].title), tree.depth(key)) for key in self._candidates(anywhere)]
            self._words_cache[anywhere] = cached
        return cached

    def _candidates(self, anywhere: bool) -> list[str]:
        if anywhere or not self.task_mode:
            return list(self.tree.walk())
        return list(self.tree.subtree(self.focus))

    def _by_words(self, text: str, anywhere: bool) -> str | None:
        """The one task whose title has the phrase's words; raises Ambiguous when several match equally."""
        matches = best_matches(text, self._title_words(anywhere), self._project_words)
        if not matches:
            return None
        if len(matches) > 1:
            said = " ".join(content_words(text))
            labels = [self.label(match.key) for match in matches[:AMBIGUOUS_SHOWN]]
            if len(matches) > AMBIGUOUS_SHOWN:
                labels[-1] += f" (and {len(matches) - AMBIGUOUS_SHOWN} more)"
            choices = ", ".join(labels[:-1]) + " or " + labels[-1]
            raise Ambiguous(
                f"“{said}” could be {choices}. Which one? Say it again with the key, e.g. “{matches[0].key}”; "
                "nothing was changed."
            )
        return matches[0].key

    def _by_title(self, text: str, anywhere: bool) -> str | None:
        """A task whose title is exactly `text` (ignoring case and a leading "the"/trailing "task")."""
        wanted = {text.casefold()}
        bare = re.sub(r"^the\s+", "", text.casefold())
        wanted |= {bare, re.sub(r"\s+task$", "", bare)}
        candidates = list(self.listing)
        if anywhere or not self.task_mode:
            candidates += list(self.tree.walk())
        else:
            candidates += list(self.tree.subtree(self.focus))
        for key in candidates:
            if self.tree[key].title.casefold() in wanted:
                return key
        return None


# -- resolving inside a command pattern ------------------------------------------------------------


def resolve_many(scope: Scope, phrase: str, **kw) -> list[str] | None:
    """The keys a phrase names; None when it names no task (a phrase that reads like a title is remembered
    for the reply), so that the pattern at hand gives way to the next."""
    try:
        return scope.many(phrase, **kw)
    except NoTitleMatch as missing:
        if scope.unmatched is None:
            scope.unmatched = missing.phrase
        return None
    except NotAReference:
        return None


def resolve_one(scope: Scope, phrase: str, **kw) -> str | None:
    """The one key a phrase names; None as for `resolve_many`, Refusal when it names several."""
    keys = resolve_many(scope, phrase, **kw)
    if keys is None:
        return None
    if len(keys) != 1:
        raise Refusal(f"that names {len(keys)} tasks ({', '.join(keys)}); name just one.")
    return keys[0]


def resolve_certain(scope: Scope, phrase: str, *, one: bool = False) -> list[str]:
    """The keys a phrase names, where the message's shape already says which command it is ("add a subtask
    to X called Y"): a phrase that names no task, or two equally, is a `Refusal` that stops the search, so
    that no looser reading (a new task titled "X called Y") is proposed instead."""
    try:
        keys = scope.many(phrase)
    except Ambiguous as ambiguous:
        raise Refusal(str(ambiguous)) from None
    except NotAReference:
        said = clean_line(phrase).strip(QUOTES + " ")
        raise Refusal(f"no task’s title has the words “{said}”: {scope.titles_in_scope()}. Name it by key (T3) or "
                      "by words from its title; nothing was changed.") from None
    if one and len(keys) != 1:
        raise Refusal(f"that names {len(keys)} tasks ({', '.join(keys)}); name just one.")
    return keys
