"""JSON from outside (patch documents, imports, a model's reply), parsed with bounds.

`json.loads` recurses once per nested array or object: 100,000 of them end in a RecursionError, a
traceback. A 5,000-digit number ends in a ValueError (Python's limit on int-string conversion), and no
field taskforge has holds more than 19 digits. `loads` refuses both with a `json.JSONDecodeError`
whose message says what is wrong and where, so every caller's existing handler reports it in one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import chain
from typing import Any

MAX_DEPTH = 64  # a taskforge/1 document nests at most 5 levels of tasks, each two JSON levels deep
MAX_DIGITS = 40  # an integer longer than this is refused (the store holds 64-bit integers: 19 digits)

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')  # a JSON string, escapes included, in one C-level match
_BRACKET = re.compile(r"[\[\]{}]")
_TOKEN = re.compile(_STRING.pattern + r"|[\[\]{}]")


def nesting_problem(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset where `text` nests deeper than `limit`, or None; brackets inside strings do not count.

    The check runs on the text with its strings emptied, in C-level regex passes plus one loop over the
    brackets; only text found too deep is walked again, token by token, for the exact offset.
    Unbalanced or malformed text is left for the decoder to describe.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    if _too_deep(_BRACKET.finditer(_STRING.sub('""', text)), limit) is None:
        return None
    return _too_deep((match for match in _TOKEN.finditer(text) if match.group()[0] != '"'), limit)


def _too_deep(brackets: Iterator[re.Match[str]], limit: int) -> int | None:
    depth = 0
    for match in brackets:
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        else:
            depth -= 1
    return None


class NumberTooLong(ValueError):
    def __init__(self, digits: str):
        super().__init__(f"a number with {len(digits.lstrip('-')):,} digits (at most {MAX_DIGITS})")
        self.digits = digits


def bounded_int(digits: str) -> int:
    """`parse_int` for a JSON decoder: an integer, or NumberTooLong (a ValueError) past MAX_DIGITS."""
    if len(digits) > MAX_DIGITS and len(digits.lstrip("-")) > MAX_DIGITS:
        raise NumberTooLong(digits)
    return int(digits)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` with the nesting depth and the length of integers bounded; raises JSONDecodeError.

    The text is decoded first and its depth measured on what came out (a walk over the containers costs
    far less than scanning megabytes of text); only text that is too deep, or not JSON at all, is
    scanned for where it nests too deeply, so that depth is what its message names first.
    """
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    try:
        data = json.loads(text, parse_int=bounded_int)
    except NumberTooLong as exc:
        raise json.JSONDecodeError(str(exc), text, max(text.find(exc.digits), 0)) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        position = nesting_problem(text, max_depth)
        if position is not None:
            raise json.JSONDecodeError(f"nested more than {max_depth} levels deep", text, position) from None
        if isinstance(exc, RecursionError):  # a lower recursion limit than the default
            raise json.JSONDecodeError("nested too deeply", text, 0) from None
        raise
    if _deeper_than(data, max_depth):
        position = nesting_problem(text, max_depth)
        raise json.JSONDecodeError(f"nested more than {max_depth} levels deep", text, position or 0)
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether decoded JSON holds arrays or objects nested more than `limit` deep: level by level, so
    that a level of ten thousand objects is one C-level pass over their values (and no recursion)."""
    level = [data] if type(data) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        objects = [value for value in level if type(value) is dict]
        children = chain.from_iterable(map(dict.values, objects))
        if len(objects) < len(level):
            children = chain(children, chain.from_iterable(value for value in level if type(value) is list))
        level = [child for child in children if type(child) in _CONTAINERS]
    return False


_CONTAINERS = frozenset({dict, list})
