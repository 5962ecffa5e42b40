"""iCalendar parsed back with the icalendar package; OPML with the standard library's XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings

from taskforge.export import ical, opml
from taskforge.export.common import notes_text, stable_uuid
from tests.builders import create
from tests.export.trees import awkward_tree, big_tree, build, empty_tree, trees

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def uid(key: str, project: str = "awkward") -> str:
    return f"{stable_uuid(project, key)}@taskforge"


def todos(text: str) -> dict[str, icalendar.Todo]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(todo["X-TASKFORGE-KEY"]): todo for todo in calendar.walk("VTODO")}


def related(todo: icalendar.Todo, reltype: str) -> list[str]:
    values = todo.get("RELATED-TO", [])
    values = values if isinstance(values, list) else [values]
    return [str(value) for value in values if value.params.get("RELTYPE", "PARENT") == reltype]


def test_ics_parses_back_with_every_task_and_its_text_intact():
    tree = awkward_tree()
    found = todos(ical.render(tree, now=NOW))
    assert list(found) == list(tree.walk())
    first = found["T1"]
    assert str(first["UID"]) == uid("T1")
    assert str(first["SUMMARY"]) == tree["T1"].title  # ; , \ quotes and non-ASCII unescaped back exactly
    assert str(first["DESCRIPTION"]) == (
        tree["T1"].description + "\n\nAcceptance criteria:\n- Works with «ünïcode»\n- Says \"hello, world\"; twice")
    assert (str(first["STATUS"]), int(first["PRIORITY"])) == ("IN-PROCESS", 1)
    assert first["CATEGORIES"].cats == ["ux", "two words", "c#"]
    assert first["DTSTAMP"].dt == NOW
    assert (str(found["T2"]["STATUS"]), found["T2"]["COMPLETED"].dt, int(found["T2"]["PERCENT-COMPLETE"])) == (
        "COMPLETED", NOW, 100)
    assert related(found["T5"], "PARENT") == [uid("T4")] and related(found["T5"], "DEPENDS-ON") == [uid("T1")]
    assert related(found["T7"], "DEPENDS-ON") == [uid("T6"), uid("T3")]
    assert related(found["T1"], "PARENT") == []


def test_ics_lines_are_crlf_and_folded_at_75_octets():
    tree = build([create("a", "é" * 150, description="日本語" * 60)])
    text = ical.render(tree, now=NOW)
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in lines) <= 75
    assert sum(line.startswith(" ") for line in lines) >= 10  # long values really were folded
    for line in lines:
        line.encode("utf-8").decode("utf-8")  # every physical line is whole UTF-8: no split sequence
    assert str(todos(text)["T1"]["SUMMARY"]) == "é" * 150


@pytest.mark.parametrize(("value", "escaped"), [("a;b,c\\d\ne", "a\\;b\\,c\\\\d\\ne"), ("plain", "plain")])
def test_ics_text_escaping(value, escaped):
    assert ical.text(value) == escaped


def test_ics_empty_project_and_subtree():
    calendar = icalendar.Calendar.from_ical(ical.render(empty_tree(), now=NOW))
    assert calendar.walk("VTODO") == [] and str(calendar["VERSION"]) == "2.0"
    found = todos(ical.render(awkward_tree(), "T6", now=NOW))
    assert list(found) == ["T6", "T7"]
    assert related(found["T6"], "PARENT") == [] and related(found["T7"], "DEPENDS-ON") == [uid("T6")]


def outlines(text: str) -> ElementTree.Element:
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    return root


def test_opml_parses_back_as_the_tree():
    tree = awkward_tree()
    root = outlines(opml.render(tree))
    assert root.findtext("head/title") == tree.project.title
    body = root.find("body")

    def shape(element):
        return [(child.get("key"), shape(child)) for child in element.findall("outline")]

    def expected(parent):
        return [(key, expected(key)) for key in tree.children[parent]]

    assert shape(body) == expected(None)
    first = body.find("outline")
    assert first.get("text") == tree["T1"].title  # quotes, <, &, non-ASCII
    assert first.get("_note").startswith(tree["T1"].description + "\n\nAcceptance criteria:\n")  # newlines kept
    assert (first.get("status"), first.get("priority"), first.get("estimateMinutes"), first.get("tags")) == (
        "doing", "critical", "1500", "ux,two words,c#")
    by_key = {element.get("key"): element for element in body.iter("outline")}
    assert by_key["T2"].get("_status") == "checked" and by_key["T1"].get("_status") is None
    assert by_key["T7"].get("dependsOn") == "T6 T3"


def test_opml_drops_what_xml_cannot_hold():
    tree = build([create("a", "odd \ufffe\uffff chars")])
    assert outlines(opml.render(tree)).find("body/outline").get("text") == "odd  chars"


def test_opml_empty_and_big():
    assert outlines(opml.render(empty_tree())).find("body").findall("outline") == []
    root = outlines(opml.render(big_tree()))
    assert len(list(root.find("body").iter("outline"))) == 10_000
    lines = ical.render(big_tree(), now=NOW).split("\r\n")
    assert lines.count("BEGIN:VTODO") == lines.count("END:VTODO") == 10_000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees())
def test_any_text_parses_back_from_ics_and_opml(tree):
    found = todos(ical.render(tree, now=NOW))
    elements = {e.get("key"): e for e in outlines(opml.render(tree)).find("body").iter("outline")}

    def xml_can_hold(text: str) -> str:
        return text.replace("\ufffe", "").replace("\uffff", "")

    for key, task in tree.tasks.items():
        note = notes_text(task.description, task.acceptance_criteria)
        assert str(found[key]["SUMMARY"]) == task.title
        assert str(found[key].get("DESCRIPTION", "")) == note
        assert elements[key].get("text") == xml_can_hold(task.title)
        assert (elements[key].get("_note") or "") == xml_can_hold(note)
