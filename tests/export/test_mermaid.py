"""Mermaid gantt and mindmap, checked against the grammar rules the output relies on.

The rules come from Mermaid's gantt.jison and mindmap.jison: a gantt task line is text without
`#`, `:` or `;`, then `:` and its data; a keyword (section, title, click, call, gantt, a date…) at the
start of a line is read as that keyword; `%%` starts a comment; a mindmap label in `["…"]` ends at the
first `"`. (The output was also parsed with Mermaid 11 itself while this was written.)
"""

from __future__ import annotations

import re
from datetime import date

from taskforge.export import mermaid_gantt, mermaid_mindmap
from tests.builders import create
from tests.export.trees import awkward_tree, big_tree, build, empty_tree, sample_tree

DAY = date(2025, 3, 3)
TASK_LINE = re.compile(
    r" {4}(?P<key>T\d+) [^#:;%\n]*"  # the label: starts with the key, holds nothing Mermaid reads
    r":(?P<tags>(?:(?:done|active|crit|milestone), )*)(?P=key), "
    r"(?P<start>\d{4}-\d{2}-\d{2}|after(?: T\d+)+), (?P<length>\d+(?:\.\d+)?[dh])"
)
OTHER_LINE = re.compile(r" {4}(title [^#;%\n]+|dateFormat YYYY-MM-DD|section T\d+ [^#:;%\n]+)")
KEYWORDS = re.compile(r"\s*(gantt|title|section|click|call|href|dateformat|axisformat|excludes|includes|todaymarker|"
                      r"weekday|tickinterval|topaxis|inclusiveenddates|accTitle|accDescr|\d{4}-\d{2}-\d{2})", re.I)


def gantt_tasks(text: str) -> dict[str, re.Match]:
    lines = text.splitlines()
    assert lines[0] == "gantt"
    tasks = {}
    for line in lines[1:]:
        match = TASK_LINE.fullmatch(line)
        assert match or OTHER_LINE.fullmatch(line), line
        if match:
            assert not KEYWORDS.match(line[4:])
            assert match["key"] not in tasks  # ids are unique
            tasks[match["key"]] = match
    for match in tasks.values():  # every `after` names a task in the chart
        if match["start"].startswith("after"):
            assert set(match["start"].split()[1:]) <= set(tasks)
    return tasks


def test_gantt_follows_the_grammar_for_awkward_titles():
    tree = awkward_tree()
    text = mermaid_gantt.render(tree, start=DAY)
    tasks = gantt_tasks(text)
    assert list(tasks) == list(tree.walk())
    assert "%%" not in text and "\t" not in text
    assert "    section T6 section Second root" in text.splitlines()
    assert "T1 Ünïcødé — 日本語 «ok» ＂double＂" in text  # non-ASCII kept, syntax characters made harmless


def test_gantt_places_tasks_by_dependencies_and_estimates():
    tasks = gantt_tasks(mermaid_gantt.render(awkward_tree(), start=DAY))
    assert (tasks["T1"]["tags"], tasks["T1"]["start"], tasks["T1"]["length"]) == ("active, crit, ", "2025-03-03", "75h")
    assert tasks["T2"]["tags"] == "done, " and tasks["T2"]["length"] == "2.25h"  # its sub-tasks' 45 minutes
    assert tasks["T3"]["start"] == "after T2"
    assert tasks["T7"]["start"] == "after T6 T3"
    assert tasks["T8"]["tags"] == "milestone, " and tasks["T8"]["length"] == "0d"  # no estimate anywhere
    sample = gantt_tasks(mermaid_gantt.render(sample_tree(), start=DAY))
    assert sample["T4"]["start"] == "after T1"
    assert mermaid_gantt.duration(960) == "2d" and mermaid_gantt.duration(90) == "4.5h"


def test_gantt_sections_are_the_root_tasks():
    text = mermaid_gantt.render(sample_tree(), start=DAY)
    assert [line.strip() for line in text.splitlines() if "section" in line] == [
        "section T1 Design", "section T4 Build", "section T6 Ship"]
    subtree = mermaid_gantt.render(awkward_tree(), "T6", start=DAY)
    assert list(gantt_tasks(subtree)) == ["T6", "T7"]
    assert "after T6," in subtree and "T3" not in subtree  # outside the subtree


def test_gantt_titles_that_look_like_keywords_stay_titles():
    tree = build([create("a", "click here"), create("b", "2025-01-01 release"), create("c", "%% not a comment"),
                  create("d", "Phase 1: design; #2")])
    tasks = gantt_tasks(mermaid_gantt.render(tree, start=DAY))
    assert len(tasks) == 4
    assert mermaid_gantt.render(tree, start=DAY).splitlines()[-1] == "    T4 Phase 1： design； ＃2 :milestone, T4, 2025-03-03, 0d"


MINDMAP_LINE = re.compile(r'(?P<indent>(?:  )+)(?:root\(\("[^"\n]*"\)\)|T\d+\["[^"\n]*"\])')


def mindmap_levels(text: str) -> list[int]:
    lines = text.splitlines()
    assert lines[0] == "mindmap"
    levels = []
    for line in lines[1:]:
        match = MINDMAP_LINE.fullmatch(line)
        assert match, line
        levels.append(len(match["indent"]) // 2)
    assert levels[0] == 1 and all(level > 1 for level in levels[1:])  # one root, everything under it
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))  # a child is exactly one level deeper
    return levels


def test_mindmap_follows_the_grammar_and_the_tree():
    tree = awkward_tree()
    text = mermaid_mindmap.render(tree)
    levels = mindmap_levels(text)
    assert levels[1:] == [tree.depth(key) + 1 for key in tree.walk()]
    assert '      T2["✓ Level 2 · with a middle dot"]' in text.splitlines()
    assert 'T5["✓ Level 5 (deepest) [x] {y}"]' in text


def test_empty_projects_and_a_big_one():
    assert mermaid_gantt.render(empty_tree(), start=DAY) == "gantt\n    title Nothing yet\n    dateFormat YYYY-MM-DD\n"
    assert mermaid_mindmap.render(empty_tree()) == 'mindmap\n  root(("Nothing yet"))\n'
    big = big_tree()
    assert len(gantt_tasks(mermaid_gantt.render(big, start=DAY))) == 10_000
    assert len(mindmap_levels(mermaid_mindmap.render(big))) == 10_001
