"""Tasks named the way people name them, and additions said the way people say them (issue 18, part 1).

Every phrasing runs on a fresh project from "Build a new user authentication flow" (T1 “Design the sign-up
and login journeys”, T2 “Build account storage and password handling”, T3 “Implement login, sessions and
logout”, T4 “Add password reset and two-factor authentication”, T5 “Security-test, monitor and roll out”,
T6 “Write the user and support documentation”, which waits for T3), untouched, as a new user would meet
it, and asserts the exact patch proposed:
each operation, its target and the fields it sets (for new tasks, the fields the user named: title and
place; their description and criteria come from the topic library, asserted elsewhere).
"""

from __future__ import annotations

import functools

import pytest

from taskforge.core.models import Mode
from taskforge.core.tree import Tree
from tests.agent.test_offline_support import ask, proposed_on, refused, scaffolded

GOAL = "Build a new user authentication flow"


@functools.cache
def _project() -> Tree:
    tree = scaffolded(GOAL)
    assert [tree[key].title for key in tree.roots] == [
        "Design the sign-up and login journeys",
        "Build account storage and password handling",
        "Implement login, sessions and logout",
        "Add password reset and two-factor authentication",
        "Security-test, monitor and roll out",
        "Write the user and support documentation",
    ]
    return tree


def project() -> Tree:
    return _project().copy()


def proposed(message: str, tree: Tree | None = None) -> list[tuple]:
    """The patch the planner proposes, as (op, target, fields) in order."""
    return proposed_on(tree or project(), message)


DELETE_DOCS = [("delete", "T6", {})]
DOCS_AFTER_ROLLOUT = [("update", "T6", {"depends_on": ["T3", "T5"]})]  # it already waits for T3


def added(title: str, parent: str | None = None, position: int | None = None) -> list[tuple]:
    fields = {"parent_task_id": parent, "title": title}
    if position is not None:
        fields["position"] = position
    return [("create", "new-1", fields)]


# -- the issue's own examples, verbatim ---------------------------------------------------------------

ISSUE_EXAMPLES = [
    ("remove the documentation task", DELETE_DOCS),
    ("make documentation depend on the rollout", DOCS_AFTER_ROLLOUT),
    ("I think we also need an admin dashboard for managing users", added("Admin dashboard for managing users")),
    ("push T4 after T5", [("update", "T4", {"parent_task_id": None, "position": 4})]),
]

DELETE = [
    ("Remove the documentation task.", DELETE_DOCS),
    ("please delete the docs", DELETE_DOCS),
    ("can you remove documentation?", DELETE_DOCS),
    ("delete docs task", DELETE_DOCS),
    ("get rid of the documentation one", DELETE_DOCS),
    ("Remove The Documentation Task!!", DELETE_DOCS),
    ("Can you please remove the documentation task?", DELETE_DOCS),
    ("drop the docs, thanks", DELETE_DOCS),
    ("delete the Security-test one", [("delete", "T5", {})]),
    ("remove the monitoring", [("delete", "T5", {})]),
    ("remove the testing", [("delete", "T5", {})]),
    ("delete the rollout", [("delete", "T5", {})]),
    ("get rid of docs", DELETE_DOCS),
    ("kill the docs", DELETE_DOCS),
    ("we need to remove the docs", DELETE_DOCS),
    ("delete the task about documentation", DELETE_DOCS),
    ("remove the task called Documentation", DELETE_DOCS),
    ("nuke docs", DELETE_DOCS),
    ("we don't need the docs anymore", DELETE_DOCS),
    ("drop documentation from the plan", DELETE_DOCS),
    ("take out the documentation task", DELETE_DOCS),
    ("the docs aren't needed", DELETE_DOCS),
    ("delete the docs", DELETE_DOCS),
    ("remove docs", DELETE_DOCS),
    ("remove the user documentation", DELETE_DOCS),
    ("we don't need documentation", DELETE_DOCS),
    ("skip the documentation", DELETE_DOCS),
    ("we can skip the docs", DELETE_DOCS),
    ("leave out the docs", DELETE_DOCS),
    ("we can do without documentation", DELETE_DOCS),
    ("remove the sessions task", [("update", "T4", {"depends_on": []}), ("update", "T5", {"depends_on": ["T4"]}),
                                   ("update", "T6", {"depends_on": []}), ("delete", "T3", {})]),
]

