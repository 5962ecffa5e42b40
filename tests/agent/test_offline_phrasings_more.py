"""More of what a new user says to the offline planner (issue 18, part 1): sub-tasks named parent first,
acceptance criteria, dependencies undone, nesting, starting work, tags, swapping, clearing an estimate,
unblocking and reopening, and questions about the plan.

Every phrasing runs on a fresh project planned from "Build a new user authentication flow" (T1 “Design the
sign-up and login journeys”, T2 “Build account storage and password handling” → T1, T3 “Implement login,
sessions and logout” → T2, T4 “Add password reset and two-factor authentication” → T3, T5 “Security-test,
monitor and roll out” → T3, T4; the playbook may add a sixth, the documentation) and asserts the exact patch proposed: each operation, its target and the
fields it sets (for new tasks, the fields the user named: title and place). Tasks are named by key, by
ordinal and by words of their title in each group.
"""

from __future__ import annotations

import functools

import pytest

from taskforge.core.tree import Tree
from tests.agent.test_offline_support import ask, proposed_on, refused, scaffolded

GOAL = "Build a new user authentication flow"


@functools.cache
def _fresh() -> Tree:
    tree = scaffolded(GOAL)
    assert [(key, tree[key].title, tree[key].depends_on) for key in tree.roots[:5]] == [
        ("T1", "Design the sign-up and login journeys", []),
        ("T2", "Build account storage and password handling", ["T1"]),
        ("T3", "Implement login, sessions and logout", ["T2"]),
        ("T4", "Add password reset and two-factor authentication", ["T3"]),
        ("T5", "Security-test, monitor and roll out", ["T3", "T4"]),
    ]
    return tree


def fresh() -> Tree:
    return _fresh().copy()


def after(*messages: str) -> Tree:
    """The fresh project with `messages` applied one after another."""
    tree = fresh()
    for message in messages:
        answer = ask(tree, message)
        assert answer.understood, answer.rationale
        tree = answer.tree
    return tree


def proposed(message: str, tree: Tree | None = None) -> list[tuple]:
    """The patch the planner proposes, as (op, target, fields) in order."""
    return proposed_on(tree or fresh(), message)


def added(*titles: str, parent: str | None = None) -> list[tuple]:
    return [("create", f"new-{n}", {"parent_task_id": parent, "title": title}) for n, title in enumerate(titles, 1)]


def criteria_of(key: str, *new: str) -> list[tuple]:
    return [("update", key, {"acceptance_criteria": [*_fresh()[key].acceptance_criteria, *new]})]


def tags_of(key: str, tags: list[str]) -> list[tuple]:
    return [("update", key, {"tags": tags})]


T1_STARTED = [("update", "T1", {"status": "doing"})]
T2_STARTED = [("update", "T2", {"status": "doing"})]
T2_FREED = [("update", "T2", {"depends_on": []})]
NO_ESTIMATE_T5 = [("update", "T5", {"estimate_minutes": None})]


# -- 1. a sub-task with its parent named first --------------------------------------------------------------

SUBTASKS = [
    ("add a subtask to T2 called Hash passwords", added("Hash passwords", parent="T2")),
    ("add a sub-task under the accounts task: Hash passwords", added("Hash passwords", parent="T2")),
    ("add Hash passwords as a subtask of T2", added("Hash passwords", parent="T2")),
    ("add a subtask to the second task called Hash passwords", added("Hash passwords", parent="T2")),
    ("add a task to T2 called Hash passwords", added("Hash passwords", parent="T2")),
    ("give T2 a subtask called Hash passwords", added("Hash passwords", parent="T2")),
    ("add a step to the rollout: Canary release", added("Canary release", parent="T5")),
    ("add subtasks to T2: Hash passwords, Rate limit logins",
     added("Hash passwords", "Rate limit logins", parent="T2")),
    ("we need a subtask under T2: Hash passwords", added("Hash passwords", parent="T2")),
    ("we also need a step for the rollout called Canary release", added("Canary release", parent="T5")),
]

# -- 2. acceptance criteria ------------------------------------------------------------------------------------

