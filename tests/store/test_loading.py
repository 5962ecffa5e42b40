"""Loading a big tree costs one query for the project and one for all its tasks."""

from __future__ import annotations

from sqlalchemy import event

from taskforge.core.history import Provenance
from taskforge.core.models import Mode, Project
from tests.generators import generated_patch


def test_ten_thousand_tasks_load_in_two_queries(repo):
    patch = generated_patch("big", 10_000)
    repo.create_project(Project(id="big", title="Big"), patch, Provenance(), mode=Mode.IMPORT)

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(repo.engine, "before_cursor_execute", listener)
    try:
        tree = repo.load("big")
    finally:
        event.remove(repo.engine, "before_cursor_execute", listener)

    assert len(tree) == 10_000
    assert max(tree.depth(key) for key in tree.tasks) == 5
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects
