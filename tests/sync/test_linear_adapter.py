"""The Linear adapter against the fake Linear: mapping, idempotent writes, pagination, limits, secrets."""

from __future__ import annotations

import uuid

import pytest

from taskforge.sync.adapter import (
    CollectingReporter,
    ItemGone,
    Remote,
    RemoteFields,
    RemoteRequestFailed,
    RetryPolicy,
    open_adapter,
)
from taskforge.sync.adapter import (
    RateLimited as RateLimitExhausted,
)
from taskforge.sync.linear import LinearAdapter
from tests.fakes.linear_server import (
    Drop,
    FakeLinear,
    RateLimited,
    RemoteEdit,
    ServerError,
    Slow,
    linear_server,  # noqa: F401  (the fixture)
)

CANARY = "lin_api_CANARY_7f3e9b1c"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def reporter() -> CollectingReporter:
    return CollectingReporter()


@pytest.fixture
def adapter(linear_server: FakeLinear, reporter, sleeps) -> LinearAdapter:  # noqa: F811
    linear_server.api_key = CANARY
    remote = Remote("demo", "lin", "linear", linear_server.url, "ENG", "LINEAR_API_KEY")
    built = open_adapter(remote, CANARY, reporter, RetryPolicy(sleep=sleeps, timeout=2))
    assert isinstance(built, LinearAdapter)
    return built


def team(fake: FakeLinear) -> dict:
    return next(iter(fake.teams.values()))


def test_a_task_becomes_an_issue_with_every_mapped_field(adapter, linear_server, reporter):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="Design", description="Sketch it", status="doing",
                                             priority="critical", estimate_minutes=3 * 480, spent_minutes=45))
    issue = linear_server.issue(item.remote_id)
    assert issue["title"] == "Design"
    assert issue["description"] == "Sketch it\n\n<!-- taskforge:demo:T1 -->"
    assert linear_server.states[issue["_state"]]["type"] == "started"
    assert (issue["priority"], issue["estimate"]) == (1.0, 3.0)
    assert item.remote_id == str(uuid.uuid5(uuid.UUID("6b1f3c2e-8a4d-5e7f-9c0b-1d2e3f4a5b6c"),
                                            f"demo:T1:{team(linear_server)['id']}"))
    assert (item.ref, item.key, item.remote_status) == ("ENG-1", "T1", "In Progress")
    assert item.fields == RemoteFields(title="Design", description="Sketch it", status="doing", priority="critical",
                                       estimate_minutes=3 * 480)
    assert reporter.notes == ["Linear has no time-spent field: time spent stays in taskforge"]
    assert "spent_minutes" not in adapter.supported_fields


def test_estimates_round_to_the_team_scale_and_say_so_once(adapter, linear_server, reporter):  # noqa: F811
    first = adapter.create("T1", RemoteFields(title="A", estimate_minutes=90))  # 1h 30m
    second = adapter.create("T2", RemoteFields(title="B", estimate_minutes=4 * 480))  # 4d: between 3 and 5
    third = adapter.create("T3", RemoteFields(title="C", estimate_minutes=20 * 480))  # 4 weeks: past the scale
    assert [linear_server.issue(i.remote_id)["estimate"] for i in (first, second, third)] == [1.0, 5.0, 8.0]
    assert [i.fields.estimate_minutes for i in (first, second, third)] == [480, 5 * 480, 8 * 480]
    assert [n for n in reporter.notes if "estimate" in n] == [
        "Linear holds estimates as points on team ENG's fibonacci scale (taken as 1 point = 1 day of 8 h, rounded "
        "to the scale): T1's 1h 30m became 1 point"]


def test_a_team_without_estimates_holds_none(linear_server, reporter, sleeps):  # noqa: F811
    linear_server.add_team("OPS", "Operations", estimation="notUsed")
    remote = Remote("demo", "ops", "linear", linear_server.url, "ops", "LINEAR_API_KEY")
    adapter = LinearAdapter(remote, linear_server.api_key, reporter, RetryPolicy(sleep=sleeps))
    assert "estimate_minutes" not in adapter.supported_fields
    item = adapter.create("T1", RemoteFields(title="A", estimate_minutes=60))
    assert item.fields.estimate_minutes is None and item.ref == "OPS-1"


