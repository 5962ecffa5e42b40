"""Push and pull against the fake Linear, through the engine and the real gql/httpx client (as the GitLab ones)."""

from __future__ import annotations

import pytest

from taskforge.core.history import Provenance
from taskforge.core.models import Mode
from taskforge.core.patches import parse_patch
from taskforge.sync import store
from taskforge.sync.adapter import CollectingReporter, Remote, RetryPolicy
from taskforge.sync.engine import accept_pull, open_sync, pull, push
from tests.fakes.linear_server import (
    Drop,
    FakeLinear,
    RateLimited,
    ServerError,
    Slow,
    linear_server,  # noqa: F401  (the fixture)
)
from tests.sync.conftest import make_project

KEY = "lin_api_test_key"


def edit(repo, project_id: str, key: str, **body) -> None:
    version = repo.load(project_id).project.version
    repo.apply_patch(
        parse_patch({"project_id": project_id, "base_version": version,
                     "task_patches": [{"op": "update", "task_id": key, "body": body}]}),
        mode=Mode.EDIT, provenance=Provenance(planner="user"),
    )


def ops_of(pulled) -> list[dict]:
    return [op.model_dump(mode="json", exclude_defaults=True) for op in pulled.proposal.patch.task_patches]


@pytest.fixture
def linear(linear_server: FakeLinear) -> FakeLinear:  # noqa: F811
    linear_server.api_key = KEY
    return linear_server


@pytest.fixture
def synced(repo, linear, sleeps):
    """open() → a Sync on project 'demo' and the Linear remote 'lin' (added on first use)."""
    def open_(project_id: str = "demo", name: str = "lin"):
        if not any(r.name == name for r in store.remotes(repo.engine, project_id)):
            store.add_remote(repo.engine, Remote(project_id, name, "linear", linear.url, "ENG", "LINEAR_API_KEY"))
        return open_sync(repo, project_id, name, CollectingReporter(), RetryPolicy(sleep=sleeps),
                         environ={"LINEAR_API_KEY": KEY})

    return open_


def issue_of(repo, synced, linear: FakeLinear, key: str) -> dict:
    return linear.issue(store.links(repo.engine, synced().remote)[key].remote_id)


def state_type(linear: FakeLinear, issue: dict) -> str:
    return linear.states[issue["_state"]]["type"]


def test_push_creates_issues_with_markers_states_estimates_parents_and_relations(repo, linear, synced):
    make_project(repo)
    sync = synced()
    report = push(sync)
    assert report.failure is None
    assert [(c.key, c.ref) for c in report.created] == [(f"T{n}", f"ENG-{n}") for n in range(1, 6)]
    schema, migration, api = (issue_of(repo, synced, linear, k) for k in ("T1", "T2", "T3"))
    assert schema["description"] == "Tables and keys.\n\n<!-- taskforge:demo:T1 -->"
    assert (schema["priority"], schema["estimate"], state_type(linear, schema)) == (2.0, 1.0, "unstarted")
    assert migration["_parent"] == schema["id"]
    assert state_type(linear, api) == "started"
    assert linear.relations_of(api["id"]) == [("blocks", "ENG-1", "ENG-3")]  # T3 depends on T1
    assert sorted(sync.reporter.notes) == [  # T1's 2 h estimate is 1 point (a day) now, and reads back as 1d
        "Linear has no time-spent field: time spent stays in taskforge",
        "Linear holds estimates as points on team ENG's fibonacci scale (taken as 1 point = 1 day of 8 h, rounded "
        "to the scale): T1's 2h became 1 point"]
    links = store.links(repo.engine, sync.remote)
    assert all(isinstance(link.remote_id, str) and link.url.endswith(link.ref) for link in links.values())