DEPEND = [
    ("Make the docs depend on the rollout please", DOCS_AFTER_ROLLOUT),
    ("documentation depends on the rollout", DOCS_AFTER_ROLLOUT),
    ("the docs should wait for the rollout", DOCS_AFTER_ROLLOUT),
    ("docs need the rollout", DOCS_AFTER_ROLLOUT),
    ("the documentation task comes after the roll out", DOCS_AFTER_ROLLOUT),
    ("the docs can only start after the rollout", DOCS_AFTER_ROLLOUT),
    ("the rollout has to happen before the docs", DOCS_AFTER_ROLLOUT),
    ("do the rollout before the docs", DOCS_AFTER_ROLLOUT),
    ("the docs have to wait until the rollout is done", DOCS_AFTER_ROLLOUT),
    ("docs is blocked on the rollout", DOCS_AFTER_ROLLOUT),
    ("documentation should come after the rollout", DOCS_AFTER_ROLLOUT),
    ("the docs should come after the rollout", DOCS_AFTER_ROLLOUT),
    ("the docs should come after the rollout is done", DOCS_AFTER_ROLLOUT),
    ("make docs depend on rollout", DOCS_AFTER_ROLLOUT),
    ("the docs depend on the rollout", DOCS_AFTER_ROLLOUT),
    ("documentation is blocked by the rollout", DOCS_AFTER_ROLLOUT),
    ("T6 depends on T5", DOCS_AFTER_ROLLOUT),
    ("docs need to wait for T5", DOCS_AFTER_ROLLOUT),
    ("docs can't start until the rollout is done", DOCS_AFTER_ROLLOUT),
    ("documentation can't start before the rollout", DOCS_AFTER_ROLLOUT),
    ("the docs cannot begin until the rollout has been completed", DOCS_AFTER_ROLLOUT),
    ("we can't start the docs until the rollout is done", DOCS_AFTER_ROLLOUT),
    ("docs should be done after the rollout", DOCS_AFTER_ROLLOUT),
    ("the documentation should happen after rollout", DOCS_AFTER_ROLLOUT),
    ("docs should start after the rollout is finished", DOCS_AFTER_ROLLOUT),
    ("docs should wait until after the rollout", DOCS_AFTER_ROLLOUT),
    ("make documentation dependent on the rollout", DOCS_AFTER_ROLLOUT),
    ("documentation is dependent on the rollout", DOCS_AFTER_ROLLOUT),
    ("the rollout can't start until the docs are done", [("update", "T5", {"depends_on": ["T3", "T4", "T6"]})]),
    ("the rollout is blocked by the docs", [("update", "T5", {"depends_on": ["T3", "T4", "T6"]})]),
    ("make the docs depend on the password reset and the rollout", [("update", "T6", {"depends_on": ["T3", "T4", "T5"]})]),
]

MOVE = [
    ("push the password reset after the rollout", [("update", "T4", {"parent_task_id": None, "position": 4})]),
    ("move the rollout before the login journeys", [("update", "T5", {"parent_task_id": None, "position": 0})]),
    ("move docs under the rollout", [("update", "T6", {"parent_task_id": "T5", "position": 0})]),
    ("move the docs after the password reset", [("update", "T6", {"parent_task_id": None, "position": 4})]),
    ("move the rollout up", [("update", "T5", {"parent_task_id": None, "position": 3})]),
    ("push T4 below T5", [("update", "T4", {"parent_task_id": None, "position": 4})]),
    ("push T4 after the rollout", [("update", "T4", {"parent_task_id": None, "position": 4})]),
    ("move T4 after T5", [("update", "T4", {"parent_task_id": None, "position": 4})]),
    ("put documentation at the top", [("update", "T6", {"parent_task_id": None, "position": 0})]),
    ("move the docs to the top.", [("update", "T6", {"parent_task_id": None, "position": 0})]),
    ("Could you move the documentation task before the rollout?",
     [("update", "T6", {"parent_task_id": None, "position": 4})]),
]