CRITERIA = [
    ("add acceptance criterion to T1: Designs approved", criteria_of("T1", "Designs approved")),
    ("T1 is done when designs are approved", criteria_of("T1", "Designs are approved")),
    ("add a criterion to the rollout: no one locked out", criteria_of("T5", "No one locked out")),
    ("add “Designs approved” as an acceptance criterion for the first task", criteria_of("T1", "Designs approved")),
    ("add Designs approved to T1's acceptance criteria", criteria_of("T1", "Designs approved")),
    ("the rollout is done when no one is locked out", criteria_of("T5", "No one is locked out")),
    ("definition of done for T5: dashboards are green", criteria_of("T5", "Dashboards are green")),
    ('add acceptance criteria for the journeys: "Designs approved"; "Copy reviewed"',
     criteria_of("T1", "Designs approved", "Copy reviewed")),
]

# -- 3. a dependency undone ------------------------------------------------------------------------------------

UNDEPEND = [
    ("remove the dependency between T2 and T1", T2_FREED),
    ("remove the dependency between the first task and the second", T2_FREED),
    ("T2 doesn't depend on T1 anymore", T2_FREED),
    ("remove T1 from T2's dependencies", T2_FREED),
    ("the accounts task doesn't need to wait for the journeys any more", T2_FREED),
    ("T2 can start without T1", T2_FREED),
    ("remove T2's dependency on T1", T2_FREED),
    ("unlink T2 from T1", T2_FREED),
    ("T2 is independent of T1", T2_FREED),
    ("clear the rollout's dependencies", [("update", "T5", {"depends_on": []})]),
    ("remove the dependency between T5 and the fourth task", [("update", "T5", {"depends_on": ["T3"]})]),
]

# -- 4. nesting ---------------------------------------------------------------------------------------------------

NEST = [
    ("make T3 a subtask of T2", [("update", "T3", {"parent_task_id": "T2", "position": 0})]),
    ("make the rollout a child of T3", [("update", "T5", {"parent_task_id": "T3", "position": 0})]),
    ("nest T4 under T3", [("update", "T4", {"parent_task_id": "T3", "position": 0})]),
    ("make the fifth task a subtask of the first", [("update", "T5", {"parent_task_id": "T1", "position": 0})]),
    ("T4 should be under T3", [("update", "T4", {"parent_task_id": "T3", "position": 0})]),
    ("the password reset belongs under T3", [("update", "T4", {"parent_task_id": "T3", "position": 0})]),
    ("T4 is a subtask of the third task", [("update", "T4", {"parent_task_id": "T3", "position": 0})]),
]

# -- 5. starting work --------------------------------------------------------------------------------------------

STARTED = [
    ("I'm working on T2", T2_STARTED),
    ("start T2", T2_STARTED),
    ("started the journeys", T1_STARTED),
    ("I am working on the second task", T2_STARTED),
    ("we're on the accounts task now", T2_STARTED),
    ("I've started on T1", T1_STARTED),
]

# -- 6. tags ----------------------------------------------------------------------------------------------------

TAGS = [
    ("tag T2 with api", tags_of("T2", ["backend", "security", "api"])),
    ("add the tag performance to T3", tags_of("T3", ["backend", "frontend", "performance"])),
    ("untag T2 backend", tags_of("T2", ["security"])),
    ("tag the rollout with release", tags_of("T5", ["qa", "ops", "release"])),
    ("tag the second task as needs review", tags_of("T2", ["backend", "security", "needs-review"])),
    ("add the api tag to the accounts task", tags_of("T2", ["backend", "security", "api"])),
    ("remove the tag backend from the second task", tags_of("T2", ["security"])),
    ("untag ops from the rollout", tags_of("T5", ["qa"])),
    ("T5 isn't tagged qa anymore", tags_of("T5", ["ops"])),
    ("clear the tags of T2", tags_of("T2", [])),
    ("T3 is tagged api and performance", tags_of("T3", ["backend", "frontend", "api", "performance"])),
]

# -- 7. swapping siblings ----------------------------------------------------------------------------------------

