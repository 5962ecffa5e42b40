"""The one bounded JSON parser every JSON entry point uses: depth and integer length are refused in one line."""

from __future__ import annotations

import json

import pytest

from taskforge.core import jsontext


def test_ordinary_documents_parse_as_json_loads_does():
    text = json.dumps({"a": [1, [2, [3]]], "b": "[[[{{{", "c": 'quote " and \\ backslash ]]'})
    assert jsontext.loads(text) == json.loads(text)
    assert jsontext.loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 65 + "1" + "}" * 65, '["]]]",' + "[" * 70])
def test_nesting_deeper_than_the_limit_is_a_decode_error_with_its_place(text):
    with pytest.raises(json.JSONDecodeError, match="nested more than 64 levels deep") as caught:
        jsontext.loads(text)
    assert caught.value.lineno == 1


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"title": "[" * 1000, "escaped": '\\"[[[[' * 100})
    assert jsontext.loads(text)["title"] == "[" * 1000
    assert jsontext.nesting_problem("[" * 64 + "]" * 64) is None
    assert jsontext.nesting_problem("[" * 65 + "]" * 65) == 64


def test_a_number_too_long_to_hold_is_a_decode_error():
    with pytest.raises(json.JSONDecodeError, match="a number with 5,000 digits") as caught:
        jsontext.loads('{"estimate": ' + "9" * 5000 + "}")
    assert caught.value.colno == 14
    assert jsontext.loads("[-" + "9" * 40 + "]") == [-int("9" * 40)]
    with pytest.raises(ValueError):
        jsontext.bounded_int("9" * 41)


def _mixed(depth: int) -> str:
    """Objects and arrays taking turns, `depth` levels deep, beside shallower siblings at every level."""
    text = "[1]"
    for level in range(1, depth):
        text = f'{{"x": {text}, "y": [1, 2]}}' if level % 2 else f'[[], {text}, {{"z": 2}}]'
    return text


@pytest.mark.parametrize("depth", [63, 64])
def test_mixed_nesting_up_to_the_limit_parses(depth):
    assert jsontext.loads(_mixed(depth)) == json.loads(_mixed(depth))


@pytest.mark.parametrize("depth", [65, 80])
def test_mixed_nesting_past_the_limit_is_refused(depth):
    with pytest.raises(json.JSONDecodeError, match="nested more than 64 levels deep"):
        jsontext.loads(_mixed(depth))