def test_statuses_map_to_workflow_state_types_and_blocked_is_a_label(adapter, linear_server):  # noqa: F811
    items = {s: adapter.create(f"T{n}", RemoteFields(title=s, status=s))
             for n, s in enumerate(["todo", "doing", "blocked", "done"], start=1)}
    kinds = {s: linear_server.states[linear_server.issue(i.remote_id)["_state"]]["type"] for s, i in items.items()}
    assert kinds == {"todo": "unstarted", "doing": "started", "blocked": "started", "done": "completed"}
    assert {s: i.fields.status for s, i in items.items()} == {s: s for s in items}
    labels = [x for x in linear_server.labels.values() if x["name"] == "Blocked"]
    assert len(labels) == 1 and linear_server.issue(items["blocked"].remote_id)["_labels"] == [labels[0]["id"]]
    unblocked = adapter.update(items["blocked"].remote_id, "T3", {"status": "doing"})
    assert unblocked.fields.status == "doing" and linear_server.issue(unblocked.remote_id)["_labels"] == []
    assert items["done"].closed and not items["doing"].closed


def test_a_state_that_already_means_the_status_is_kept(adapter, linear_server):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="Review me", status="todo"))
    review = next(s for s in linear_server.states.values() if s["name"] == "In Review")
    linear_server.edit(item.remote_id, stateId=review["id"])
    linear_server.clear_requests()
    adapter.update(item.remote_id, "T1", {"status": "doing"})
    assert linear_server.issue(item.remote_id)["_state"] == review["id"]
    assert all("stateId" not in (r.variables.get("input") or {}) for r in linear_server.writes)


def test_remote_values_read_back_as_taskforge_values(adapter, linear_server):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="A"))
    linear_server.edit(item.remote_id, priority=0, title="Renamed by hand", description="New text\n\n<!-- taskforge:demo:T1 -->")
    linear_server.set_state(item.remote_id, "canceled")
    read = adapter.get(item.remote_id)
    assert read.fields.title == "Renamed by hand" and read.fields.description == "New text"
    assert (read.fields.priority, read.fields.status, read.closed, read.remote_status) == ("medium", "done", True, "Canceled")


def test_an_update_sends_only_the_changed_fields_and_keeps_the_marker(adapter, linear_server):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="A", description="old", priority="low"))
    linear_server.clear_requests()
    adapter.update(item.remote_id, "T1", {"description": "new words"})
    assert [r.variables["input"] for r in linear_server.writes] == [
        {"description": "new words\n\n<!-- taskforge:demo:T1 -->"}]
    assert linear_server.issue(item.remote_id)["priority"] == 4.0


def test_a_create_whose_answer_was_lost_is_not_made_twice(adapter, linear_server, reporter):  # noqa: F811
    linear_server.script(Drop(on="issueCreate"))
    item = adapter.create("T1", RemoteFields(title="Only once"))
    assert [i["title"] for i in linear_server.issues.values()] == ["Only once"]
    assert len(linear_server.calls("issueCreate")) == 2  # sent again, refused: the id is taken
    assert item.key == "T1" and item.remote_id in linear_server.issues
    assert reporter.progress_lines == ["Linear answered nothing (the connection was lost); trying again in 1 s (1 of 3)"]
    again = adapter.create("T1", RemoteFields(title="Only once"))  # a resumed push that lost its link
    assert again.remote_id == item.remote_id and len(linear_server.issues) == 1


def test_parents_and_dependencies_are_set_exactly_and_idempotently(adapter, linear_server):  # noqa: F811
    a, b, c = (adapter.create(k, RemoteFields(title=k)) for k in ("T1", "T2", "T3"))
    adapter.set_relations(c.remote_id, "T3", a.remote_id, [a.remote_id, b.remote_id])
    assert linear_server.relations_of(c.remote_id) == [("blocks", "ENG-1", "ENG-3"), ("blocks", "ENG-2", "ENG-3")]
    read = adapter.get(c.remote_id)
    assert read.fields.parent == a.remote_id and read.fields.depends_on == tuple(sorted([a.remote_id, b.remote_id]))
    linear_server.clear_requests()
    adapter.set_relations(c.remote_id, "T3", a.remote_id, [a.remote_id, b.remote_id])
    assert linear_server.writes == []
    adapter.set_relations(c.remote_id, "T3", None, [b.remote_id])
    assert linear_server.relations_of(c.remote_id) == [("blocks", "ENG-2", "ENG-3")]
    assert linear_server.issue(c.remote_id)["_parent"] is None