SWAP = [
    ("swap T2 and T3", [("update", "T2", {"parent_task_id": None, "position": 2})]),
    ("swap the first two tasks", [("update", "T1", {"parent_task_id": None, "position": 1})]),
    ("swap the journeys with the rollout", [("update", "T5", {"parent_task_id": None, "position": 0}),
                                            ("update", "T1", {"parent_task_id": None, "position": 4})]),
    ("switch T5 and T4 around", [("update", "T4", {"parent_task_id": None, "position": 4})]),
    ("swap T4 and the second task", [("update", "T4", {"parent_task_id": None, "position": 1}),
                                     ("update", "T2", {"parent_task_id": None, "position": 3})]),
]


@pytest.mark.parametrize(("message", "order"), [
    ("swap T2 and T3", ["T1", "T3", "T2", "T4", "T5"]),
    ("swap T5 and T1", ["T5", "T2", "T3", "T4", "T1"]),
    ("swap T2 and T4", ["T1", "T4", "T3", "T2", "T5"]),
])
def test_a_swap_trades_exactly_two_places(message, order):
    assert after(message).roots[:5] == order


# -- 8. no estimate ----------------------------------------------------------------------------------------------

NO_ESTIMATE = [
    ("T5 has no estimate", NO_ESTIMATE_T5),
    ("clear the estimate of T5", NO_ESTIMATE_T5),
    ("remove the estimate from the rollout", NO_ESTIMATE_T5),
    ("the fifth task doesn't have an estimate", NO_ESTIMATE_T5),
    ("unestimate T5", NO_ESTIMATE_T5),
    ("drop the rollout's estimate", NO_ESTIMATE_T5),
    ("T5 estimate: none", NO_ESTIMATE_T5),
    ("clear the estimates of T4 and T5", [("update", "T4", {"estimate_minutes": None}), *NO_ESTIMATE_T5]),
]

# -- more of the same spirit: priority, renaming, top level ---------------------------------------------------------

MORE = [
    ("priority of T2 is critical", [("update", "T2", {"priority": "critical"})]),
    ("priority of the rollout is low", [("update", "T5", {"priority": "low"})]),
    ("T2 priority critical", [("update", "T2", {"priority": "critical"})]),
    ("give the journeys low priority", [("update", "T1", {"priority": "low"})]),
    ("rename T2: Accounts", [("update", "T2", {"title": "Accounts"})]),
    ("rename the rollout: Launch", [("update", "T5", {"title": "Launch"})]),
    ("call T2 Accounts", [("update", "T2", {"title": "Accounts"})]),
    ("call the rollout Launch", [("update", "T5", {"title": "Launch"})]),
    ("the second task should be called Accounts", [("update", "T2", {"title": "Accounts"})]),
]


def _t1_criteria(*kept: int) -> list[tuple]:
    current = _fresh()["T1"].acceptance_criteria
    return [("update", "T1", {"acceptance_criteria": [current[n] for n in kept]})]


# -- and what probing turned up -----------------------------------------------------------------------------------

