"""Cleaning of user and model text: it is data, never markup or terminal control."""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC included), DEL, and the bidi overrides that can disguise text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates: a JSON "\ud800" escape, or bytes that are not UTF-8 in a file name, argv or stdin
# (Python turns \xff into \udcff). No file, database or terminal can take them.
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
REPLACEMENT = "\ufffd"
QUOTE_MAX = 80


def _valid(value: str) -> str:
    return _SURROGATE.sub(REPLACEMENT, value) if not value.isascii() else value


def clean_line(value: str) -> str:
    """One line of text: control characters dropped, lone surrogates replaced by U+FFFD, runs of
    white space folded to one space."""
    if value.isascii() and value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # already clean, as nearly every title is: checked in C, 10k titles cost no regex pass
    return _WHITESPACE.sub(" ", _CONTROL.sub("", _valid(value).replace("\t", " "))).strip()


def clean_block(value: str) -> str:
    """Multi-line text: newlines and tabs kept, every other control character dropped, lone
    surrogates replaced by U+FFFD."""
    if value.isascii() and value.isprintable():  # one line with no control character: only spaces to trim
        return value.strip(" ")
    value = _valid(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip("\n ").rstrip()


def plural(count: int, word: str) -> str:
    """`1 operation`, `3 operations`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the last one `…` when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: object, limit: int = QUOTE_MAX) -> str:
    """User data as a message quotes it: one clean line, shortened to `limit` characters with `…`."""
    return truncate(clean_line(value if isinstance(value, str) else repr(value)), limit)


def unprintable(value: str) -> bool:
    """Whether `value` holds control characters (newlines included) or lone surrogates."""
    return bool(_CONTROL.search(value) or "\n" in value or "\t" in value or (not value.isascii() and _SURROGATE.search(value)))
