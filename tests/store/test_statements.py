"""A list column's text is `json.dumps`' text, whatever the strings hold: both writers and SQLAlchemy agree."""

import json
import random

from taskforge.store.statements import json_list

ALPHABET = ["a", "é", '"', "\\", "\n", "\x00", "\u2028", "😀", "\ud800", " ", "/", "\x7f", "T1"]


def test_json_list_writes_what_json_dumps_writes():
    rng = random.Random(7)
    for _ in range(5_000):
        value = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(0, 4))]
        assert json_list(value) == json.dumps(value), value


def test_a_list_that_is_not_all_strings_is_still_json_dumps():
    assert json_list([1, "a", None]) == json.dumps([1, "a", None])
    assert json_list([]) == "[]"
