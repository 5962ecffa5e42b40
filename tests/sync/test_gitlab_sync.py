"""Push and pull against a fake GitLab that the real python-gitlab talks to unchanged."""

from __future__ import annotations

from taskforge.core.history import Provenance
from taskforge.core.models import Mode
from taskforge.core.patches import parse_patch
from taskforge.sync import store
from taskforge.sync.engine import accept_pull, pull, push
from tests.sync.conftest import add_gitlab_remote, make_project


def edit(repo, project_id: str, key: str, **body) -> None:
    version = repo.load(project_id).project.version
    repo.apply_patch(
        parse_patch({"project_id": project_id, "base_version": version,
                     "task_patches": [{"op": "update", "task_id": key, "body": body}]}),
        mode=Mode.EDIT, provenance=Provenance(planner="user"),
    )


def ops_of(pulled) -> list[dict]:
    return [op.model_dump(mode="json", exclude_defaults=True) for op in pulled.proposal.patch.task_patches]


def test_push_creates_issues_with_markers_labels_times_and_links(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    report = push(synced())
    assert report.failure is None
    assert [c.key for c in report.created] == ["T1", "T2", "T3", "T4", "T5"]
    issues = gitlab.project_issues()
    assert len(issues) == 5
    by_title = {issue.title: issue for issue in issues}
    schema = by_title["Design the schema"]
    assert "<!-- taskforge:demo:T1 -->" in schema.description
    assert schema.description.startswith("Tables and keys.")
    assert "priority::high" in schema.labels
    assert schema.time_estimate == 120 * 60
    migration = by_title["Write the migration"]
    assert migration.total_time_spent == 30 * 60
    assert f"Parent: #{schema.iid}" in migration.description
    api = by_title["Build the API"]
    assert "status::doing" in api.labels and api.state == "opened"
    assert [(link.source, link.target, link.link_type) for link in gitlab.links.values()] == [
        ((7, schema.iid), (7, api.iid), "blocks")
    ]
    links = store.links(repo.engine, synced().remote)
    assert {key: link.remote_id for key, link in links.items()} == {f"T{n}": str(n) for n in range(1, 6)}
    assert all(isinstance(link.remote_id, str) for link in links.values())


def test_the_whole_round_trip(repo, gitlab, synced):
    """push → push again (no write) → local edits → push (only those) → remote edits → pull (exactly
    those) → undo the pull."""
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())

    gitlab.clear()
    again = push(synced())
    assert again.writes == 0 and gitlab.write_calls() == []

    edit(repo, "demo", "T1", title="Design the database schema")
    edit(repo, "demo", "T2", actual_minutes=75)
    gitlab.clear()
    report = push(synced())
    assert [(c.key, list(c.fields)) for c in report.updated] == [("T1", ["title"]), ("T2", ["spent_minutes"])]
    writes = [(r.method, r.path.rsplit("/", 1)[-1], r.body) for r in gitlab.write_calls()]
    assert writes == [("PUT", "1", {"title": "Design the database schema"}),
                      ("POST", "add_spent_time", {"duration": "45m"})]  # the difference, not the total
    assert gitlab.issue(2).total_time_spent == 75 * 60

    gitlab.edit(3, title="Build the REST API")
    gitlab.edit(4, state="closed")
    gitlab.edit(5, labels=["priority::critical"])
    before = repo.load("demo")
    pulled = pull(synced())
    assert ops_of(pulled) == [
        {"op": "update", "task_id": "T3", "body": {"title": "Build the REST API"}},
        {"op": "update", "task_id": "T4", "body": {"status": "done"}},
        {"op": "update", "task_id": "T5", "body": {"priority": "critical"}},
    ]
    assert pulled.conflicts == []
    applied = accept_pull(synced(), pulled)
    assert applied.record.planner == "sync:gl" and applied.record.author == "sync:gl"
    tree = repo.load("demo")
    assert (tree["T3"].title, tree["T4"].status, tree["T5"].priority) == ("Build the REST API", "done", "critical")

    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []  # no echo of the pulled values
    assert pull(synced()).proposal is None  # and nothing new to pull

    repo.undo("demo")
    after_undo = repo.load("demo")
    assert {k: t.model_dump() for k, t in after_undo.tasks.items()} == {k: t.model_dump() for k, t in before.tasks.items()}


