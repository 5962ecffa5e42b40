"""The offline planner scaffolds goals from the shipped playbooks and breaks tasks down in task mode."""

from __future__ import annotations

import pytest

from taskforge.agent.offline.playbooks import breakdowns, choose_playbook, playbooks, topics
from taskforge.core.models import MAX_DEPTH, Mode, Status
from tests.agent.test_offline_support import (
    ask,
    deep_tree,
    empty_tree,
    flat_tree,
    new_project,
    refused,
    scaffolded,
    titles,
)

# -- the shipped data --------------------------------------------------------------------------------


def test_every_shipped_file_loads_and_the_expected_playbooks_exist():
    names = {book.name for book in playbooks()}
    assert names >= {
        "authentication", "web app", "mobile app", "API", "data pipeline", "migration", "research",
        "launch and marketing", "event", "generic",
    }
    assert [book.name for book in playbooks() if book.fallback] == ["generic"]
    assert breakdowns()[-1].verbs == []  # the default breakdown comes last
    assert topics()


@pytest.mark.parametrize(
    ("goal", "playbook", "title"),
    [
        ("Build a new user authentication flow", "authentication", "New user authentication flow"),
        ("Plan the company offsite", "event", "Company offsite"),
        ("Migrate our Postgres database to Aurora", "migration", "Migrate our Postgres database to Aurora"),
        ("asdf", "generic", "Asdf"),
        ("Create a web app for booking meeting rooms", "web app", "Web app for booking meeting rooms"),
        ("Build a mobile app for runners", "mobile app", "Mobile app for runners"),
        ("Build a REST API for orders", "API", "REST API for orders"),
        ("Build an API for the mobile app", "API", "API for the mobile app"),
        ("Set up an ETL pipeline from Salesforce to BigQuery", "data pipeline", "ETL pipeline from Salesforce to BigQuery"),
        ("Research why customers churn", "research", "Research why customers churn"),
        ("Launch our product on Product Hunt", "launch and marketing", "Launch our product on Product Hunt"),
        ("I want to organise a hackathon", "event", "Hackathon"),
    ],
)
def test_a_goal_is_scaffolded_from_the_playbook_its_keywords_match(goal, playbook, title):
    answer = ask(new_project(goal), goal, new_project=True)
    book, _match = choose_playbook(goal)
    assert book.name == playbook
    tree = answer.tree
    assert titles(tree) == [template.title for template in book.tasks]
    assert tree.project.title == title
    assert title.casefold() in tree.project.summary.casefold()
    assert (playbook in answer.rationale) or (playbook == "generic" and "generic" in answer.rationale)


@pytest.mark.parametrize("book", playbooks(), ids=lambda book: book.name)
def test_every_playbook_gives_3_to_6_sized_described_deliverables_with_real_dependencies(book):
    goal = next(iter(book.keywords), "something entirely unrelated")
    tree = ask(new_project(goal), f"Plan {goal}", new_project=True).tree
    assert 3 <= len(tree.roots) <= 6
    assert len(tree) == len(tree.roots), "a scaffold creates deliverables only; sub-steps come in task mode"
    for key in tree.roots:
        task = tree[key]
        assert 5 * 480 <= task.estimate_minutes <= 10 * 480, "deliverables are sized one to two weeks"
        assert task.description and task.acceptance_criteria and task.priority
        assert all(tree.position(dep) < tree.position(key) for dep in task.depends_on)
    assert any(tree[key].depends_on for key in tree.roots)


def test_the_first_deliverable_depends_on_nothing_and_later_ones_on_earlier_ones():
    tree = scaffolded()
    first, second, *_ = tree.roots
    assert tree[first].depends_on == []
    assert tree[second].depends_on == [first]


def test_an_existing_empty_project_takes_a_goal_or_a_command_and_keeps_its_title():
    project = empty_tree("Team offsite 2025")
    project.project.version = 3  # it had tasks once
    goal = ask(project, "Plan the company offsite").tree
    assert goal.project.title == "Team offsite 2025"
    assert len(goal.roots) >= 3
    command = ask(project, "Add a task for documentation").tree
    assert titles(command) == ["Documentation"]


def test_an_empty_message_on_an_empty_project_scaffolds_its_title():
    tree = ask(empty_tree("Plan the company offsite"), "").tree
    assert titles(tree)[0] == "Set the goals, budget, date and guest list"


def test_a_long_goal_still_gives_a_valid_title_and_summary():
    goal = "Build a new user authentication flow " + "with many more details " * 400
    answer = ask(new_project(goal), goal, new_project=True)
    assert len(answer.tree.project.title) <= 200
    assert len(answer.tree.project.summary) <= 5000