def test_the_whole_round_trip(repo, linear, synced):
    """push → push again (no write) → local edits → push (only those) → remote edits → pull (exactly
    those) → undo the pull."""
    make_project(repo)
    push(synced())

    linear.clear_requests()
    again = push(synced())
    assert again.writes == 0 and linear.writes == []

    edit(repo, "demo", "T1", title="Design the database schema")
    edit(repo, "demo", "T4", priority="low", status="doing")
    edit(repo, "demo", "T2", actual_minutes=75)  # not a Linear field: nothing to send
    linear.clear_requests()
    report = push(synced())
    assert [(c.key, sorted(c.fields)) for c in report.updated] == [("T1", ["title"]), ("T4", ["priority", "status"])]
    writes = [(r.root_fields, r.variables["input"]) for r in linear.writes]
    started = linear.state_of_type(next(iter(linear.teams)), "started")["id"]
    assert writes == [(["issueUpdate"], {"title": "Design the database schema"}),
                      (["issueUpdate"], {"priority": 4, "stateId": started})]

    t3, t4, t5 = (store.links(repo.engine, synced().remote)[k].remote_id for k in ("T3", "T4", "T5"))
    linear.edit(t3, title="Build the REST API")
    linear.set_state(t4, "completed")
    linear.edit(t5, priority=1)
    before = repo.load("demo")
    pulled = pull(synced())
    assert ops_of(pulled) == [
        {"op": "update", "task_id": "T3", "body": {"title": "Build the REST API"}},
        {"op": "update", "task_id": "T4", "body": {"status": "done"}},
        {"op": "update", "task_id": "T5", "body": {"priority": "critical"}},
    ]
    assert pulled.conflicts == []
    applied = accept_pull(synced(), pulled)
    assert applied.record.planner == "sync:lin" and applied.record.author == "sync:lin"
    tree = repo.load("demo")
    assert (tree["T3"].title, tree["T4"].status, tree["T5"].priority) == ("Build the REST API", "done", "critical")

    linear.clear_requests()
    assert push(synced()).writes == 0 and linear.writes == []  # no echo of the pulled values
    assert pull(synced()).proposal is None

    repo.undo("demo")
    after_undo = repo.load("demo")
    assert {k: t.model_dump() for k, t in after_undo.tasks.items()} == {k: t.model_dump() for k, t in before.tasks.items()}


def test_a_field_changed_on_both_sides_is_not_pushed_and_the_pull_keeps_the_local_value(repo, linear, synced):
    make_project(repo)
    push(synced())
    t1 = store.links(repo.engine, synced().remote)["T1"].remote_id
    edit(repo, "demo", "T1", title="Local title", description="Changed here only")
    linear.edit(t1, title="Remote title")

    linear.clear_requests()
    report = push(synced())
    assert [(c.key, list(c.fields)) for c in report.conflicts] == [("T1", ["title"])]
    assert [(c.key, list(c.fields)) for c in report.updated] == [("T1", ["description"])]
    assert linear.issue(t1)["title"] == "Remote title"
    assert [r.variables["input"] for r in linear.writes] == [
        {"description": "Changed here only\n\n<!-- taskforge:demo:T1 -->"}]

    pulled = pull(synced())
    assert ops_of(pulled) == [{"op": "update", "task_id": "T1", "body": {"title": "Remote title"}}]
    assert pulled.conflicts == ["T1 title: here 'Local title', on Linear 'Remote title'"]
    assert accept_pull(synced(), pulled) is None  # by default a conflict keeps the local value
    assert repo.load("demo")["T1"].title == "Local title"
    push(synced())
    assert linear.issue(t1)["title"] == "Local title"


def test_a_push_interrupted_after_linear_made_the_issue_resumes_without_a_duplicate(repo, linear, synced):
    """The create reached Linear, its answer never came back and every retry failed: the issue exists
    but no link says so. Even when the marker cannot be found (a Linear that drops HTML comments), the
    next push sends the same client-chosen id and takes the issue Linear already has."""
    make_project(repo)
    linear.keeps_html_comments = False
    linear.script(Slow(0, on="issueCreate"), Drop(on="issueCreate"), *[ServerError(503, on="issueCreate")] * 3)
    report = push(synced())
    assert report.failure == "Linear: T2 (new issue): 503 Service Unavailable (after 4 tries)"
    assert [c.key for c in report.created] == ["T1"]
    assert len(linear.issues) == 2  # T2's issue was made by the dropped request

    resumed = push(synced())
    assert resumed.failure is None and resumed.adopted == []  # no marker to find…
    assert [c.key for c in resumed.created] == ["T2", "T3", "T4", "T5"]
    assert len(linear.issues) == 5  # …and still no duplicate of T2
    assert issue_of(repo, synced, linear, "T2")["identifier"] == "ENG-2"
    linear.clear_requests()
    assert push(synced()).writes == 0 and linear.writes == []


def test_a_push_interrupted_half_way_adopts_its_issues_by_marker(repo, linear, synced):
    make_project(repo)
    linear.script(Drop(on="issueCreate"), *[ServerError(502, on="issueCreate")] * 4)
    report = push(synced())
    assert report.failure == "Linear: T1 (new issue): 502 Bad Gateway (after 4 tries)"
    resumed = push(synced())
    assert [c.key for c in resumed.adopted] == ["T1"]
    assert len(linear.issues) == 5 and resumed.failure is None


