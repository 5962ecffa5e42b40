"""The offline planner's shipped knowledge: playbooks, task-mode breakdowns and topics.

All of it lives in `data/playbooks/*.toml` (loaded through the package, never the cwd) so that it can be
read and improved without touching code:

- a playbook (`<name>.toml`) scaffolds a goal into 3–6 root deliverables, each with the sub-steps that
  task-mode decomposition uses later; keywords in the goal choose it;
- `_breakdowns.toml` holds generic task-mode breakdowns, chosen by the verb a task's title starts with;
- `_topics.toml` gives a sensible description to a task added by name ("a task for documentation").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from taskforge.agent.offline.common import inline
from taskforge.core.limits import MAX_NEW_ROOTS, TITLE_MAX
from taskforge.core.models import Priority
from taskforge.resources import data_file

FOLDER = "playbooks"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepTemplate(_Strict):
    """One sub-task of a breakdown: its title, technical steps (`do`), acceptance criteria (`done`)."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    do: list[str] = Field(default_factory=list)
    done: list[str] = Field(default_factory=list)
    hours: float = Field(gt=0)
    # Runs alongside the previous step instead of after it: it depends on what that step depends on.
    parallel: bool = False


class TaskTemplate(_Strict):
    """One root deliverable of a playbook, sized one to two weeks."""

    id: str
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str
    days: float = Field(ge=5, le=10)
    priority: Priority = Priority.MEDIUM
    depends_on: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    acceptance_criteria: list[str] = Field(default_factory=list)
    steps: list[StepTemplate] = Field(min_length=3, max_length=7)


class Playbook(_Strict):
    name: str
    summary: str
    fallback: bool = False
    keywords: dict[str, int] = Field(default_factory=dict)
    tasks: list[TaskTemplate] = Field(min_length=3, max_length=MAX_NEW_ROOTS)  # scaffolded as new roots

    @model_validator(mode="after")
    def _dependencies_point_backwards(self) -> Playbook:
        seen: set[str] = set()
        for task in self.tasks:
            unknown = [dep for dep in task.depends_on if dep not in seen]
            if unknown:
                raise ValueError(f"task {task.id} depends on {unknown}, which are not earlier tasks")
            seen.add(task.id)
        return self


class Breakdown(_Strict):
    name: str
    verbs: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(default_factory=list)  # when set, the subject must name one of these
    steps: list[StepTemplate] = Field(min_length=3, max_length=7)


class Topic(_Strict):
    name: str
    keywords: list[str]
    description: str
    acceptance_criteria: list[str] = Field(default_factory=list)
    hours: float | None = None
    tags: list[str] = Field(default_factory=list)


# -- loading --------------------------------------------------------------------------------------


def _read(name: str) -> dict:
    return tomllib.loads(data_file(FOLDER, name).read_text(encoding="utf-8"))


def _load(model: type[_Strict], name: str, data: dict) -> _Strict:
    """A shipped data file as a model; a mistake in one names the file (a packaging bug, not user error)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RuntimeError(f"data/{FOLDER}/{name} is not valid: {error}") from None


@lru_cache(maxsize=1)
def playbooks() -> tuple[Playbook, ...]:
    """Every shipped playbook, in file-name order (which also breaks ties between equal matches)."""
    names = sorted(
        entry.name for entry in data_file(FOLDER).iterdir() if entry.name.endswith(".toml") and not entry.name.startswith("_")
    )
    return tuple(_load(Playbook, name, _read(name)) for name in names)


@lru_cache(maxsize=1)
def breakdowns() -> tuple[Breakdown, ...]:
    return tuple(_load(Breakdown, "_breakdowns.toml", item) for item in _read("_breakdowns.toml")["breakdowns"])


@lru_cache(maxsize=1)
def topics() -> tuple[Topic, ...]:
    return tuple(_load(Topic, "_topics.toml", item) for item in _read("_topics.toml")["topics"])


def load_all() -> None:
    playbooks()
    breakdowns()
    topics()


def fallback_playbook() -> Playbook:
    return next(book for book in playbooks() if book.fallback)


# -- keyword matching -----------------------------------------------------------------------------


def words(text: str) -> str:
    """Lower-case words separated by single spaces: "Sign-in (OAuth)" → "sign in oauth"."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "")))


