"""How the offline planner reads messages: durations, courtesy, titles, lists and references to tasks."""

from __future__ import annotations

import pytest

from taskforge.agent.offline.common import Refusal, inline
from taskforge.agent.offline.edits import goal_title
from taskforge.agent.offline.language import (
    NotAReference,
    Scope,
    clean_title,
    normalize,
    parse_duration,
    split_list,
)
from taskforge.agent.offline.playbooks import choose_topic, match_keywords
from taskforge.core.models import Mode
from tests.conftest import sample_tree


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2 days", 960), ("90 minutes", 90), ("3 hours", 180), ("1 week", 2400), ("1.5 days", 720),
        ("2h", 120), ("30m", 30), ("1h30m", 90), ("1h 30m", 90), ("2 hours 30 minutes", 150),
        ("2 hours and 30 minutes", 150), ("half a day", 240), ("half an hour", 30), ("an hour", 60),
        ("a day and a half", 720), ("an hour and a half", 90), ("one and a half hours", 90), ("two days", 960),
        ("about 3 hours", 180), ("2 weeks", 4800), ("1 month", 9600), ("a couple of hours", 120),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "T3", "2", "two apples", "done", "2 days late"])
def test_things_that_are_not_durations(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("message", "bare"),
    [
        ("Please combine the first two tasks.", "combine the first two tasks"),
        ("combine the first two tasks, please!", "combine the first two tasks"),
        ("Could you please mark T3 done? Thanks", "mark T3 done"),
        ("  ok, now   delete T4  ", "delete T4"),
        ("Let's add a task for docs", "add a task for docs"),
        ("describe T3 as Fast.", "describe T3 as Fast"),
    ],
)
def test_courtesy_and_punctuation_are_ignored(message, bare):
    assert normalize(message)[1] == bare


def test_the_punctuated_form_keeps_a_descriptions_full_stop():
    assert normalize("describe T3 as Fast. please")[0] == "describe T3 as Fast."


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("A, B and C", ["A", "B", "C"]),
        ("A, B, and C", ["A", "B", "C"]),
        ("A and B", ["A", "B"]),
        ("design; build and test; ship", ["design", "build and test", "ship"]),
        ('"Design and build", "Test"', ["Design and build", "Test"]),
    ],
)
def test_lists(text, items):
    assert split_list(text) == items


def test_titles_from_user_text():
    assert clean_title("  'go live'.  ") == "Go live"
    assert clean_title("“Beta feedback”") == "Beta feedback"
    assert len(clean_title("word " * 100)) <= 200
    assert inline("Login form") == "login form" and inline("API reference") == "API reference"


@pytest.mark.parametrize(
    ("goal", "title"),
    [
        ("Build a new user authentication flow", "New user authentication flow"),
        ("Plan the company offsite", "Company offsite"),
        ("Migrate our Postgres database to Aurora", "Migrate our Postgres database to Aurora"),
        ("I want to build an app for my team.", "App for my team"),
        ("asdf", "Asdf"),
        ("Build", "Build"),
    ],
)
def test_goal_titles(goal, title):
    assert goal_title(goal) == title


def test_keywords_that_overlap_count_once_and_plurals_match():
    assert match_keywords("a mobile app", {"mobile app": 5, "mobile": 5, "app": 1}).score == 5
    assert match_keywords("three events", {"event": 5}).score == 5
    assert match_keywords("migrating the db", {"migrat*": 6}).score == 6
    assert match_keywords("an eventual outcome", {"event": 5}).score == 0


def test_topics_for_added_tasks():
    assert choose_topic("Documentation").name == "documentation"
    assert choose_topic("Write tests").name == "testing"
    assert choose_topic("Onboarding docs").name in ("documentation", "training")
    assert choose_topic("Buy balloons") is None


# -- references ----------------------------------------------------------------------------------------


@pytest.fixture
def project_scope() -> Scope:
    return Scope(sample_tree(), Mode.PROJECT, None)  # roots T1, T4, T6


@pytest.mark.parametrize(
    ("phrase", "keys"),
    [
        ("T4", ["T4"]), ("t4", ["T4"]), ("the first task", ["T1"]), ("the last task", ["T6"]),
        ("the second task", ["T4"]), ("task 2", ["T4"]), ("#3", ["T6"]), ("the first two tasks", ["T1", "T4"]),
        ("the last two tasks", ["T4", "T6"]), ("tasks 2 and 3", ["T4", "T6"]), ("tasks 1-3", ["T1", "T4", "T6"]),
        ("T2, T3 and T5", ["T2", "T3", "T5"]), ("the first and the last task", ["T1", "T6"]),
        ("the second-to-last task", ["T4"]), ("all tasks", ["T1", "T4", "T6"]), ("Design", ["T1"]),
        ("the Build task", ["T4"]), ("the first one", ["T1"]), ("T1 and T1", ["T1"]),
    ],
)
def test_references_in_project_mode(project_scope, phrase, keys):
    assert project_scope.many(phrase.replace("second-to-last", "second to last")) == keys


def test_references_in_task_mode_count_the_focus_children():
    scope = Scope(sample_tree(), Mode.TASK, "T1")
    assert scope.many("the first task") == ["T2"]
    assert scope.many("the last task") == ["T3"]
    assert scope.many("this") == ["T1"]
    assert scope.many("T6", anywhere=True) == ["T6"]
    with pytest.raises(Refusal, match="outside T1"):
        scope.many("T6")


@pytest.mark.parametrize("phrase", ["documentation", "2 hours", "the moon", ""])
def test_phrases_that_are_not_references(project_scope, phrase):
    with pytest.raises(NotAReference):
        project_scope.many(phrase)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("T99", "no task T99"), ("the fifth task", "no fifth task"), ("the first four tasks", "no first 4"),
        ("this", "project mode has none"),
    ],
)
def test_references_that_name_nothing(project_scope, phrase, message):
    with pytest.raises(Refusal, match=message):
        project_scope.many(phrase)