def test_the_same_request_gives_the_same_reply():
    tree = flat_tree()
    for message, mode, focus in [
        ("Build a new user authentication flow", Mode.PROJECT, None),
        ("Combine the first two tasks", Mode.PROJECT, None),
        ("break this down", Mode.TASK, "T2"),
        ("gibberish", Mode.PROJECT, None),
    ]:
        base = tree if message != "Build a new user authentication flow" else new_project(message)
        first = ask(base, message, mode, focus, new_project=base is not tree).draft
        second = ask(base, message, mode, focus, new_project=base is not tree).draft
        assert first.reply.model_dump() == second.reply.model_dump()
        assert first.understood == second.understood


# -- task-mode decomposition -----------------------------------------------------------------------


def test_breaking_down_a_scaffolded_deliverable_uses_its_playbook_steps():
    tree = scaffolded()
    focus = tree.roots[1]  # "Build account storage and password handling"
    answer = ask(tree, "break this down", Mode.TASK, focus)
    children = answer.tree.children[focus]
    book = choose_playbook("authentication")[0]
    assert titles(answer.tree, focus) == [step.title for step in book.tasks[1].steps]
    assert 3 <= len(children) <= 7
    for key in children:
        child = answer.tree[key]
        assert child.description.startswith("Steps:\n1. ")
        assert child.acceptance_criteria and child.estimate_minutes
    # the parent's estimate is shared out over the steps, to the nearest quarter hour
    total = sum(answer.tree[key].estimate_minutes for key in children)
    assert abs(total - tree[focus].estimate_minutes) <= 15 * len(children)
    # order matters: each step waits for the one before
    assert answer.tree[children[0]].depends_on == []
    assert answer.tree[children[1]].depends_on == [children[0]]


def test_parallel_steps_wait_for_the_same_step_and_the_next_waits_for_both():
    tree = scaffolded()
    focus = tree.roots[2]  # "Implement login, sessions and logout": the screens run alongside the cookies
    answer = ask(tree, "decompose", Mode.TASK, focus)
    endpoint, cookies, screens, logout = answer.tree.children[focus]
    assert answer.tree[cookies].depends_on == [endpoint]
    assert answer.tree[screens].depends_on == [endpoint]
    assert answer.tree[logout].depends_on == [cookies, screens]


def test_a_merged_deliverable_breaks_down_into_the_steps_of_both():
    tree = scaffolded()
    merged = ask(tree, "Combine the first two tasks").tree
    answer = ask(merged, "break this down", Mode.TASK, merged.roots[0])
    steps = titles(answer.tree, merged.roots[0])
    assert "Map the sign-up, login, logout and reset journeys" in steps
    assert "Design the users and credentials schema" in steps
    assert len(steps) <= 7


def test_an_unknown_task_gets_a_generic_engineering_breakdown_that_names_it():
    tree = flat_tree()
    answer = ask(tree, "break this down", Mode.TASK, "T4")
    assert titles(answer.tree, "T4") == [
        "Clarify the scope of the delta", "Design the delta", "Build a working version of the delta", "Test the delta",
        "Document and release the delta",
    ]
    assert "generic engineering breakdown" in answer.rationale


@pytest.mark.parametrize(
    ("title", "first_step"),
    [
        ("Test the login form", "List the cases to test for the login form"),
        ("Write the user guide", "Outline the user guide"),
        ("Research caching options", "Frame the questions about caching options"),
        ("Deploy the billing service", "Prepare the release of the billing service"),
        ("Design the schema", "Gather the requirements for the schema"),
        ("Implement the password hashing", "Clarify the scope of the password hashing"),
        ("API reference", "Outline the API reference"),
        ("Admin dashboard for managing users", "Clarify the scope of the admin dashboard for managing users"),
        ("Agree the goals and format", "Gather what is needed to agree the goals and format"),
        ("Deploy, monitor and tune the cache", "Gather what is needed to deploy, monitor and tune the cache"),
        ("Roll out to existing users", "Gather what is needed to roll out to existing users"),
        ("Rate limiting", "Clarify the scope of the rate limiting"),
        ("Documentation", "Outline the documentation"),
        ("Racking must be installed before any stock arrives", "Agree how to meet the requirement"),
    ],
)
def test_the_generic_breakdown_follows_the_verb_a_title_starts_with(title, first_step):
    tree = ask(empty_tree(), f"add {title}").tree
    (key,) = tree.roots
    answer = ask(tree, "break it down", Mode.TASK, key)
    assert titles(answer.tree, key)[0] == first_step


@pytest.mark.parametrize(
    "message",
    ["break this down", "Break it down into subtasks please.", "decompose", "split into steps", "", "  ",
     "break down this task", "subtasks", "split this into smaller tasks"],
)
def test_the_ways_of_asking_for_a_breakdown_in_task_mode(message):
    answer = ask(flat_tree(), message, Mode.TASK, "T1")
    assert len(answer.tree.children["T1"]) == 5