PROBED = [
    ("add a subtask to T2 for hashing passwords", added("Hashing passwords", parent="T2")),
    ("add to T2 a subtask called Hash passwords", added("Hash passwords", parent="T2")),
    ("add 2 subtasks to T2: Hash passwords and Rate limit logins",
     added("Hash passwords", "Rate limit logins", parent="T2")),
    ("add a criterion to T1 that designs are approved", criteria_of("T1", "Designs are approved")),
    ("T1 should be done when designs are approved", criteria_of("T1", "Designs are approved")),
    ("remove the criterion “Product signs off the copy” from T1", _t1_criteria(0, 1)),
    ("remove criterion 2 from the first task", _t1_criteria(0, 2)),
    ("drop the last criterion from the journeys", _t1_criteria(0, 1)),
    ("clear the acceptance criteria of T1", _t1_criteria()),
    ("set the tags of T2 to api, db", tags_of("T2", ["api", "db"])),
    ("the accounts task's tags are api and db", tags_of("T2", ["api", "db"])),
    ("T2 depends on nothing", T2_FREED),
    ("make T4 depend on T2 instead of T3", [("update", "T4", {"depends_on": ["T2"]})]),
    ("make the rollout depend on T2 instead of the fourth task", [("update", "T5", {"depends_on": ["T3", "T2"]})]),
    ("estimate for T2: 3 days", [("update", "T2", {"estimate_minutes": 1440})]),
    ("begin work on T2", T2_STARTED),
    ("T2 needs a subtask to hash passwords", added("Hash passwords", parent="T2")),
    ("add to T1's acceptance criteria: Designs approved", criteria_of("T1", "Designs approved")),
    ("T1 needs an acceptance criterion: Designs approved", criteria_of("T1", "Designs approved")),
    ("the journeys' criteria should include designs approved", criteria_of("T1", "Designs approved")),
    ("T1 acceptance criteria: designs approved", criteria_of("T1", "Designs approved")),
    ("drop the dependency T2 → T1", T2_FREED),
    ("delete the link from the accounts task to the journeys", T2_FREED),
    ("T2 doesn't need T1 anymore", T2_FREED),
    ("working on the second task", T2_STARTED),
    ("T2 should have the tag api", tags_of("T2", ["backend", "security", "api"])),
    ("T2 and T3 should swap places", [("update", "T2", {"parent_task_id": None, "position": 2})]),
    ("T5: no estimate", NO_ESTIMATE_T5),
    ("add a subtask to the rollout for a canary release", added("A canary release", parent="T5")),
    ("the rollout is blocked until the second task is done", [("update", "T5", {"depends_on": ["T3", "T4", "T2"]})]),
    ("add criterion Designs approved to T1", criteria_of("T1", "Designs approved")),
    ("T1 acceptance: designs approved", criteria_of("T1", "Designs approved")),
    ("under T2, add Hash passwords", added("Hash passwords", parent="T2")),
    ("in the rollout add a subtask called Canary release", added("Canary release", parent="T5")),
    ("T2 should have a subtask Hash passwords", added("Hash passwords", parent="T2")),
    ("put a new subtask Hash passwords under T2", added("Hash passwords", parent="T2")),
    ("remove T2 dependency on T1", T2_FREED),
    ("set the acceptance criteria of T1 to Designs approved; Copy reviewed",
     [("update", "T1", {"acceptance_criteria": ["Designs approved", "Copy reviewed"]})]),
    ("give T2 the tag api", tags_of("T2", ["backend", "security", "api"])),
    ("the rollout should start after the second task", [("update", "T5", {"depends_on": ["T3", "T4", "T2"]})]),
]


@pytest.mark.parametrize(("message", "expected"),
                         [*SUBTASKS, *CRITERIA, *UNDEPEND, *NEST, *STARTED, *TAGS, *SWAP, *NO_ESTIMATE, *MORE, *PROBED])
def test_phrasing_proposes_the_exact_patch(message, expected):
    assert proposed(message) == expected


# -- on a project that has moved on ------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["reopen T1", "T1 isn't done yet", "the journeys are not done after all",
                                     "reopen the first task"])
def test_reopening_a_done_task(message):
    assert proposed(message, after("mark T1 done")) == [("update", "T1", {"status": "todo"})]


@pytest.mark.parametrize("message", ["unblock T3", "T3 is not blocked anymore", "T3 isn't blocked any more",
                                     "unblock the third task", "the login sessions are unblocked"])
def test_unblocking_a_blocked_task(message):
    assert proposed(message, after("mark T3 blocked")) == [("update", "T3", {"status": "todo"})]


def test_stopping_work_puts_a_task_back_to_todo():
    assert proposed("stop working on T2", after("start T2")) == [("update", "T2", {"status": "todo"})]


def test_a_criterion_that_is_not_there_is_listed_with_the_others():
    reply = refused(fresh(), "remove the criterion nonsense from T1")
    assert "T1 has no acceptance criterion “Nonsense”" in reply and "2. Threat model reviewed by security" in reply


def test_unblocking_a_task_in_progress_leaves_it_alone():
    reply = refused(after("start T3"), "unblock T3")
    assert "T3 is not blocked (it is doing)" in reply


