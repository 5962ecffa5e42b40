"""Text cleaning: control characters dropped, lone surrogates replaced, messages quoted short and clean."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taskforge.core.history import Provenance
from taskforge.core.text import clean_block, clean_line, quote, unprintable


def test_lone_surrogates_become_the_replacement_character():
    assert clean_line("x\ud800y \udcff") == "x\ufffdy \ufffd"
    assert clean_block("a\udcff\nb") == "a\ufffd\nb"
    assert clean_line("x\ud800y").encode("utf-8")  # encodable: no UnicodeEncodeError at write time
    assert clean_line("caf\u00e9 \U0001f600") == "caf\u00e9 \U0001f600"  # real characters stay


def test_quote_is_one_short_clean_line():
    assert quote("a\x1b]52;c;SGVsbG8=\x07\nb") == "a]52;c;SGVsbG8= b"
    assert quote("9" * 5000) == "9" * 79 + "…"
    assert quote(None) == "None" and quote(12) == "12"


def test_unprintable():
    assert unprintable("a\x1bb") and unprintable("a\nb") and unprintable("a\udcffb")
    assert not unprintable("auth-flow") and not unprintable("café")


def test_the_history_keeps_messages_clean():
    assert Provenance(message="why\x1b[2J \udcff").message == "why[2J \ufffd"


def _regex_line(value: str) -> str:
    """clean_line without its fast path: the definition it must keep."""
    from taskforge.core import text

    return text._WHITESPACE.sub(" ", text._CONTROL.sub("", text._valid(value).replace("\t", " "))).strip()


def _regex_block(value: str) -> str:
    from taskforge.core import text

    value = text._valid(value).replace("\r\n", "\n").replace("\r", "\n")
    return text._CONTROL.sub("", value).strip("\n ").rstrip()


_ANY_TEXT = st.text(
    alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\x1b\x7f\x85\xa0\u2028\u202e\ud800ab.")) | st.characters(), max_size=30
)


@settings(max_examples=3000)
@given(_ANY_TEXT)
def test_the_fast_paths_clean_as_the_regular_expressions_do(value):
    assert clean_line(value) == _regex_line(value)
    assert clean_block(value) == _regex_block(value)