RENAME = [
    ("rename the docs to User guide", [("update", "T6", {"title": "User guide"})]),
    ("rename the documentation task to User guide", [("update", "T6", {"title": "User guide"})]),
    ('call the rollout "Launch"', [("update", "T5", {"title": "Launch"})]),
    ("change the docs title to Handbook", [("update", "T6", {"title": "Handbook"})]),
    ("rename docs -> Handbook", [("update", "T6", {"title": "Handbook"})]),
    ("change the title of the account storage task to Accounts", [("update", "T2", {"title": "Accounts"})]),
]

MARK = [
    ("mark the rollout done", [("update", "T5", {"status": "done"})]),
    ("the documentation is done", [("update", "T6", {"status": "done"})]),
    ("mark docs as in progress", [("update", "T6", {"status": "doing"})]),
    ("start the docs", [("update", "T6", {"status": "doing"})]),
    ("finish the rollout!", [("update", "T5", {"status": "done"})]),
    ("the rollout is blocked", [("update", "T5", {"status": "blocked"})]),
    ("the two-factor one is done", [("update", "T4", {"status": "done"})]),
    ("docs are done", [("update", "T6", {"status": "done"})]),
    ("the docs task is finished", [("update", "T6", {"status": "done"})]),
    ("the account storage one is done", [("update", "T2", {"status": "done"})]),
    ("I finished the docs", [("update", "T6", {"status": "done"})]),
    ("docs done", [("update", "T6", {"status": "done"})]),
    ("done with the docs", [("update", "T6", {"status": "done"})]),
    ("we started the rollout", [("update", "T5", {"status": "doing"})]),
    ("I've just completed the rollout", [("update", "T5", {"status": "done"})]),
]

ESTIMATE = [
    ("estimate the docs at 3 days", [("update", "T6", {"estimate_minutes": 1440})]),
    ("docs will take 4 days", [("update", "T6", {"estimate_minutes": 1920})]),
    ("the rollout should take a week", [("update", "T5", {"estimate_minutes": 2400})]),
    ("estimate documentation at 2 weeks", [("update", "T6", {"estimate_minutes": 4800})]),
    ("give the docs 3 days", [("update", "T6", {"estimate_minutes": 1440})]),
    ("allow 4 days for docs", [("update", "T6", {"estimate_minutes": 1920})]),
    ("I spent 3 hours on documentation", [("update", "T6", {"actual_minutes": 180})]),
    ("log 3 hours on the docs", [("update", "T6", {"actual_minutes": 180})]),
    ("spent 2 hours on the rollout", [("update", "T5", {"actual_minutes": 120})]),
]

PRIORITY = [
    ("set the priority of the docs to high", [("update", "T6", {"priority": "high"})]),
    ("the rollout is critical", [("update", "T5", {"priority": "critical"})]),
    ("make the docs low priority", [("update", "T6", {"priority": "low"})]),
    ("prioritise the documentation", [("update", "T6", {"priority": "high"})]),
    ("set documentation priority to low", [("update", "T6", {"priority": "low"})]),
    ("bump the docs", [("update", "T6", {"priority": "high"})]),
    ("docs are low prio", [("update", "T6", {"priority": "low"})]),
    ("lower the priority of the docs", [("update", "T6", {"priority": "low"})]),
    ("make the docs a priority", [("update", "T6", {"priority": "high"})]),
    ("drop the priority of the docs", [("update", "T6", {"priority": "low"})]),
]

DESCRIBE = [
    ("describe the docs as Written for support staff",
     [("update", "T6", {"description": "Written for support staff."})]),
]