def test_nesting_back_to_the_top_level():
    tree = after("make T3 a subtask of T2")
    assert proposed("make T3 a top-level task", tree) == [("update", "T3", {"parent_task_id": None, "position": 2})]


def test_swapping_tasks_at_different_levels_says_why_and_proposes_nothing():
    reply = refused(after("make T3 a subtask of T2"), "swap T3 and T4")
    assert "T3 is under T2 and T4 is at the top level" in reply and "Nothing was changed" in reply


def test_a_swap_needs_two_tasks():
    assert "a swap needs two tasks" in refused(fresh(), "swap T2").lower()


def test_a_criterion_already_there_is_not_added_twice():
    tree = after("add acceptance criterion to T1: Designs approved")
    assert "already has that acceptance criterion" in refused(tree, "T1 is done when designs approved")


def test_clearing_an_estimate_twice_says_so():
    assert "no estimate already" in refused(after("T5 has no estimate"), "clear the estimate of T5")


def test_a_tag_already_there_says_so():
    assert "already has backend" in refused(fresh(), "tag T2 with backend")


# -- ambiguity and names that match nothing: ask or say so, propose nothing -------------------------------------

@pytest.mark.parametrize(
    "message",
    [
        "add a subtask to the login called Hash passwords",
        "add a criterion to the login: works",
        "make the login a subtask of T2",
        "I'm working on the login",
        "tag the login with api",
        "swap the login and T2",
        "clear the estimate of the login",
        "rename the login Sign in",
        "remove the dependency between the login and T2",
    ],
)
def test_two_equally_good_matches_ask_which(message):
    reply = refused(fresh(), message)
    assert "T1 “" in reply and "T3 “" in reply and "Which one?" in reply and "nothing was changed" in reply


@pytest.mark.parametrize(
    "message",
    [
        "add a subtask to the frobnicator called X",
        "add acceptance criterion to the frobnicator: works",
        "tag the frobnicator with api",
        "the frobnicator has no estimate",
    ],
)
def test_a_name_matching_nothing_says_so(message):
    reply = refused(fresh(), message)
    assert "“the frobnicator”" in reply and "T5 “Security-test, monitor and roll out”" in reply
    assert "nothing was changed" in reply


@pytest.mark.parametrize("message", ["make T9 a subtask of T2", "swap T2 and T9", "tag T9 with api",
                                     "I'm working on T9", "T9 has no estimate"])
def test_a_key_that_does_not_exist_says_so(message):
    assert "There is no task T9" in refused(fresh(), message)


@pytest.mark.parametrize(("message", "title"), [("add a task to write docs: overview", "Write docs: overview"),
                                                ("add a task for writing docs for admins", "Writing docs for admins")])
def test_a_plain_task_whose_title_reads_like_a_place_is_still_a_title(message, title):
    assert proposed(message) == added(title)


# -- questions: answered, nothing proposed ----------------------------------------------------------------------

@pytest.mark.parametrize("message", ["what's left", "What is left?", "what remains", "status",
                                     "what do we have left", "how are we doing?", "show me the plan"])
def test_whats_left_lists_the_open_tasks(message):
    reply = refused(after("mark T1 done"), message)
    count = len(fresh())
    assert f"{count - 1} of {count} tasks are not done" in reply and "T2 “Build account storage and password handling” (todo)" in reply
    assert "T1 “" not in reply and "Without a model I understand" not in reply


@pytest.mark.parametrize("message", ["what's next", "what should I work on next?"])
def test_whats_next_names_the_task_to_start(message):
    reply = refused(after("mark T1 done"), message)
    assert "Do T2 “Build account storage and password handling” next" in reply and "start T2" in reply


def test_the_help_text_mentions_the_new_forms():
    reply = refused(fresh(), "hello there")
    for example in ("add a subtask to T2 called Hash passwords", "add acceptance criterion to T1",
                    "tag T2 with backend", "swap T2 and T3", "make T5 a subtask of T2", "I'm working on T2",
                    "clear the estimate of T3", "remove the dependency between T7 and T6", "what's left?"):
        assert example in reply
