"""Text cleaning: control characters dropped, lone surrogates replaced, messages quoted short and clean."""

from __future__ import annotations

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