def test_a_five_level_tree_nests_as_sub_issues(adapter, linear_server):  # noqa: F811
    parent = None
    for level in range(1, 6):
        item = adapter.create(f"T{level}", RemoteFields(title=f"Level {level}"))
        adapter.set_relations(item.remote_id, f"T{level}", parent, [])
        parent = item.remote_id
    assert adapter.get(parent).fields.parent == adapter.get(linear_server.find("Level 4")["id"]).remote_id
    depth, walk = 0, linear_server.find("Level 5")
    while walk is not None:
        depth, walk = depth + 1, linear_server.issues.get(walk["_parent"] or "")
    assert depth == 5


def test_many_blockers_are_paged_in_full(adapter, linear_server):  # noqa: F811
    blockers = [adapter.create(f"T{n}", RemoteFields(title=f"B{n}")).remote_id for n in range(1, 26)]
    last = adapter.create("T26", RemoteFields(title="Waits"))
    adapter.set_relations(last.remote_id, "T26", None, blockers)
    assert adapter.get(last.remote_id).fields.depends_on == tuple(sorted(blockers))


def test_three_hundred_issues_come_back_through_pages(adapter, linear_server):  # noqa: F811
    for n in range(300):
        linear_server.create_issue(team(linear_server)["id"], f"Issue {n}")
    linear_server.clear_requests()
    items = list(adapter.changed_since(None))
    assert len({i.remote_id for i in items}) == 300
    pages = linear_server.calls("issues")
    assert len(pages) == 6 and all(r.variables["filter"]["team"] == {"id": {"eq": team(linear_server)["id"]}}
                                   for r in pages)
    assert max(r.complexity for r in linear_server.requests) < 5000  # half of Linear's limit a query
    cutoff = linear_server.find("Issue 249")["updatedAt"]
    linear_server.edit(linear_server.find("Issue 3")["id"], title="Edited")
    from datetime import datetime

    since = datetime.fromisoformat(cutoff.replace("Z", "+00:00"))
    assert [i.fields.title for i in adapter.changed_since(since)] == [f"Issue {n}" for n in range(249, 300)] + ["Edited"]


def test_marked_items_are_found_again_and_hand_made_ones_are_not(adapter, linear_server):  # noqa: F811
    made = adapter.create("T1", RemoteFields(title="Ours"))
    linear_server.create_issue(team(linear_server)["id"], "By hand", description="no marker")
    linear_server.create_issue(team(linear_server)["id"], "Other project", description="<!-- taskforge:other:T1 -->")
    assert [(i.remote_id, i.key) for i in adapter.find_marked()] == [(made.remote_id, "T1")]


def test_deleted_and_trashed_issues_are_missing_but_closed_ones_are_not(adapter, linear_server):  # noqa: F811
    kept, trashed, deleted, done = (adapter.create(f"T{n}", RemoteFields(title=str(n))) for n in range(1, 5))
    linear_server.trash(trashed.remote_id)
    linear_server.delete_permanently(deleted.remote_id)
    linear_server.set_state(done.remote_id, "completed")
    ids = [kept.remote_id, trashed.remote_id, deleted.remote_id, done.remote_id]
    assert adapter.missing(ids) == {trashed.remote_id, deleted.remote_id}
    assert adapter.get(deleted.remote_id) is None and adapter.get(trashed.remote_id).deleted
    with pytest.raises(ItemGone, match="T3"):
        adapter.update(deleted.remote_id, "T3", {"title": "x"})
    with pytest.raises(ItemGone):
        adapter.close(trashed.remote_id, "T2")


def test_a_task_deleted_locally_cancels_its_issue_once(adapter, linear_server):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="Dropped"))
    adapter.close(item.remote_id, "T1")
    assert linear_server.states[linear_server.issue(item.remote_id)["_state"]]["type"] == "canceled"
    linear_server.clear_requests()
    adapter.close(item.remote_id, "T1")
    assert linear_server.writes == [] and item.remote_id in linear_server.issues


def test_a_rate_limit_waits_as_long_as_linear_asks_with_a_progress_line(adapter, linear_server, reporter, sleeps):  # noqa: F811
    linear_server.script(RateLimited(retry_after=12, on="issueCreate"), RateLimited(retry_after=None, status=400, reset_in=30))
    adapter.create("T1", RemoteFields(title="Patient"))
    assert sleeps[0] == 12 and 28 < sleeps[1] <= 30  # the second only said when its budget resets
    assert reporter.progress_lines[0] == "waiting 12 s for Linear's rate limit"
    assert len(linear_server.issues) == 1