@lru_cache(maxsize=512)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    stem = keyword.endswith("*")
    body = r" ".join(re.escape(word) for word in words(keyword.rstrip("*")).split())
    # A trailing * takes any ending; otherwise a plain plural still counts ("apis", "events").
    tail = r"[a-z0-9]*" if stem else r"(?:s|es)?"
    return re.compile(rf"(?<![a-z0-9]){body}{tail}(?![a-z0-9])")


@dataclass(frozen=True)
class Match:
    score: int
    first: int  # where the earliest matched keyword starts: the goal's own emphasis breaks ties
    keywords: tuple[str, ...]


def match_keywords(text: str, weights: dict[str, int]) -> Match:
    """Score `text` against weighted keywords; overlapping hits count once ("mobile app" ≠ mobile + app)."""
    normal = words(text)
    hits = []
    for keyword, weight in weights.items():
        for found in _keyword_pattern(keyword).finditer(normal):
            hits.append((weight, found.end() - found.start(), found.start(), found.end(), keyword))
    taken: list[tuple[int, int]] = []
    score, first, matched = 0, len(normal), []
    for weight, _length, start, end, keyword in sorted(hits, key=lambda hit: (-hit[0], -hit[1], hit[2])):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        score += weight
        first = min(first, start)
        name = keyword.rstrip("*")
        if name not in matched:
            matched.append(name)
    return Match(score, first, tuple(matched))


def choose_playbook(goal: str) -> tuple[Playbook, Match]:
    """The playbook whose keywords the goal matches best; the generic lifecycle when none does."""
    best: tuple[Playbook, Match] | None = None
    for book in playbooks():
        if book.fallback:
            continue
        found = match_keywords(goal, book.keywords)
        if found.score and (best is None or (found.score, -found.first) > (best[1].score, -best[1].first)):
            best = (book, found)
    return best or (fallback_playbook(), Match(0, 0, ()))


# -- task-mode templates --------------------------------------------------------------------------

_STOPWORDS = frozenset(
    ("a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "by", "from", "at", "or", "its", "it", "our",
     "your", "their")
)


def _content_words(text: str) -> set[str]:
    return {word.removesuffix("s") for word in words(text).split() if word not in _STOPWORDS}


def templates_for(title: str, context: str) -> tuple[Playbook, list[TaskTemplate]] | None:
    """The playbook deliverables a task stands for, judged by its title.

    A title that contains a deliverable's title (as scaffolded, or "A and B" after a merge) picks those
    deliverables, in the order they appear; otherwise a close paraphrase of one deliverable of the
    playbook that `context` (the project and the task's ancestors) matches is accepted.
    """
    lowered = title.casefold()
    found: dict[str, list[tuple[int, TaskTemplate]]] = {}
    books = {book.name: book for book in playbooks()}
    for book in playbooks():
        for task in book.tasks:
            at = lowered.find(task.title.casefold())
            if at >= 0:
                found.setdefault(book.name, []).append((at, task))
    if found:
        preferred = choose_playbook(context)[0].name
        name = preferred if preferred in found else next(iter(found))
        return books[name], [task for _at, task in sorted(found[name], key=lambda item: item[0])]

    book = choose_playbook(context)[0]
    mine = _content_words(title)
    best: tuple[float, TaskTemplate] | None = None
    for task in book.tasks:
        theirs = _content_words(task.title)
        shared = len(mine & theirs)
        closeness = shared / len(theirs) if theirs else 0.0
        if shared >= 2 and closeness >= 0.6 and (best is None or closeness > best[0]):
            best = (closeness, task)
    return (book, [best[1]]) if best else None


# Grammar, not knowledge: enough to tell an action ("Agree the goals") from a thing ("Admin dashboard").
ENGINEERING_VERBS = ("implement", "build", "create", "add", "develop", "integrate", "set up", "setup",
                     "wire up", "extend")
ACTION_VERBS = frozenset("""
    authenticate authorise authorize distribute cache queue code program shortlist frame settle inventory alert
    make verify reconcile archive
    agree align allocate analyse analyze announce answer apply approve arrange ask assemble assess assign attend
    audit automate backfill back book brief bring buy calculate call cancel capture challenge change check choose
    clarify clean close collect communicate compare compile complete configure confirm connect consolidate
    contact convert coordinate copy cost count create cut deal decide decommission define delete deliver deploy
    describe design detect determine develop document do draft drive enable encrypt engage ensure enrol enroll
    establish estimate evaluate export extract file fill finalise finalize find finish fix follow freeze gather
    get give go grant hand handle hash hire hold host identify import improve inform install interview introduce
    invite issue keep label launch lead learn line list load lock log look maintain manage map measure meet merge
    migrate model monitor move negotiate notify observe onboard open order organise organize outline own pay
    pick pilot plan populate post prepare present price prioritise prioritize print process procure produce
    promote protect provide provision publish purchase put raise rate reach read rebuild record recruit reduce
    refactor refine register rehearse release remove rename renew replace report request research reserve resolve
    respond restore retire return review revise rewrite roll run sanitise save scale schedule scope script
    secure select sell send serve set share ship show sign simplify size sketch sort source specify split
    stabilise stand start stop store streamline submit summarise summarize supply survey switch sync take talk
    tell test think tidy track train transfer transform translate trial triage tune turn update upgrade upload
    validate verify visit vote watch write
""".split())  # noqa: SIM905 - a word list reads best as words
PARTICLES = frozenset("""
    up down out over off in on to into onto with across against about at by for from through back away live ahead
    forward together
""".split())  # noqa: SIM905
DETERMINERS = frozenset("the a an our my your their its this these those that all every each any some".split())  # noqa: SIM905
# "Release notes", "Test plan", "Rate limiting": a verb-looking word then one of these is a thing, not an action.
NOUN_HEADS = frozenset("""
    notes note plan plans system systems form forms page pages log logs logging report reports suite suites case
    cases process strategy policy team tool tools flow flows environment environments coverage checklist template
    templates review reviews dashboard pipeline script scripts run runs window budget schedule calendar plan
    criteria metrics record records request requests list lists sheet sheets tracker board builds build
""".split())  # noqa: SIM905
# Words that are as often nouns as verbs: only these, followed by a noun head, read as a thing.
AMBIGUOUS_VERBS = frozenset("""
    rate test release design audit load review plan report log record alert map model schedule check sign launch
    email support code script update change order cost price process run track trial pilot survey train transfer
    issue file label list post print store switch sync watch book call copy count draft estimate export import
    outline present request return save scale share show sketch sort source split start stop supply wire deploy
""".split())  # noqa: SIM905
_MODAL = re.compile(r"\b(?:must|should|shall|will|needs? to|has to|have to|can|cannot|can't|is|are)\b", re.I)


def choose_breakdown(title: str) -> tuple[Breakdown, str]:
    """The generic breakdown for a task, and the subject its step titles are about.

    "Test the login form" → the testing breakdown about "the login form"; "Admin dashboard" → the
    engineering breakdown about "the admin dashboard"; an action no breakdown knows ("Agree the goals and
    format", "Deploy, monitor and version the API", "Roll out to existing users") → the action breakdown,
    whose steps name the whole title.
    """
    named = {breakdown.name: breakdown for breakdown in breakdowns()}
    tokens = title.split()
    first_words = words(title).split()
    if not first_words:
        return named["engineering"], "the task"
    head = tokens[0].lower().strip(",;:")
    if "-" in head and head.rsplit("-", 1)[1] in ACTION_VERBS | _ALL_VERBS():  # "Load-test", "Rate-limit"
        return named["action"], title
    verb = _leading_verb(first_words)
    if verb is not None and verb in AMBIGUOUS_VERBS and len(first_words) > 1:
        after = first_words[1]
        if (after.endswith("ing") or after in NOUN_HEADS) and not tokens[0].endswith(","):
            verb = None  # "Rate limiting", "Release notes": a thing named after what it does
    if verb is None and len(first_words) > 1 and (
        first_words[1] in DETERMINERS or (first_words[1] in ("and", "or") and len(first_words) > 2
                                          and first_words[2] in ACTION_VERBS)
    ):
        return named["action"], title  # "Frame the questions", "Shortlist and visit venues": a verb we do not know
    if verb is None and _MODAL.search(title) and len(first_words) > 3:
        return named["requirement"], title  # "Racking must be installed …": a statement from a brief
    if verb is None:  # a thing, not an action
        for breakdown in breakdowns():
            if breakdown.nouns and set(first_words) & set(breakdown.nouns):
                return breakdown, _with_article(title)
        return named["engineering"], _with_article(title)
    rest = " ".join(tokens[len(verb.split()):]) if len(tokens) > len(verb.split()) else ""
    if tokens[len(verb.split()) - 1].endswith((",", ";", ":")) or not _acts_on_a_thing(rest):
        return named["action"], title
    for breakdown in breakdowns():
        if verb in breakdown.verbs and (not breakdown.nouns or set(words(rest).split()) & set(breakdown.nouns)):
            return breakdown, rest
    if verb in ENGINEERING_VERBS:
        return named["engineering"], rest
    return named["action"], title


def _ALL_VERBS() -> frozenset[str]:  # noqa: N802 - reads as the constant it stands for
    return frozenset(verb for breakdown in breakdowns() for verb in breakdown.verbs) | {"limit", "model"}


def _leading_verb(first_words: list[str]) -> str | None:
    """The verb a title starts with ("set up" counts as one), or None when it starts with a noun."""
    for breakdown in breakdowns():
        for verb in breakdown.verbs:
            if first_words[: len(verb.split())] == verb.split():
                return verb
    for verb in ENGINEERING_VERBS:
        if first_words[: len(verb.split())] == verb.split():
            return verb
    return first_words[0] if first_words[0] in ACTION_VERBS else None


def _acts_on_a_thing(rest: str) -> bool:
    """ "the login form" is a thing to act on; "to production", ", monitor and version the API", "down the
    goals" or "and verify passwords" are not (a preposition, a particle or a second verb follows)."""
    if not rest or rest[0] in ",;:&/(-":
        return False
    rest_words = words(rest).split()
    if not rest_words or rest_words[0] in PARTICLES or rest_words[0] in ("and", "or"):
        return False
    return not any(
        match.group(1).lower() in ACTION_VERBS and _next_is_a_thing(rest, match.end())
        for match in re.finditer(r"(?:,|\band\b|\bor\b)\s+(\w+)(?![\w'-])", rest)
    )


def _next_is_a_thing(text: str, end: int) -> bool:
    """After "and <verb>": a determiner or a word follows, so <verb> really is a second action."""
    following = words(text[end:]).split()
    return bool(following) and (following[0] in DETERMINERS or following[0] not in ("and", "or"))


def _with_article(subject: str) -> str:
    """ "password reset" → "the password reset"; "the login form" and "our API" stay."""
    first = words(subject).split()[:1]
    if not first or first[0] in DETERMINERS:
        return subject
    return "the " + inline(subject)


def choose_topic(title: str) -> Topic | None:
    best: tuple[int, int, Topic] | None = None
    for topic in topics():
        found = match_keywords(title, dict.fromkeys(topic.keywords, 1))
        if found.score and (best is None or (found.score, -found.first) > (best[0], -best[1])):
            best = (found.score, found.first, topic)
    return best[2] if best else None
