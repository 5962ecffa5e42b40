"""Real-shaped files from other tools (tests/fixtures/real/, written for these tests with the quirks those
tools accept) import through the command line with exactly these notes, one per repair or kept field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"

EXPECTED = {
    "taskmaster-tagged.json": (
        ["task-master-tasks-master", "task-master-tasks-feature-x"],
        [
            "tag master: tasks[0].subtasks[1] (id 1.1): sub-task id 1 repeats within task 1; renumbered 1.3",
            "tag master: kept assignee, complexity in the descriptions (taskforge has no field for them)",
            'tag master: tasks[2] (id "42-1"): its id "42-1" is not a whole number; it became T8',
            "tag master: tasks[1] (id 2): depends on itself; dropped that dependency",
            'tag master: tasks[2] (id "42-1"): its dependencies form a cycle (T2 → T4 → "Import the old data" → T2); '
            "dropped its dependency on T2",
            "tag feature-x: tasks[1] (id 1): its id 1 repeats tasks[0] (id 1); it became T2",
        ],
    ),
    "taskwarrior-quirks.json": (
        ["taskwarrior-tasks"],
        [
            'record 1 ("Call the plumber"): has no uuid; gave it one, as `task import` does',
            'record 4 ("Buy paint and brushes"): its uuid 5d4c1f1e-8a4b-4c55-9f0e-0c7d1d9a1a01 repeats record 2; '
            "the later one wins, as in `task import`",
            "left out 1 deleted task(s) and recurrence template(s)",
            "kept due, estimate, wait in the descriptions (taskforge has no field for them)",
            'record 3 ("Paint the garage"): depends on 9b9b9b9b-0000-4000-8000-000000000000, which is not in the file; '
            "dropped that dependency",
        ],
    ),
    "backlog-project": (
        ["garden-shed"],
        [
            "left out the drafts of backlog/ (not tasks of the board)",
            'tasks/task-1 - Pick-a-site.md (TASK-1, "Pick a site"): kept 1 ticked acceptance criteria without the tick '
            "(taskforge has none)",
            "kept Implementation Notes, Implementation Plan, assignee, due_date in the descriptions "
            "(taskforge has no field for them)",
            'tasks/task-3 - Walls-and-roof.md (TASK-3, "Walls and roof"): depends on TASK-9, which is not in the folder; '
            "dropped that dependency",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_imports_with_exactly_these_notes(cli, name):
    ids, notes = EXPECTED[name]
    result = cli("import", str(REAL / name), "--json")
    assert result.exit_code == 0, result.output
    imported = json.loads(result.stdout)
    assert [item["id"] for item in (imported if isinstance(imported, list) else [imported])] == ids
    assert result.stderr.splitlines() == [f"taskforge: note: {note}" for note in notes]


def test_what_was_kept_is_in_the_descriptions(cli):
    cli("import", str(REAL / "taskmaster-tagged.json"))
    cli("import", str(REAL / "taskwarrior-quirks.json"))
    cli("import", str(REAL / "backlog-project"))

    def tasks(project: str) -> dict[str, dict]:
        found, stack = {}, json.loads(cli("show", project, "--json").stdout)["tasks"]
        while stack:
            task = stack.pop()
            found[task["title"]] = task
            stack += task["children"]
        return found

    master = tasks("task-master-tasks-master")
    assert master["Set up the repository"]["description"] == (
        "Monorepo with the API and the web app.\n\nUse pnpm workspaces.\n\nTest strategy:\nCI runs on a fresh clone."
        "\n\nOther Task Master fields:\n- complexity: 3")
    assert master["Import the old data"]["description"] == "Other Task Master fields:\n- assignee: kim"
    assert [master["Design the schema"]["depends_on"], master["Add CI"]["depends_on"]] == [["T1", "T4"], ["T5"]]
    home = tasks("taskwarrior-tasks")
    assert home["Call the plumber"]["description"] == "Other Taskwarrior fields:\n- due: 2025-03-05 17:00 UTC"
    assert home["Buy paint and brushes"]["description"] == "White, satin finish"
    assert home["Paint the garage"]["description"] == (
        "Other Taskwarrior fields:\n- wait: 2025-03-03 00:00 UTC\n- estimate: 3h")
    assert [home[t]["title"] for t in ("Buy paint and brushes",)] and "Buy paint" not in home
    shed = tasks("garden-shed")
    assert shed["Build the base"]["description"] == (
        "Other Backlog.md fields:\n- Implementation Plan:\n  1. Dig\n  2. Pour\n- Implementation Notes: Gravel ordered.")
    assert shed["Lay the slabs"]["description"] == "Other Backlog.md fields:\n- due_date: 2025-06-01"