COMBINE_AND_SPLIT = [
    ("split the docs into user guide and admin guide", [
        ("create", "part-1", {"parent_task_id": None, "position": 5, "title": "User guide", "status": "todo",
                              "priority": "medium", "depends_on": ["T3"]}),
        ("create", "part-2", {"parent_task_id": None, "position": 6, "title": "Admin guide", "status": "todo",
                              "priority": "medium", "depends_on": ["T3"]}),
        ("delete", "T6", {}),
    ]),
]

BREAK_DOWN = [
    ("break down the rollout", [
        ("create", "step-1", {"parent_task_id": "T5", "title": "Write end-to-end tests for every journey",
                              "priority": "high", "depends_on": []}),
        ("create", "step-2", {"parent_task_id": "T5", "title": "Run a security review", "priority": "high",
                              "depends_on": []}),
        ("create", "step-3", {"parent_task_id": "T5", "title": "Monitor authentication events", "priority": "high",
                              "depends_on": ["step-1", "step-2"]}),
        ("create", "step-4", {"parent_task_id": "T5", "title": "Roll out to existing users", "priority": "high",
                              "depends_on": ["step-3"]}),
    ]),
]

ADD = [
    ("we also need an admin dashboard", added("Admin dashboard")),
    ("We also need an admin dashboard.", added("Admin dashboard")),
    ("don't forget rate limiting", added("Rate limiting")),
    ("Don't forget to add audit logging", added("Audit logging")),
    ("audit logging is missing", added("Audit logging")),
    ("Audit logging is still missing!", added("Audit logging")),
    ("we're missing a privacy review", added("Privacy review")),
    ("we still need email verification", added("Email verification")),
    ("there should be a privacy review", added("Privacy review")),
    ("what about account deletion?", added("Account deletion")),
    ("add a privacy review after the rollout", added("Privacy review", None, 5)),
    ("add load testing before the rollout", added("Load testing", None, 4)),
    ("Please add load testing before the rollout task.", added("Load testing", None, 4)),
    ("add API docs under documentation", added("API docs", "T6")),
    ("add a task to write docs", added("Write docs")),
    ("add a troubleshooting section to the docs", added("Troubleshooting section", "T6")),
    ("add a task to update the docs", added("Update the docs")),
    ("we also need a runbook after the rollout", added("Runbook", None, 5)),
    ("I think we should also have an audit log", added("Audit log")),
    ("we'll need a status page", added("Status page")),
    ("I think we're missing an onboarding tour", added("Onboarding tour")),
    ("we could also use a style guide", added("Style guide")),
    ("oh and we also need SSO", added("SSO")),
    ("the plan is missing a launch checklist", added("Launch checklist")),
    ("Don't forget about GDPR compliance", added("GDPR compliance")),
]

PHRASINGS = (ISSUE_EXAMPLES + DELETE + DEPEND + MOVE + RENAME + MARK + ESTIMATE + PRIORITY + DESCRIBE
             + COMBINE_AND_SPLIT + BREAK_DOWN + ADD)


def test_there_are_at_least_sixty_phrasings():
    assert len({message for message, _patch in PHRASINGS}) >= 60


@pytest.mark.parametrize(("message", "patch"), PHRASINGS, ids=[message for message, _ in PHRASINGS])
def test_phrasing_proposes_exactly(message, patch):
    assert proposed(message) == patch


def test_combine_by_title_words_keeps_the_later_task_in_the_first_ones_place():
    ops = proposed("combine the docs and the rollout")
    assert [(op, target) for op, target, _ in ops] == [("update", "T5"), ("delete", "T6")]
    assert ops[0][2]["title"] == "Write the user and support documentation and security-test, monitor and roll out"
    assert (ops[0][2]["parent_task_id"], ops[0][2]["position"]) == (None, 5)


def test_merge_by_title_words_into_a_named_task():
    ops = proposed("merge the docs into the rollout")
    assert [(op, target) for op, target, _ in ops] == [("update", "T5"), ("delete", "T6")]
    assert ops[0][2]["title"] == "Security-test, monitor and roll out and write the user and support documentation"


