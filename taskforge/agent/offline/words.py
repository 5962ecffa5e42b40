"""Naming a task by the words of its title: "the documentation task", "docs", "the rollout".

People rarely repeat a title; they say the word that stuck. A phrase names a task when every content word
of the phrase (stop words and "task" left out) matches a word of the title: the same stem ("tests" and
"testing"), a prefix of at least three letters ("docs" for "documentation"), or two title words written as
one ("rollout" for "roll out"). The best-scoring title wins; two equally good ones make the phrase
ambiguous, and the planner asks which rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

STOP_WORDS = frozenset("""
    a an the this that these those my our your its their of for to in on at by with and or from into onto
    task tasks one ones item items thing step steps bit part piece deliverable sub subtask subtasks sub-task
    sub-tasks stuff work all whole entire we i you it they us me also just still really please
""".split())  # noqa: SIM905 - a word list reads best as words
KIND_WORDS = frozenset("""
    page pages screen screens feature features flow flows phase stage ticket card story epic job chunk area
    section module component functionality
""".split())  # noqa: SIM905
# Short names people use for what titles spell out ("2FA" for two-factor authentication)
ALIASES = {
    "2fa": ("factor",), "mfa": ("factor",), "totp": ("factor",), "otp": ("factor",),
    "db": ("database", "storage"), "database": ("storage",), "signin": ("login",), "logon": ("login",),
    "pwd": ("password",), "pw": ("password",), "qa": ("test",), "ux": ("design",), "ui": ("screen", "design"),
}
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "ies", "es", "s", "e", "y")
EXACT, JOINED, PREFIX = 3, 3, 2


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A crude English stem, enough to make "documents", "documentation" and "document" meet, and "planning"
    and "plan" (a doubled last consonant is written once)."""
    while True:
        suffix = next((s for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3), None)
        if suffix is None:
            break
        word = word[: -len(suffix)]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("'s", ""))


def content_words(text: str) -> list[str]:
    return [word for word in words(text) if word not in STOP_WORDS]


@dataclass(frozen=True)
class Match:
    key: str
    score: int
    depth: int


def _word_score(wanted: str, title_words: list[str]) -> int:
    return max(_one_word_score(word, title_words) for word in (wanted, *ALIASES.get(wanted, ())))


def _one_word_score(wanted: str, title_words: list[str]) -> int:
    wanted_stem = stem(wanted)
    best = 0
    for index, word in enumerate(title_words):
        if stem(word) == wanted_stem or word == wanted:
            return EXACT
        if len(wanted) >= 3 and (word.startswith(wanted) or word.startswith(wanted_stem)):
            best = max(best, PREFIX)
        if index + 1 < len(title_words) and word + title_words[index + 1] in (wanted, wanted_stem):
            return JOINED
    return best


def score(phrase_words: list[str], title_words: list[str]) -> int:
    """0 unless every phrase word matches the title's words; more for exact words and a title fully named."""
    total = 0
    for wanted in phrase_words:
        points = _word_score(wanted, title_words)
        if not points:
            return 0
        total += points
    named = {stem(word) for word in phrase_words}
    if all(stem(word) in named or word in STOP_WORDS for word in title_words):
        total += 1  # "documentation" names the task "Documentation" better than "Write API documentation"
    return total


def best_matches(phrase: str, candidates: Iterable[tuple[str, list[str], int]],
                 weak: frozenset[str] = frozenset()) -> list[Match]:
    """The equally best (key, title words, depth) candidates for a phrase; shallower tasks win a tie.

    Words that only say what kind of thing a task is ("the login page", "the reset feature"), and `weak`
    words (the project's own: "the auth docs" in an authentication project), count when a title has them,
    and are left out when none does."""
    wanted = content_words(phrase)
    if not wanted:
        return []
    candidates = list(candidates)
    found = [Match(key, points, depth) for key, title_words, depth in candidates
             if (points := score(wanted, title_words))]
    specific = [word for word in wanted if word not in KIND_WORDS and not _word_score(word, sorted(weak))]
    if not found and specific and len(specific) < len(wanted):
        found = [Match(key, points, depth) for key, title_words, depth in candidates
                 if (points := score(specific, title_words))]
    if not found:
        return []
    top = max(match.score for match in found)
    found = [match for match in found if match.score == top]
    shallowest = min(match.depth for match in found)
    return [match for match in found if match.depth == shallowest]
