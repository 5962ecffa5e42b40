"""csv read back with the csv module; todo.txt checked against the rules todo.txt clients follow."""

from __future__ import annotations

import csv
import io
import re

from taskforge.export import csv_table, todotxt
from tests.builders import create
from tests.export.trees import awkward_tree, build, empty_tree, sample_tree


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_a_row_per_task_that_reads_back_exactly():
    tree = awkward_tree()
    text = csv_table.render(tree)
    table = rows(text)
    assert [row["key"] for row in table] == list(tree.walk())
    first, deepest = table[0], table[4]
    assert first["title"] == tree["T1"].title  # quotes, commas, non-ASCII: all intact
    assert first["description"] == tree["T1"].description  # newlines inside one quoted cell
    assert first["acceptance_criteria"].split("\n") == tree["T1"].acceptance_criteria
    assert first["tags"] == "ux; two words; c#"
    assert (first["status"], first["priority"], first["estimate_minutes"], first["actual_minutes"]) == (
        "doing", "critical", "1500", "90")
    assert deepest["path"] == "T1 > T2 > T3 > T4 > T5" and deepest["depth"] == "5" and deepest["parent_key"] == "T4"
    assert table[6]["depends_on"] == "T6 T3"
    assert text.startswith(",".join(csv_table.COLUMNS) + "\r\n") and text.endswith("\r\n")  # records end in CRLF


def test_csv_cells_never_start_a_formula():
    table = rows(csv_table.render(awkward_tree()))
    last = table[-1]
    assert last["title"] == "'=SUM(A1:A2) @cmd -x +y"
    assert last["acceptance_criteria"] == "'=HYPERLINK(\"x\")"
    assert table[6]["tags"] == "'=1+1"


def test_csv_of_an_empty_project_and_of_a_subtree():
    assert rows(csv_table.render(empty_tree())) == []
    assert csv_table.render(empty_tree()).startswith("key,parent_key,path,depth,title,")
    subtree = rows(csv_table.render(awkward_tree(), "T3"))
    assert [(row["key"], row["parent_key"], row["path"], row["depth"]) for row in subtree] == [
        ("T3", "", "T3", "1"), ("T4", "T3", "T3 > T4", "2"), ("T5", "T4", "T3 > T4 > T5", "3")]
    assert subtree[0]["depends_on"] == "" and subtree[2]["depends_on"] == ""  # T2 and T1 are outside


TODO_LINE = re.compile(r"(?:x |\([A-Z]\) )(?!x |\([A-Z]\) |\d{4}-\d{2}-\d{2} )\S")


def test_todotxt_one_well_formed_line_per_task():
    tree = awkward_tree()
    lines = todotxt.render(tree).splitlines()
    assert len(lines) == len(tree)
    assert all(TODO_LINE.match(line) for line in lines)
    by_key = {re.search(r" key:(T\d+)", line).group(1): line for line in lines}
    assert by_key["T1"].startswith("(A) Ünïcødé — 日本語")
    assert " +awkward @ux @two_words @c# key:T1 est:1500 status:doing" in by_key["T1"]
    assert by_key["T2"].startswith("x Level 2") and by_key["T2"].endswith(" key:T2 parent:T1 pri:D")
    assert " key:T7 parent:T6 dep:T6,T3" in by_key["T7"]


def test_todotxt_titles_that_would_read_as_marks_are_defused():
    tree = build([create("a", "x marks the spot", status="done"), create("b", "2024-05-01 launch")])
    lines = todotxt.render(tree).splitlines()
    assert lines[0].startswith("x - x marks the spot +awkward")
    assert lines[1].startswith("(C) - 2024-05-01 launch")


# The todo.txt format's own rules (todo.txt-cli, topydo): a word starting + or @ is a project or context,
# a word holding a colon between two other characters is key:value.
TODO_PROJECT = re.compile(r"(?<!\S)\+\S+")
TODO_CONTEXT = re.compile(r"(?<!\S)@\S+")
TODO_KEY_VALUE = re.compile(r"(?<!\S)[^\s:]+:[^\s:]+")


def test_todotxt_titles_never_turn_into_metadata():
    title = "Fix +api for @home users due:friday (see https://x.org/a) in C++ a+b me@x.org"
    line = todotxt.render(build([create("a", title, tags=["ux"])]))
    metadata = TODO_PROJECT.findall(line) + TODO_CONTEXT.findall(line) + TODO_KEY_VALUE.findall(line)
    assert metadata == ["+awkward", "@ux", "key:T1"]  # only what the export itself says
    assert line.startswith("(C) Fix ＋api for ＠home users due：friday (see https：//x.org/a) in C++ a+b me@x.org +awkward")


def test_todotxt_names_what_it_leaves_out():
    assert todotxt.losses(awkward_tree()) == [
        "todotxt: no place for descriptions (2), acceptance criteria (2), time spent (1); left out"]
    assert todotxt.losses(sample_tree()) == ["todotxt: no place for acceptance criteria (1); left out"]


def test_todotxt_sample_and_empty():
    assert todotxt.render(empty_tree()) == ""
    assert todotxt.render(sample_tree()).splitlines()[0] == "(C) Design +sample @ux key:T1 est:600"