def test_a_field_changed_on_both_sides_is_not_pushed_and_the_pull_keeps_the_local_value(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    edit(repo, "demo", "T1", title="Local title", description="Changed here only")
    gitlab.edit(1, title="Remote title")

    gitlab.clear()
    report = push(synced())
    assert [(c.key, list(c.fields)) for c in report.conflicts] == [("T1", ["title"])]
    assert [(c.key, list(c.fields)) for c in report.updated] == [("T1", ["description"])]
    assert gitlab.issue(1).title == "Remote title"
    assert all("title" not in r.body for r in gitlab.write_calls())

    pulled = pull(synced())
    assert ops_of(pulled) == [{"op": "update", "task_id": "T1", "body": {"title": "Remote title"}}]
    assert pulled.conflict_ops == {0}
    assert pulled.conflicts == ["T1 title: here 'Local title', on GitLab 'Remote title'"]
    assert accept_pull(synced(), pulled) is None  # by default a conflict keeps the local value
    assert repo.load("demo")["T1"].title == "Local title"
    push(synced())  # the local value wins on the service too, now that the remote one was seen
    assert gitlab.issue(1).title == "Local title"


def test_accepting_the_remote_side_of_a_conflict(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    edit(repo, "demo", "T1", title="Local title")
    gitlab.edit(1, title="Remote title")
    pulled = pull(synced())
    accept_pull(synced(), pulled, kept=[0])
    assert repo.load("demo")["T1"].title == "Remote title"
    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []


def test_a_push_stopped_half_way_resumes_without_duplicates(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    # T2 is created, then its time spent fails for good: the push stops with T2's issue made but unlinked.
    gitlab.fail_next(500, times=4, match="/add_spent_time")
    report = push(synced())
    assert report.failure == "GitLab: T2 (#2): 500 scripted 500 (after 4 tries)"
    assert [c.key for c in report.created] == ["T1"]
    assert len(gitlab.project_issues()) == 2

    resumed = push(synced())
    assert resumed.failure is None
    assert [c.key for c in resumed.adopted] == ["T2"]
    assert [c.key for c in resumed.created] == ["T3", "T4", "T5"]
    issues = gitlab.project_issues()
    assert len(issues) == 5  # no duplicate of T2
    assert gitlab.issue(2).total_time_spent == 30 * 60
    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []


def test_an_issue_deleted_by_hand(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    gitlab.delete(1)  # T1: T2's parent and T3's dependency
    edit(repo, "demo", "T1", title="Edited after the push")
    report = push(synced())
    assert [c.key for c in report.gone] == ["T1"]
    assert report.failure is None

    pulled = pull(synced())
    assert ops_of(pulled)[-1] == {"op": "delete", "task_id": "T1", "cascade": True}
    assert {"op": "update", "task_id": "T3", "body": {"depends_on": []}} in ops_of(pulled)
    # T1 changed here since the last sync: deleting it is a conflict, off unless accepted.
    assert len(pulled.conflict_ops) == 2
    accept_pull(synced(), pulled, kept=range(len(ops_of(pulled))))
    tree = repo.load("demo")
    assert "T1" not in tree and "T2" not in tree and tree["T3"].depends_on == []
    gitlab.clear()
    report = push(synced())
    assert report.failure is None and report.gone == []
    assert [c.key for c in report.closed] == ["T2"]  # the child went with its parent: its issue is closed


def test_a_task_deleted_here_closes_its_issue(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    version = repo.load("demo").project.version
    repo.apply_patch(parse_patch({"project_id": "demo", "base_version": version,
                                  "task_patches": [{"op": "delete", "task_id": "T5"}]}), mode=Mode.EDIT)
    report = push(synced())
    assert [c.key for c in report.closed] == ["T5"]
    assert gitlab.issue(5).state == "closed"
    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []


def test_new_issue_under_a_linked_parent_is_created_locally(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    gitlab.add_issue("Index the foreign keys", description="Found in review.\n\nParent: #1",
                     labels=["priority::low"])
    pulled = pull(synced())
    assert ops_of(pulled) == [{"op": "create", "task_id": "n1", "body": {
        "parent_task_id": "T1", "title": "Index the foreign keys", "description": "Found in review.",
        "status": "todo", "priority": "low"}}]
    applied = accept_pull(synced(), pulled)
    key = applied.key_map["n1"]
    assert repo.load("demo")[key].parent_key == "T1"
    assert store.links(repo.engine, synced().remote)[key].remote_id == "6"
    assert pull(synced()).proposal is None
    report = push(synced())  # the issue made on GitLab gets its marker, and nothing else changes
    assert [(c.key, list(c.fields)) for c in report.updated] == [(key, ["description"])]
    assert gitlab.issue(6).description == f"Found in review.\n\nParent: #1\n\n<!-- taskforge:demo:{key} -->"
    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []


def test_dry_run_sends_nothing(repo, gitlab, synced):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    report = push(synced(), dry_run=True)
    assert len(report.created) == 5
    assert gitlab.write_calls() == [] and store.links(repo.engine, synced().remote) == {}


def test_without_blocking_links_dependencies_become_a_line_and_a_note(repo, gitlab, synced):
    gitlab.blocking_links = False
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    sync = synced()
    push(sync)
    assert "Depends on #1" in gitlab.issue(3).description
    assert any("no blocking links" in note for note in sync.reporter.notes)
    gitlab.clear()
    assert push(synced()).writes == 0 and gitlab.write_calls() == []


def test_rate_limits_are_waited_for_within_bounds(repo, gitlab, synced, sleeps):
    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    gitlab.fail_next(429, times=2, retry_after=12)
    gitlab.fail_next(503, times=1)
    sync = synced()
    report = push(sync)
    assert report.failure is None and len(gitlab.project_issues()) == 5
    assert sleeps[:3] == [12, 12, 0.5]
    assert sync.reporter.progress_lines[0] == "waiting 12 s for GitLab's rate limit"

    gitlab.fail_next(429, retry_after=3600)
    edit(repo, "demo", "T1", title="Renamed")
    report = push(synced())
    assert report.failure.startswith("GitLab: issues changed since the last sync: rate limit still exceeded")


def test_three_hundred_tasks_through_paginated_pulls(repo, gitlab, synced):
    make_project(repo, count=300)
    add_gitlab_remote(repo, gitlab)
    push(synced())
    assert len(gitlab.project_issues()) == 300
    for iid in range(1, 301, 2):
        gitlab.edit(iid, title=f"Renamed {iid}")
    gitlab.clear()
    pulled = pull(synced())
    pages = [r.query["page"][0] for r in gitlab.requests if r.path.endswith("/issues") and "updated_after" not in r.query
             and "iids[]" not in r.query]
    assert pages == ["1", "2", "3"]  # followed to the end, 100 a page
    assert len(pulled.proposal.patch.task_patches) == 150
    accept_pull(synced(), pulled)
    assert repo.load("demo")["T299"].title == "Renamed 299"
    second = pull(synced())
    assert second.proposal is None
    list_requests = [r for r in gitlab.requests if r.path.endswith("/issues") and "updated_after" in r.query]
    assert list_requests  # the second pull asks only for what changed since (minus the overlap)


def test_links_and_remotes_on_sqlite_and_postgresql(store, gitlab, sleeps):
    from taskforge.store.repository import SqlRepository
    from taskforge.sync.adapter import CollectingReporter, RetryPolicy
    from taskforge.sync.engine import open_sync
    from tests.sync.conftest import TOKEN

    with SqlRepository.open(store.url) as repo:
        make_project(repo)
        add_gitlab_remote(repo, gitlab)

        def opened():
            return open_sync(repo, "demo", "gl", CollectingReporter(), RetryPolicy(sleep=sleeps),
                             environ={"GITLAB_TOKEN": TOKEN})

        assert len(push(opened()).created) == 5
        gitlab.edit(2, title="Edited on GitLab")
        accept_pull(opened(), pull(opened()))
        assert repo.load("demo")["T2"].title == "Edited on GitLab"
        gitlab.clear()
        assert push(opened()).writes == 0 and gitlab.write_calls() == []
        assert pull(opened()).proposal is None
        assert store_links_are_strings(repo)


def store_links_are_strings(repo) -> bool:
    from taskforge.sync.adapter import Remote

    links = store.links(repo.engine, Remote("demo", "gl", "gitlab", "", "", ""))
    return len(links) == 5 and all(isinstance(link.remote_id, str) and link.url for link in links.values())


def test_a_missing_adapter_library_is_one_line(repo, gitlab, monkeypatch):
    import sys

    from taskforge.core.errors import TaskforgeError
    from taskforge.sync.adapter import CollectingReporter
    from taskforge.sync.engine import open_sync

    make_project(repo)
    add_gitlab_remote(repo, gitlab)
    monkeypatch.setitem(sys.modules, "gitlab", None)  # as if python-gitlab were not installed
    monkeypatch.delitem(sys.modules, "taskforge.sync.gitlab", raising=False)
    try:
        open_sync(repo, "demo", "gl", CollectingReporter(), environ={"GITLAB_TOKEN": "x"})
    except TaskforgeError as exc:
        assert "needs the sync extra: pip install 'taskforge[sync]'" in str(exc)
    else:
        raise AssertionError("no error")
