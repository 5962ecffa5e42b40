"""What a new user types that the offline planner used to answer with the list of commands (issue 18, part 1):
commands said after the task ("T2: add subtask X"), questions about a task and about how long the rest takes,
orders said as "X blocks Y" / "X then Y", positions, notes, typos and messages of several sentences.

Every phrasing runs on a fresh project planned from "Build a new user authentication flow" (T1 “Design the
sign-up and login journeys”, T2 “Build account storage and password handling” → T1, T3 “Implement login,
sessions and logout” → T2, T4 “Add password reset and two-factor authentication” → T3, T5 “Security-test,
monitor and roll out” → T3, T4, T6 “Write the user and support documentation” → T3) and asserts the exact
patch proposed, or the exact answer and that nothing was proposed.
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
    assert [(key, tree[key].depends_on, tree[key].estimate_minutes) for key in tree.roots] == [
        ("T1", [], 2400), ("T2", ["T1"], 3840), ("T3", ["T2"], 3840), ("T4", ["T3"], 3840),
        ("T5", ["T3", "T4"], 2880), ("T6", ["T3"], 2400),
    ]
    return tree


def project() -> Tree:
    return _project().copy()


def proposed(message: str, tree: Tree | None = None) -> list[tuple]:
    return proposed_on(tree or project(), message)


def sub_task(title: str, parent: str = "T2") -> list[tuple]:
    return [("create", "new-1", {"parent_task_id": parent, "title": title})]


def update(key: str, **fields) -> list[tuple]:
    return [("update", key, fields)]


DOCS_AFTER_ROLLOUT = update("T6", depends_on=["T3", "T5"])
DELETE_DOCS = [("delete", "T6", {})]


# -- a command said after the task it is about --------------------------------------------------------------

TASK_FIRST = [
    ("T2: add subtask Hash passwords", sub_task("Hash passwords")),
    ("t2: add a subtask hash passwords", sub_task("Hash passwords")),
    ("T2 - add subtask Hash passwords", sub_task("Hash passwords")),
    ("T2 -> add subtask Hash passwords", sub_task("Hash passwords")),
    ("the accounts task: add a step Hash passwords", sub_task("Hash passwords")),
    ("T3: estimate 2 days", update("T3", estimate_minutes=960)),
    ("T3: done", update("T3", status="done")),
    ("T3: mark done", update("T3", status="done")),
    ("T3 - done", update("T3", status="done")),
    ("T3: high priority", update("T3", priority="high")),
    ("T6: rename to User docs", update("T6", title="User docs")),
    ("T6: delete", DELETE_DOCS),
    ("the docs: delete", DELETE_DOCS),
    ("T6: move under T5", update("T6", parent_task_id="T5", position=0)),
]


@pytest.mark.parametrize(("message", "patch"), TASK_FIRST)
def test_a_command_said_after_its_task(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize("message", ["T2: break down", "T2: break it down"])
def test_a_breakdown_said_after_its_task(message):
    assert proposed(message) == proposed("break down T2")


def test_a_task_first_phrase_that_names_two_tasks_asks_which():
    reply = refused(project(), "the login: done")
    assert "T1 “Design the sign-up and login journeys”" in reply and "T3 “Implement login, sessions and logout”" in reply
    assert "Which one?" in reply


# -- priority, order and dependencies the way people say them -------------------------------------------------

SAID = [
    ("bump priority of T6", update("T6", priority="high")),
    ("bump T6's priority", update("T6", priority="high")),
    ("bump the priority of the docs", update("T6", priority="high")),
    ("boost the priority of T6", update("T6", priority="high")),
    ("set priorty of T6 to high", update("T6", priority="high")),
    ("T6 is not important", update("T6", priority="low")),
    ("the docs can wait", update("T6", priority="low")),
    ("T5 blocks T6", DOCS_AFTER_ROLLOUT),
    ("the rollout blocks the docs", DOCS_AFTER_ROLLOUT),
    ("T5 is a blocker for T6", DOCS_AFTER_ROLLOUT),
    ("T5 is needed for T6", DOCS_AFTER_ROLLOUT),
    ("T5 then T6", DOCS_AFTER_ROLLOUT),
    ("T5 first, then T6", DOCS_AFTER_ROLLOUT),
    ("first T5, then T6", DOCS_AFTER_ROLLOUT),
    ("T6 after T5", DOCS_AFTER_ROLLOUT),
    ("the docs after the rollout", DOCS_AFTER_ROLLOUT),
    ("T6 should be after T5", DOCS_AFTER_ROLLOUT),
    ("T6 is waiting on T5", DOCS_AFTER_ROLLOUT),
    ("T6 has a dependancy on T5", DOCS_AFTER_ROLLOUT),
    ("add a dependancy from T6 to T5", DOCS_AFTER_ROLLOUT),
    ("remove the dependancy of T6 on T3", update("T6", depends_on=[])),
    ("T4 should come after T5 in the list", update("T4", parent_task_id=None, position=4)),
    ("move the docs to be under the rollout", update("T6", parent_task_id="T5", position=0)),
    ("push T4 back", update("T4", parent_task_id=None, position=4)),
    ("move T1 later", update("T1", parent_task_id=None, position=1)),
    ("move T6 forward", update("T6", parent_task_id=None, position=4)),
    ("move T6 to position 2", update("T6", parent_task_id=None, position=1)),
    ("move T1 to position 3", update("T1", parent_task_id=None, position=2)),
    ("move T6 to the second place", update("T6", parent_task_id=None, position=1)),
    ("make T6 the first task", update("T6", parent_task_id=None, position=0)),
    ("put T6 between T2 and T3", update("T6", parent_task_id=None, position=2)),
]


MORE_SAID = [
    ("I'd like the docs to depend on the rollout", DOCS_AFTER_ROLLOUT),
    ("the docs need the rollout to be finished first", DOCS_AFTER_ROLLOUT),
    ("docs can only start once the rollout is done", DOCS_AFTER_ROLLOUT),
    ("make T6 wait until T5 is finished", DOCS_AFTER_ROLLOUT),
    ("we can't write the docs before the rollout", DOCS_AFTER_ROLLOUT),
    ("forget about the docs", DELETE_DOCS),
    ("nevermind the docs", DELETE_DOCS),
    ("maybe delete T6", DELETE_DOCS),
    ("I think T1 is done", update("T1", status="done")),
    ("3 days for the docs", update("T6", estimate_minutes=1440)),
    ("T6 ~ 2d", update("T6", estimate_minutes=960)),
    ("set priority critical on T5", update("T5", priority="critical")),
    ("T5 urgent", update("T5", priority="critical")),
    ("make T5 less important", update("T5", priority="low")),
    ("make T6 more important", update("T6", priority="high")),
    ("let's do the design last", update("T1", parent_task_id=None, position=5)),
    ("the design should come last", update("T1", parent_task_id=None, position=5)),
    ("T6 should be the first task", update("T6", parent_task_id=None, position=0)),
]


@pytest.mark.parametrize(("message", "patch"), SAID + MORE_SAID)
def test_priority_order_and_dependencies_as_people_say_them(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize("message", ["T3 needs subtasks", "T3 is too big", "T3 should be broken down", "breakdown T3"])
def test_a_task_too_big_is_broken_down(message):
    assert proposed(message) == proposed("break down T3")


def test_a_split_with_a_colon():
    assert proposed("split T3: login, sessions, logout") == proposed("split T3 into login, sessions and logout")


# -- titles, descriptions, notes and additions ------------------------------------------------------------------

DETAILS = [
    ("T6 title: User guide", update("T6", title="User guide")),
    ("the docs' new name: User guide", update("T6", title="User guide")),
    ("T6 description: Covers sign-up and login.", update("T6", description="Covers sign-up and login.")),
    ("add a sub task to T2 called Hash passwords", sub_task("Hash passwords")),
    ("add rate limiting at the top", [("create", "new-1", {"parent_task_id": None, "position": 0, "title": "Rate limiting"})]),
    ("add rate limiting at the end", [("create", "new-1", {"parent_task_id": None, "title": "Rate limiting"})]),
    ("the password reset page is done", update("T4", status="done")),
    ("delete the password reset feature", [("update", "T5", {"depends_on": ["T3"]}), ("delete", "T4", {})]),
    ("ok, T1 is done now", update("T1", status="done")),
    ("T1 is done already", update("T1", status="done")),
    ("yes, delete T6", DELETE_DOCS),
    ("add three tasks: A, B and C", [("create", f"new-{n}", {"parent_task_id": None, "title": title})
                                     for n, title in enumerate("ABC", 1)]),
    ("put Canary release under T5", sub_task("Canary release", "T5")),
    ("create a subtask Canary release for T5", sub_task("Canary release", "T5")),
    ("the rollout should include a canary release", sub_task("Canary release", "T5")),
    ("T5 should include Canary release", sub_task("Canary release", "T5")),
    ("we'll need audit logging too", [("create", "new-1", {"parent_task_id": None, "title": "Audit logging"})]),
]


@pytest.mark.parametrize(("message", "patch"), DETAILS)
def test_titles_details_and_additions(message, patch):
    assert proposed(message) == patch


def test_a_note_goes_after_the_description():
    tree = project()
    assert proposed("add a note to T6: ask support for the FAQ", tree) == update(
        "T6", description=f"{tree['T6'].description}\n\nAsk support for the FAQ.")


def test_a_kind_word_no_title_has_still_asks_which_when_the_rest_names_two():
    reply = refused(project(), "the login page is done")
    assert reply.startswith("Offline planner: “login page” could be T1 “Design the sign-up and login journeys” or "
                            "T3 “Implement login, sessions and logout”. Which one?")


# -- several sentences -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "patch"), [
    ("Thanks. Please delete T6.", DELETE_DOCS),
    ("Great work! Now mark T1 as done.", update("T1", status="done")),
    ("T1 is done. What's next?", update("T1", status="done")),
])
def test_the_request_in_a_message_of_several_sentences(message, patch):
    assert proposed(message) == patch


def test_a_later_request_waits_and_the_reply_says_so():
    answer = ask(project(), "T1 is done. What's next?")
    assert answer.rationale.endswith("One request at a time: once this is applied, say “What's next?” again.")


# -- questions: answered in words, nothing proposed -----------------------------------------------------------------

ROLLOUT = ("T5 “Security-test, monitor and roll out” is todo: high priority, estimated at 6d, waiting for T3 and T4, "
           "on the critical path. Nothing was changed.")
HOW_LONG = ("The rest takes at least 35d of work, along the critical path T1 → T2 → T3 → T4 → T5; 40d of work is left "
            "in all (a day is 8 hours; tasks off the path can run alongside it). Nothing was changed.")
NEXT = ("Do T1 “Design the sign-up and login journeys” next: on the critical path, high priority, nothing to wait "
        "for. Say “start T1” to mark it doing; nothing was changed.")


def answer_to(message: str, tree: Tree | None = None) -> str:
    return refused(tree or project(), message).removeprefix("Offline planner: ")


@pytest.mark.parametrize("message", ["status of T5", "what's the status of the rollout", "What is the status of T5?",
                                     "how is the rollout going?", "how's T5 coming along", "where are we with T5",
                                     "T5 status", "tell me about the rollout", "is the rollout done yet?"])
def test_the_status_of_a_task(message):
    assert answer_to(message) == ROLLOUT


def test_the_status_of_a_task_with_work_done():
    tree = ask(project(), "mark T1 done").tree
    assert answer_to("status of T2", tree) == ("T2 “Build account storage and password handling” is todo: high "
                                               "priority, estimated at 8d, ready to work on now, on the critical path. "
                                               "Nothing was changed.")


@pytest.mark.parametrize("message", ["how long will it take", "How long will it take?", "when will it be done",
                                     "when will we be done?", "how much work is left", "what's the critical path",
                                     "how long left", "how many days are left", "what's the ETA",
                                     "how long will the whole project take"])
def test_how_long_the_rest_takes_from_the_critical_path(message):
    assert answer_to(message) == HOW_LONG


@pytest.mark.parametrize("message", ["how long will the rollout take", "when will T5 be done", "how much work is left on T5"])
def test_how_long_one_task_takes(message):
    assert answer_to(message) == ("T5 “Security-test, monitor and roll out” is estimated at 6d of work, on the critical "
                                  "path. The whole plan: 40d of work left (35d on the critical path). Nothing was changed.")


def test_how_long_without_estimates_says_what_to_do():
    tree = project()
    for key in tree.roots:
        tree = ask(tree, f"clear the estimate of {key}").tree
    assert answer_to("how long will it take?", tree) == (
        "No open task has an estimate, so I cannot say how long the rest takes: estimate them (“estimate T3 at 2 days”) "
        "and ask again. Nothing was changed.")


@pytest.mark.parametrize("message", ["what should I do next", "what should I start with", "where do I start",
                                     "which task is next", "what is the next step"])
def test_what_to_do_next(message):
    assert answer_to(message) == NEXT


@pytest.mark.parametrize("message", ["what can I start?", "what's ready to start", "what can we work on now"])
def test_what_can_start_lists_every_actionable_task(message):
    tree = ask(project(), "mark T1 and T2 done").tree
    assert answer_to(message, tree) == (
        "1 task can start now, best first: T3 “Implement login, sessions and logout” (on the critical path, critical "
        "priority, unblocked since T2 was done). Nothing was changed.")


@pytest.mark.parametrize("message", ["how's it going", "give me an overview", "status please"])
def test_how_it_is_going_lists_what_is_left(message):
    assert answer_to(message).startswith("6 of 6 tasks are not done: T1 “Design the sign-up and login journeys” (todo)")


# -- task mode ----------------------------------------------------------------------------------------------------

def test_in_task_mode_it_is_the_focus():
    tree = project()
    assert [(op.task_id, op.body.status.value) for op in ask(tree, "it's done", Mode.TASK, "T3").ops] == [("T3", "done")]
    assert proposed("T3's done") == update("T3", status="done")
    assert refused(tree, "how long will it take", Mode.TASK, "T3").removeprefix("Offline planner: ") == (
        "T3 “Implement login, sessions and logout” is estimated at 8d of work, on the critical path. The whole plan: "
        "40d of work left (35d on the critical path). Nothing was changed.")


def test_in_task_mode_what_next_says_when_nothing_in_the_focus_can_start():
    reply = refused(project(), "what's next?", Mode.TASK, "T3").removeprefix("Offline planner: ")
    assert reply == ("Nothing in T3 “Implement login, sessions and logout” can start yet. In the whole project, " + NEXT[:1].lower()
                     + NEXT[1:])
    started = ask(project(), "mark T1 and T2 done").tree
    assert refused(started, "what's next?", Mode.TASK, "T3").removeprefix("Offline planner: ").startswith(
        "Do T3 “Implement login, sessions and logout” next")


# -- more forms: renaming, combining, splitting, closing, several requests at once ----------------------------------

@pytest.mark.parametrize(("message", "patch"), [
    ("change T6 to User guide", update("T6", title="User guide")),
    ("T1 can be closed", update("T1", status="done")),
    ("check T1 off", update("T1", status="done")),
    ("T1 ✓", update("T1", status="done")),
    ("worked 3 hours on the design yesterday", update("T1", actual_minutes=180)),
    ("mark both login tasks done", [*update("T1", status="done"), *update("T3", status="done")]),
    ("T3 is done, T4 is in progress", [*update("T3", status="done"), *update("T4", status="doing")]),
    ("mark T1 done, and start T2", [*update("T1", status="done"), *update("T2", status="doing")]),
    ("T1 is done; T2 is in progress", [*update("T1", status="done"), *update("T2", status="doing")]),
    ("T1 is blocked on legal", update("T1", status="blocked")),
])
def test_more_forms(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize(("message", "patch"), [("change T6 to done", update("T6", status="done")),
                                              ("change T6 to high priority", update("T6", priority="high"))])
def test_change_to_a_status_or_priority_is_not_a_rename(message, patch):
    assert proposed(message) == patch


def test_combined_and_called():
    patch = proposed("merge T4 and T5 and call it Hardening")
    assert patch[0][:2] == ("update", "T5") and patch[0][2]["title"] == "Hardening" and patch[-1] == ("delete", "T4", {})


@pytest.mark.parametrize("message", ["split the rollout in two: security test and rollout",
                                     "split up T5 into security test and rollout"])
def test_split_in_two_with_the_parts_named(message):
    assert proposed(message) == proposed("split T5 into security test and rollout")


def test_a_group_named_by_a_word_must_count_right():
    reply = refused(project(), "combine the three login tasks")
    assert reply == ("Offline planner: “login” is in the titles of 2 tasks (T1, T3), not 3: name them by key; nothing "
                     "was changed.")


def test_blocked_on_something_that_is_no_task_says_so():
    answer = ask(project(), "T1 is blocked on legal")
    assert answer.rationale.endswith("(no task is “legal”; say “add legal” and “T1 depends on …” to plan it as a task).")


def test_a_later_request_on_the_same_task_waits():
    answer = ask(project(), "T1 is done. T1 is high priority.")
    assert [op.task_id for op in answer.ops] == ["T1"]
    assert answer.rationale.endswith("say “T1 is high priority.” again.")


# -- more questions ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["what's blocking the rollout?", "what is T5 waiting for", "what does T5 depend on"])
def test_what_a_task_waits_for(message):
    assert answer_to(message) == ROLLOUT


@pytest.mark.parametrize("message", ["what depends on T3?", "which tasks wait for T3"])
def test_what_waits_for_a_task(message):
    assert answer_to(message) == ("T4 “Add password reset and two-factor authentication”, T5 “Security-test, monitor and "
                                  "roll out” and T6 “Write the user and support documentation” wait for T3. Nothing was "
                                  "changed.")


def test_tasks_in_a_state():
    tree = ask(project(), "T2 is in progress").tree
    assert answer_to("what's in progress?", tree) == ("1 task is doing: T2 “Build account storage and password handling”. "
                                                      "Nothing was changed.")
    assert answer_to("what am I working on", tree) == answer_to("what's in progress?", tree)
    assert answer_to("which tasks are blocked", tree) == "No task is blocked. Nothing was changed."


@pytest.mark.parametrize(("message", "reply"), [
    ("is there a task for docs?", "Yes: T6 “Write the user and support documentation”. Nothing was changed."),
    ("do we have a task for password reset?",
     "Yes: T4 “Add password reset and two-factor authentication”. Nothing was changed."),
    ("is there a task for rate limiting?",
     "No task’s title has the words “rate limiting”: say “add rate limiting” to add one. Nothing was changed."),
])
def test_is_there_a_task_for(message, reply):
    assert answer_to(message) == reply


def test_how_many_tasks():
    assert answer_to("how many tasks are left").startswith("6 of 6 tasks are not done")


@pytest.mark.parametrize("message", ["move T6 out of T5", "take the docs out of the rollout"])
def test_out_of_a_parent(message):
    nested = ask(project(), "move T6 under T5").tree
    assert proposed(message, nested) == update("T6", parent_task_id=None, position=5)


# -- tasks named the many ways people count them ---------------------------------------------------------------------

@pytest.mark.parametrize(("message", "keys"), [
    ("T 2 is done", ["T2"]), ("task two is done", ["T2"]), ("delete task number 6", None),
    ("the one before last is done", ["T5"]), ("the task after T2 is done", ["T3"]),
    ("the next task after T1 is done", ["T2"]), ("the one before the rollout is done", ["T4"]),
    ("mark T1-T3 done", ["T1", "T2", "T3"]), ("mark T1 through T3 done", ["T1", "T2", "T3"]),
    ("mark T1 T2 T3 done", ["T1", "T2", "T3"]),
])
def test_counted_and_neighbouring_tasks(message, keys):
    expected = DELETE_DOCS if keys is None else [op for key in keys for op in update(key, status="done")]
    assert proposed(message) == expected


def test_task_two_is_the_second_task_not_the_two_factor_one():
    assert proposed("delete task two") == [("update", "T3", {"depends_on": []}), ("delete", "T2", {})]


def test_no_task_after_the_last():
    assert refused(project(), "the task after T6 is done") == (
        "Offline planner: No task comes after T6 “Write the user and support documentation” in its list.")


@pytest.mark.parametrize("message", ["how long is T3", "how big is T3", "what's the estimate for T3",
                                     "what's T3's estimate"])
def test_a_tasks_size(message):
    assert answer_to(message) == ("T3 “Implement login, sessions and logout” is estimated at 8d of work, on the critical "
                                  "path. The whole plan: 40d of work left (35d on the critical path). Nothing was changed.")


@pytest.mark.parametrize("message", ["undo", "undo that", "redo", "revert the last change"])
def test_undo_is_the_users_key(message):
    assert answer_to(message) == (
        "Undoing is yours, not a change I propose: press ctrl+z in the app (ctrl+y redoes it), or run “taskforge undo "
        "PROJECT” (“taskforge redo PROJECT”); every applied change comes back exactly. Nothing was changed.")


def test_a_generic_plan_named_by_a_word_with_a_doubled_letter():
    novel = scaffolded("Write a novel")
    assert novel["T2"].title == "Plan the work and the approach"
    assert proposed("mark the planning task as done", novel) == update("T2", status="done")
    assert proposed("T3: add subtask Outline chapters", novel) == sub_task("Outline chapters", "T3")


# -- wishes and polite detours ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "patch"), [
    ("I'd like the rollout to be critical", update("T5", priority="critical")),
    ("I want the docs to be done", update("T6", status="done")),
    ("we should move the docs under the rollout", update("T6", parent_task_id="T5", position=0)),
    ("I think we should drop the docs", DELETE_DOCS),
    ("we should rename the docs to Help center", update("T6", title="Help center")),
    ("would you mind deleting the docs", DELETE_DOCS),
    ("do you mind removing T6", DELETE_DOCS),
    ("I want the docs under the rollout", update("T6", parent_task_id="T5", position=0)),
    ("we need the docs after the rollout", DOCS_AFTER_ROLLOUT),
    ("I want the rollout below the docs", update("T5", parent_task_id=None, position=5)),
])
def test_wishes_and_polite_detours(message, patch):
    assert proposed(message) == patch


def test_a_task_wanted_by_a_date_is_not_a_new_task():
    assert refused(project(), "I need the docs done by Friday") == (
        "Offline planner: T6 “Write the user and support documentation” is in the plan already, and taskforge keeps no "
        "due dates: to get it done sooner say “make T6 urgent” or “move T6 to the top”. Nothing was changed.")


# -- short names and the project's own words ------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "key"), [
    ("2fa is done", "T4"), ("the 2FA task is done", "T4"), ("MFA is done", "T4"), ("the db task is done", "T2"),
    ("the database task is done", "T2"), ("the auth docs are done", "T6"), ("the login and logout task is done", "T3"),
])
def test_short_names_and_project_words(message, key):
    assert proposed(message) == update(key, status="done")


def test_a_list_with_an_unclear_part_still_asks():
    reply = refused(project(), "mark the design and the login done")
    assert "“login” could be T1" in reply and "T3 “Implement login, sessions and logout”" in reply


@pytest.mark.parametrize(("message", "patch"), [
    ("mark T1 complete and T2 in progress", [*update("T1", status="done"), *update("T2", status="doing")]),
    ("mark T1 done and then start T2", [*update("T1", status="done"), *update("T2", status="doing")]),
    ("change T6 to 2 days", update("T6", estimate_minutes=960)),
    ("add a task to assign reviewers", [("create", "new-1", {"parent_task_id": None, "title": "Assign reviewers"})]),
])
def test_two_requests_joined_by_and_and_a_change_to_a_duration(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize("message", ["assign T3 to Alice", "who is working on T3?", "T3 is assigned to Bob",
                                     "set a due date for T3", "T3 is due on Friday"])
def test_people_and_dates_are_not_in_the_plan(message):
    assert answer_to(message) == (
        "Taskforge plans the work, not people or dates: tasks have no assignee or due date to set. Priority, order and "
        "dependencies say what comes first (“make T3 urgent”, “move T3 to the top”, “T3 depends on T2”), and “how long "
        "will it take?” answers from the estimates. Nothing was changed.")


# -- estimates and places said every way ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "minutes"), [
    ("estimate T3: 16h", 960), ("T3 estimate 2d", 960), ("make T3 2 days", 960), ("set T3 to 2 days", 960),
    ("it'll take 2 days to do T3", 960), ("T3 is a 2 day task", 960), ("T3 is two days of work", 960),
    ("T3 2d", 960), ("estimate 2d for T3", 960), ("re-estimate T3 at 3 days", 1440), ("T3 = half a day", 240),
])
def test_estimates_said_every_way(message, minutes):
    assert proposed(message) == update("T3", estimate_minutes=minutes)


@pytest.mark.parametrize(("message", "patch"), [
    ("bump T6 to high", update("T6", priority="high")),
    ("put T6 first in the list", update("T6", parent_task_id=None, position=0)),
    ("put the docs before everything", update("T6", parent_task_id=None, position=0)),
    ("move T6 up to the top", update("T6", parent_task_id=None, position=0)),
    ("move T6 right after T1", update("T6", parent_task_id=None, position=1)),
    ("move T6 just before T2", update("T6", parent_task_id=None, position=1)),
    ("put T6 next to T1", update("T6", parent_task_id=None, position=1)),
    ("put T1 after everything", update("T1", parent_task_id=None, position=5)),
])
def test_places_said_every_way(message, patch):
    assert proposed(message) == patch


# -- combining, splitting and renaming said every way -----------------------------------------------------------------------

def test_merging_a_chain_of_three():
    patch = proposed("merge T1, T2 and T3")
    assert [(op, key) for op, key, _fields in patch] == [
        ("update", "T3"), ("update", "T2"), ("delete", "T1"), ("delete", "T2")]
    assert patch[1] == ("update", "T2", {"depends_on": []})  # T2 goes too, so it no longer waits for T1
    assert patch[0][2]["depends_on"] == [] and patch[0][2]["position"] == 0


@pytest.mark.parametrize("message", ["join T1 + T2", "put T1 and T2 together", "T1 and T2 should be one task"])
def test_combining_said_every_way(message):
    assert proposed(message) == proposed("combine T1 and T2")


def test_combined_as_a_title():
    assert proposed("merge T1 and T2 as Design and storage") == proposed(
        "merge T1 and T2 and call it Design and storage")


@pytest.mark.parametrize("message", ["break T6 up into user docs and admin docs",
                                     "separate T6 into user docs and admin docs"])
def test_splitting_said_every_way(message):
    assert proposed(message) == proposed("split T6 into user docs and admin docs")


@pytest.mark.parametrize(("message", "patch"), [
    ("rename T1 to: Journeys", update("T1", title="Journeys")),
    ("call the first task Journeys", update("T1", title="Journeys")),
    ("add a rate limiting task", [("create", "new-1", {"parent_task_id": None, "title": "Rate limiting"})]),
])
def test_names_said_every_way(message, patch):
    assert proposed(message) == patch


# -- contractions without apostrophes, and typographic ones -----------------------------------------------------------------

@pytest.mark.parametrize(("message", "patch"), [
    ("T6 doesnt depend on T3", update("T6", depends_on=[])),
    ("T6 doesn’t depend on T3", update("T6", depends_on=[])),
    ("T6 shouldnt depend on T3", update("T6", depends_on=[])),
    ("T6 cant start until T5 is done", DOCS_AFTER_ROLLOUT),
    ("the docs arent needed", DELETE_DOCS),
    ("Im done with T1", update("T1", status="done")),
    ("I’m working on T2", update("T2", status="doing")),
    ("the rollout’s done", update("T5", status="done")),
    ("add IM integration", [("create", "new-1", {"parent_task_id": None, "title": "IM integration"})]),
])
def test_contractions_however_typed(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize(("message", "reply"), [("whats next", NEXT), ("what’s next?", NEXT),
                                                ("whats the status of the rollout", ROLLOUT), ("hows T5 going", ROLLOUT)])
def test_questions_however_typed(message, reply):
    assert answer_to(message) == reply


# -- a new task with what the user set on it in the same breath ---------------------------------------------------------------

def new_task(title: str, **fields) -> list[tuple]:
    return [("create", "new-1", {"parent_task_id": None, "title": title, **fields})]


@pytest.mark.parametrize(("message", "patch"), [
    ("add an admin dashboard, high priority", new_task("Admin dashboard", priority="high")),
    ("add an urgent task for admin dashboard", new_task("Admin dashboard", priority="critical")),
    ("add an admin dashboard that depends on T3", new_task("Admin dashboard", depends_on=["T3"])),
    ("add an admin dashboard as the last task", new_task("Admin dashboard")),
])
def test_a_new_task_with_fields_set_in_the_same_breath(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize("message", ["add an admin dashboard (2 days)", "add an admin dashboard estimated at 2 days",
                                     "add an admin dashboard, 2 days, high priority, depending on T3"])
def test_a_new_tasks_estimate_said_with_it(message):
    (op,) = ask(project(), message).ops
    assert (op.body.title, op.body.estimate_minutes) == ("Admin dashboard", 960)


def test_a_new_task_waiting_for_an_unclear_name_asks_which():
    reply = refused(project(), "add an admin dashboard and make it depend on the login task")
    assert "“login” could be T1" in reply and "T3 “Implement login, sessions and logout”" in reply


@pytest.mark.parametrize(("message", "patch"), [
    ("add a new task called Canary release between T4 and T5", new_task("Canary release", position=4)),
    ("add an admin dashboard at position 3", new_task("Admin dashboard", position=2)),
])
def test_a_new_task_at_a_place_said_by_its_neighbours_or_number(message, patch):
    assert proposed(message) == patch


@pytest.mark.parametrize("message", ["give me subtasks for T3", "what steps does T3 need", "make subtasks for T3",
                                     "generate subtasks for T3"])
def test_subtasks_asked_for(message):
    assert proposed(message) == proposed("break down T3")