def test_the_issue_examples_one_after_another_on_the_untouched_project():
    tree = scaffolded(GOAL)
    assert proposed("remove the documentation task", tree) == DELETE_DOCS
    tree = ask(tree, "make documentation depend on the rollout").tree
    assert tree["T6"].depends_on == ["T3", "T5"]
    tree = ask(tree, "I think we also need an admin dashboard for managing users").tree
    assert tree["T7"].title == "Admin dashboard for managing users"
    tree = ask(tree, "push T4 after T5").tree
    assert tree.roots == ["T1", "T2", "T3", "T5", "T4", "T6", "T7"]
    tree = ask(tree, "remove the documentation task").tree
    assert "T6" not in tree and tree.roots == ["T1", "T2", "T3", "T5", "T4", "T7"]


def test_a_name_that_matches_no_task_says_so_and_lists_the_tasks():
    reply = refused(project(), "remove the marketing task")
    assert "“marketing”" in reply and "T6 “Write the user and support documentation”" in reply
    assert "Without a model I understand" not in reply  # not the list of commands


# -- ambiguity: ask, naming both, propose nothing ---------------------------------------------------


@pytest.mark.parametrize(
    ("message", "keys"),
    [
        ("delete the login", ("T1", "T3")),
        ("remove the login task", ("T1", "T3")),
        ("mark the password one done", ("T2", "T4")),
        ("move the password stuff after the rollout", ("T2", "T4")),
        ("make the login depend on the docs", ("T1", "T3")),
    ],
)
def test_two_equally_good_matches_ask_which(message, keys):
    reply = refused(project(), message)
    first, second = keys
    assert f"{first} “" in reply and f"{second} “" in reply and "Which one?" in reply
    assert "nothing was changed" in reply


def test_the_closer_match_wins_over_a_partial_one():
    tree = ask(project(), "add Write API documentation").tree  # T7 also says “write” and “documentation”
    assert proposed("remove the user documentation", tree) == DELETE_DOCS
    assert proposed("delete the API documentation", tree) == [("delete", "T7", {})]
    tree = ask(project(), "Add a task for documentation").tree  # T7 “Documentation” is named in full
    assert proposed("remove the documentation task", tree) == [("delete", "T7", {})]
    assert proposed("delete the support docs", tree) == DELETE_DOCS


def test_words_in_task_mode_stay_inside_the_focus():
    tree = ask(project(), "break down the rollout").tree
    answer = ask(tree, "mark the security review done", Mode.TASK, "T5")
    assert [(op.task_id, op.body.status.value) for op in answer.ops] == [("T8", "done")]
    assert "outside" in refused(tree, "mark the docs done", Mode.TASK, "T5")


@pytest.mark.parametrize("message", ["we use postgres", "we have the docs", "the docs look good", "hello there"])
def test_statements_that_ask_for_nothing_add_nothing(message):
    assert "Without a model I understand" in refused(project(), message)


def test_an_admin_dashboard_is_not_read_as_monitoring() -> None:
    """A dashboard for managing users is a product feature: it gets no alerting criteria or ops tag."""
    answer = ask(project(), "I think we also need an admin dashboard for managing users")
    body = answer.ops[0].body
    assert "ops" not in (body.tags or [])
    assert not any("alert" in criterion.lower() for criterion in body.acceptance_criteria or [])


def test_saying_what_the_plan_already_says_changes_nothing() -> None:
    tree = ask(project(), "estimate the docs at 3 days").tree
    again = ask(tree, "estimate the docs at 3 days")
    assert not again.understood and not again.ops
    assert "already says that" in again.rationale


def test_a_need_a_title_already_names_is_still_added_and_the_reply_points_at_that_task() -> None:
    answer = ask(project(), "we also need documentation")
    assert proposed("we also need documentation") == added("Documentation")
    assert "already has T6 “Write the user and support documentation”" in answer.rationale
    assert "already has" not in ask(project(), "I think we also need an admin dashboard for managing users").rationale
    assert "already has" not in ask(project(), "Add a task for documentation").rationale  # said outright: no note