def test_a_rate_limit_that_outlasts_the_bound_ends_with_one_line(linear_server, reporter, sleeps):  # noqa: F811
    remote = Remote("demo", "lin", "linear", linear_server.url, "ENG", "LINEAR_API_KEY")
    adapter = LinearAdapter(remote, linear_server.api_key, reporter, RetryPolicy(sleep=sleeps, max_total_wait=20))
    linear_server.script(*[RateLimited(retry_after=8)] * 5)
    with pytest.raises(RateLimitExhausted) as caught:
        adapter.create("T1", RemoteFields(title="Never"))
    assert str(caught.value).startswith("Linear: team ENG: rate limit still exceeded")
    assert sum(sleeps) <= 20 and not linear_server.issues


def test_server_errors_and_timeouts_are_retried_a_bounded_number_of_times(adapter, linear_server, reporter):  # noqa: F811
    linear_server.script(ServerError(500, json_body=True), ServerError(502), Slow(3))
    item = adapter.create("T1", RemoteFields(title="Eventually"))
    assert item.ref == "ENG-1"
    assert [line.split(";")[0] for line in reporter.progress_lines] == [
        "Linear answered 500 Internal Server Error", "Linear answered 502 Bad Gateway", "Linear answered nothing within 2 s"]
    linear_server.script(*[ServerError(503)] * 4)
    with pytest.raises(RemoteRequestFailed, match=r"^Linear: T2 \(new issue\): 503 Service Unavailable \(after 4 tries\)"):
        adapter.create("T2", RemoteFields(title="Never"))


def test_a_refused_key_is_one_line_naming_the_variable_and_the_token_never_leaks(linear_server, reporter, sleeps):  # noqa: F811
    remote = Remote("demo", "lin", "linear", linear_server.url, "ENG", "LINEAR_API_KEY")
    adapter = LinearAdapter(remote, CANARY, reporter, RetryPolicy(sleep=sleeps))
    with pytest.raises(RemoteRequestFailed) as caught:
        adapter.create("T1", RemoteFields(title="x"))
    assert str(caught.value) == "Linear: team ENG: the API key in LINEAR_API_KEY was refused"
    assert CANARY not in repr(caught.value.__dict__) and caught.value.__cause__ is None
    assert all(CANARY not in str(r.body) for r in linear_server.requests)
    assert [r.headers["authorization"] for r in linear_server.requests] == [CANARY]


def test_an_unknown_team_is_one_line(linear_server, reporter, sleeps):  # noqa: F811
    remote = Remote("demo", "lin", "linear", linear_server.url, "NOPE", "LINEAR_API_KEY")
    with pytest.raises(RemoteRequestFailed, match="^Linear: team NOPE: no team with that key"):
        LinearAdapter(remote, linear_server.api_key, reporter, RetryPolicy(sleep=sleeps)).find_marked()
    by_id = Remote("demo", "lin", "linear", linear_server.url, team(linear_server)["id"], "LINEAR_API_KEY")
    assert LinearAdapter(by_id, linear_server.api_key, reporter, RetryPolicy(sleep=sleeps)).find_marked() == []


def test_an_edit_made_in_linear_during_a_push_is_read_back(adapter, linear_server):  # noqa: F811
    item = adapter.create("T1", RemoteFields(title="Mine"))
    linear_server.script(RemoteEdit(lambda fake: fake.edit(item.remote_id, title="Theirs"), on="issueUpdate"))
    after = adapter.update(item.remote_id, "T1", {"priority": "high"})
    assert (after.fields.title, after.fields.priority) == ("Theirs", "high")


def test_a_task_whose_issue_was_trashed_gets_a_new_issue_next_time(adapter, linear_server):  # noqa: F811
    first = adapter.create("T1", RemoteFields(title="Again"))
    linear_server.trash(first.remote_id)
    second = adapter.create("T1", RemoteFields(title="Again"))  # e.g. the user kept the task when pulling
    assert second.remote_id != first.remote_id and not second.deleted
    third = adapter.create("T1", RemoteFields(title="Again"))  # and a retried create still finds it
    assert third.remote_id == second.remote_id and len(linear_server.live_issues()) == 1
