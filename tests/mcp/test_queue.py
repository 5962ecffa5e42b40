"""The review queue's decisions are whole: a proposal is written once, with its verdict, or not at all."""

from __future__ import annotations

import pytest

from taskforge.core.errors import BadInput
from taskforge.core.history import Provenance
from taskforge.core.models import Project
from taskforge.core.patches import parse_patch
from taskforge.mcp import queue
from taskforge.store.repository import SqlRepository
from tests.conftest import SAMPLE

DOCS = {"task_patches": [{"op": "create", "task_id": "n1", "body": {"title": "Write docs"}}]}


@pytest.fixture
def shared(store):
    """Two sessions on one database (SQLite and PostgreSQL), with the sample project."""
    one, two = SqlRepository.open(store.url), SqlRepository.open(store.url)
    one.create_project(Project(id="sample", title="Sample"), parse_patch(SAMPLE), Provenance(message="seed"))
    yield one, two
    one.close()
    two.close()


def test_a_proposal_rejected_while_its_review_was_open_is_not_written(shared):
    mine, theirs = shared
    number = queue.propose_patch(mine, "sample", DOCS, "Docs", "claude-code").queued.id
    review = queue.open_review(mine, number)
    queue.reject(theirs, number, "no", by="bob")
    with pytest.raises(BadInput, match=f"proposal #{number} was already rejected"):
        queue.accept(mine, review, None, by="alice")
    assert mine.load("sample").project.version == 1 and len(mine.history("sample")) == 1
    assert queue.status(mine, number)["state"] == "rejected"


def test_a_proposal_is_accepted_once(shared):
    mine, theirs = shared
    number = queue.propose_patch(mine, "sample", DOCS, "Docs", "claude-code").queued.id
    first, second = queue.open_review(mine, number), queue.open_review(theirs, number)
    applied = queue.accept(mine, first, None, by="alice")
    with pytest.raises(Exception) as refused:  # the version moved on: a conflict, or already accepted
        queue.accept(theirs, second, None, by="bob")
    assert "conflict" in str(refused.value) or "already accepted" in str(refused.value)
    assert [task.title for task in mine.load("sample").tasks.values()].count("Write docs") == 1
    assert queue.status(theirs, number)["change"] == applied.record.seq
