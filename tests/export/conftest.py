"""The command line for export tests, and a way to store any tree in the test database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskforge.core.tree import Tree
from taskforge.export import taskforge_json


@pytest.fixture
def store(cli, tmp_path: Path):
    """Store a tree (through a taskforge/1 import, keys kept) and return the project id it got."""

    def put(tree: Tree) -> str:
        path = tmp_path / f"{tree.project.id}.seed.json"
        path.write_text(taskforge_json.render(tree), encoding="utf-8")
        result = cli("import", str(path), "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["id"]

    return put


def projects(cli) -> list[dict]:
    return json.loads(cli("projects", "--json").stdout)