def test_break_down_a_named_task_from_project_mode_and_its_child_from_task_mode():
    tree = flat_tree()
    assert len(ask(tree, "break down T2").tree.children["T2"]) == 5
    assert len(ask(tree, "decompose the last task").tree.children["T5"]) == 5
    assert "Name the task to break down" in refused(tree, "break this down")
    deeper = ask(tree, "break this down", Mode.TASK, "T2").tree
    child = deeper.children["T2"][0]
    assert 3 <= len(ask(deeper, f"break down {child}", Mode.TASK, "T2").tree.children[child]) <= 7


def test_decomposition_works_at_every_depth_down_to_the_limit():
    tree = deep_tree()
    for key in ("T1", "T2", "T3", "T4"):
        answer = ask(tree, "break this down", Mode.TASK, key)
        new = [child for child in answer.tree.children[key] if child not in tree]
        assert 3 <= len(new) <= 7
        assert all(answer.tree.depth(child) == tree.depth(key) + 1 <= MAX_DEPTH for child in new)
    assert tree.depth("T5") == MAX_DEPTH
    reason = refused(tree, "break this down", Mode.TASK, "T5")
    assert "depth 5" in reason and "cannot have sub-tasks" in reason


def test_recursive_decomposition_from_a_fresh_goal_to_the_deepest_level():
    tree = scaffolded()
    focus = tree.roots[0]
    while tree.depth(focus) < MAX_DEPTH:
        tree = ask(tree, "break this down", Mode.TASK, focus).tree
        focus = tree.children[focus][0]
    assert tree.depth(focus) == MAX_DEPTH
    refused(tree, "break this down", Mode.TASK, focus)


def test_breaking_down_twice_adds_only_what_is_missing():
    tree = ask(flat_tree(), "break this down", Mode.TASK, "T4").tree
    assert "already has" in refused(tree, "break this down", Mode.TASK, "T4")
    first = tree.children["T4"][0]
    trimmed = ask(tree, f"delete {first}", Mode.TASK, "T4").tree
    again = ask(trimmed, "break this down", Mode.TASK, "T4")
    assert len(again.ops) == 1 and titles(again.tree, "T4")[-1] == "Clarify the scope of the delta"


def test_sub_tasks_inherit_the_parents_priority_and_start_as_todo():
    tree = flat_tree()
    answer = ask(tree, "break this down", Mode.TASK, "T5")
    for key in answer.tree.children["T5"]:
        assert answer.tree[key].priority == tree["T5"].priority
        assert answer.tree[key].status is Status.TODO


def _every_playbook_title() -> list[str]:
    from taskforge.agent.offline.playbooks import playbooks

    found = []
    for book in playbooks():
        for task in book.tasks:
            found += [task.title, *(step.title for step in task.steps)]
    return list(dict.fromkeys(found))


# What the generic breakdowns used to write: a verb glued onto a verb phrase or a preposition.
_CLUMSY = [
    r"^(?:Clarify the scope of|Design|Implement|Test|Document and release|Outline|Draft|Publish|Review and revise|"
    r"Frame the questions about|Collect evidence on|Gather the requirements for|Sketch options for|"
    r"List the cases to test for|Prepare the release of|Release|Monitor) (?:the )?(?:{verbs})(?:,| (?:the|a|an|our)\b)",
    r"\b(?:of|for|on|about) (?:the )?(?:to|down|up|out|over|across|against|with|and)\b",
    r"\bthe (?:the|a|an|our)\b",
]


def test_every_playbook_title_breaks_down_into_titles_a_person_would_write():
    """Decompose every deliverable and step title of every shipped playbook with the generic breakdowns."""
    import re

    from taskforge.agent.offline.edits import _about
    from taskforge.agent.offline.playbooks import ACTION_VERBS, choose_breakdown

    verbs = "|".join(sorted(ACTION_VERBS | {"build", "create", "add", "implement", "develop"}))
    clumsy = [re.compile(pattern.replace("{verbs}", verbs), re.I) for pattern in _CLUMSY]
    bad = []
    for title in [*_every_playbook_title(), "Agree the goals and format", "Admin dashboard for managing users",
                  "Documentation", "Rate limiting", "Release notes", "Load testing", "Go live"]:
        breakdown, subject = choose_breakdown(title)
        written = [_about(step.title, subject, title) for step in breakdown.steps]
        written = [step for step in written if step.casefold() != title.casefold()]  # decompose skips those
        bad += [f"{title!r} → {step!r}" for step in written if any(pattern.search(step) for pattern in clumsy)]
        assert len(written) >= 3, title
    assert not bad, "\n".join(bad)