def test_an_issue_deleted_by_hand(repo, linear, synced):
    make_project(repo)
    push(synced())
    linear.trash(issue_of(repo, synced, linear, "T1")["id"])  # T2's parent and T3's blocker
    edit(repo, "demo", "T1", title="Edited after the push")
    report = push(synced())
    assert [c.key for c in report.gone] == ["T1"] and report.failure is None

    pulled = pull(synced())
    assert ops_of(pulled)[-1] == {"op": "delete", "task_id": "T1", "cascade": True}
    accept_pull(synced(), pulled, kept=range(len(ops_of(pulled))))
    tree = repo.load("demo")
    assert "T1" not in tree and "T2" not in tree and tree["T3"].depends_on == []
    report = push(synced())
    assert report.failure is None and [c.key for c in report.closed] == ["T2"]
    assert state_type(linear, issue_of(repo, synced, linear, "T2")) == "canceled"


def test_a_task_deleted_here_cancels_its_issue(repo, linear, synced):
    make_project(repo)
    push(synced())
    version = repo.load("demo").project.version
    repo.apply_patch(parse_patch({"project_id": "demo", "base_version": version,
                                  "task_patches": [{"op": "delete", "task_id": "T5"}]}), mode=Mode.EDIT)
    report = push(synced())
    assert [c.key for c in report.closed] == ["T5"]
    assert state_type(linear, issue_of(repo, synced, linear, "T5")) == "canceled"
    linear.clear_requests()
    assert push(synced()).writes == 0 and linear.writes == []


def test_a_sub_issue_made_in_linear_is_created_locally(repo, linear, synced):
    make_project(repo)
    push(synced())
    parent = issue_of(repo, synced, linear, "T1")
    linear.create_issue(parent["_team"], "Index the foreign keys", description="Found in review.",
                        parentId=parent["id"], priority=4)
    pulled = pull(synced())
    assert ops_of(pulled) == [{"op": "create", "task_id": "n1", "body": {
        "parent_task_id": "T1", "title": "Index the foreign keys", "description": "Found in review.",
        "status": "todo", "priority": "low"}}]
    applied = accept_pull(synced(), pulled)
    key = applied.key_map["n1"]
    assert repo.load("demo")[key].parent_key == "T1"
    report = push(synced())
    assert [(c.key, list(c.fields)) for c in report.updated] == [(key, ["description"])]
    assert linear.find("Index the foreign keys")["description"] == f"Found in review.\n\n<!-- taskforge:demo:{key} -->"
    linear.clear_requests()
    assert push(synced()).writes == 0 and linear.writes == []


def test_blocked_round_trips_through_the_label(repo, linear, synced):
    make_project(repo)
    push(synced())
    edit(repo, "demo", "T3", status="blocked")
    push(synced())
    api = issue_of(repo, synced, linear, "T3")
    assert [linear.labels[x]["name"] for x in api["_labels"]] == ["Blocked"] and state_type(linear, api) == "started"
    linear.edit(api["id"], removedLabelIds=api["_labels"])
    assert ops_of(pull(synced())) == [{"op": "update", "task_id": "T3", "body": {"status": "doing"}}]


def test_rate_limits_are_waited_for_within_bounds(repo, linear, synced, sleeps):
    make_project(repo)
    linear.script(RateLimited(retry_after=12), RateLimited(retry_after=12), ServerError(503))
    sync = synced()
    report = push(sync)
    assert report.failure is None and len(linear.issues) == 5
    assert sleeps[:3] == [12, 12, 0.5]
    assert sync.reporter.progress_lines[0] == "waiting 12 s for Linear's rate limit"

    linear.script(RateLimited(retry_after=3600))
    edit(repo, "demo", "T1", title="Renamed")
    report = push(synced())
    assert report.failure == "Linear: team ENG: rate limit still exceeded after waiting (asked to wait 3600 s)"


def test_three_hundred_tasks_through_paginated_pulls(repo, linear, synced):
    make_project(repo, count=300)
    push(synced())
    assert len(linear.issues) == 300
    links = store.links(repo.engine, synced().remote)
    for n in range(1, 301, 2):
        linear.edit(links[f"T{n}"].remote_id, title=f"Renamed {n}")
    linear.clear_requests()
    pulled = pull(synced())
    listing = [r for r in linear.calls("issues") if "updatedAt" not in r.variables.get("filter", {})
               and "team" in r.variables.get("filter", {})]
    assert len(listing) == 6 and [r.variables["after"] is None for r in listing] == [True] + [False] * 5
    assert len(pulled.proposal.patch.task_patches) == 150
    accept_pull(synced(), pulled)
    assert repo.load("demo")["T299"].title == "Renamed 299"
    linear.clear_requests()
    assert pull(synced()).proposal is None
    assert all("updatedAt" in r.variables["filter"] for r in linear.calls("issues") if "team" in r.variables.get("filter", {}))
