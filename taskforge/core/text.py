"""Cleaning of user and model text: it is data, never markup or terminal control."""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC included), DEL, and the bidi overrides that can disguise text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")


def clean_line(value: str) -> str:
    """One line of text: control characters dropped, runs of white space folded to one space."""
    return _WHITESPACE.sub(" ", _CONTROL.sub("", value.replace("\t", " "))).strip()


def clean_block(value: str) -> str:
    """Multi-line text: newlines and tabs kept, every other control character dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip("\n ").rstrip()


def plural(count: int, word: str) -> str:
    """`1 operation`, `3 operations`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the last one `…` when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
