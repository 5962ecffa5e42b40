"""The review queue on the command line: `proposals`, `review`, `agents allow|deny`, and their refusals."""

from __future__ import annotations

import json

from taskforge.mcp import queue

DOCS = {"task_patches": [{"op": "create", "task_id": "n1", "body": {"title": "Write docs"}}]}


def test_proposals_lists_the_queue_oldest_first(cli, repo, sample):
    assert cli("proposals", "sample").stdout == "No proposals for 'sample'.\n"
    assert json.loads(cli("proposals", "sample", "--json").stdout) == []
    first = queue.propose_patch(repo, "sample", DOCS, "Docs", "claude-code").queued
    second = queue.propose_patch(repo, "sample", DOCS, "Docs again", "cursor").queued
    lines = cli("proposals", "sample").stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [
        [f"#{first.id}", "pending", "claude-code"], [f"#{second.id}", "pending", "cursor"]]
    assert [p["id"] for p in json.loads(cli("proposals", "sample", "--json").stdout)] == [first.id, second.id]


def test_review_refuses_contradictions_unknown_and_decided_proposals(cli, repo, sample):
    number = queue.propose_patch(repo, "sample", DOCS, "Docs", "claude-code").queued.id
    both = cli("review", "sample", str(number), "--yes", "--reject")
    assert both.exit_code == 2 and "contradict" in both.stderr
    assert cli("review", "sample", str(number), "--note", "x").exit_code == 2
    missing = cli("review", "sample", "99", "--yes")
    assert missing.exit_code == 1 and "project 'sample' has no proposal #99" in missing.stderr
    assert cli("review", "sample", str(number), "--yes").exit_code == 0
    again = cli("review", "sample", str(number), "--yes")
    assert again.exit_code == 1 and f"proposal #{number} was already accepted (change #2)" in again.stderr
    late = cli("review", "sample", str(number), "--reject")
    assert late.exit_code == 1 and "already accepted" in late.stderr


def test_agents_allow_and_deny_progress(cli, repo, sample):
    assert cli("agents", "allow", "sample", "progress").stdout == "Agents' progress reports now apply at once in 'sample'.\n"
    assert "already applied" in cli("agents", "allow", "sample", "progress").stdout
    assert queue.grants(repo, "sample") == {"progress"}
    assert "now wait" in cli("agents", "deny", "sample", "progress").stdout
    assert queue.grants(repo, "sample") == set()
    assert cli("agents", "allow", "sample", "everything").exit_code == 2
    unknown = cli("agents", "allow", "nope", "progress")
    assert unknown.exit_code == 1 and "no project 'nope'" in unknown.stderr
