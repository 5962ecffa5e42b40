"""Task Master's tasks.json: written in its two levels, and read back from either of its shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from taskforge.core.errors import BadInput
from taskforge.core.models import Priority, Status
from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from taskforge.export import taskmaster
from tests.export.conftest import projects
from tests.export.trees import awkward_tree, big_tree, empty_tree, sample_tree

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
TASK_FIELDS = {"id", "title", "description", "details", "testStrategy", "status", "priority", "dependencies"}


def reimported(text: str, notes: list[str] | None = None) -> Tree:
    project, patch = taskmaster.read(text, notes)
    return apply(patch, Tree.empty(project), "import").tree


def test_the_document_has_task_masters_shape():
    document = json.loads(taskmaster.render(sample_tree(), now=NOW))
    assert list(document) == ["master"]
    tag = document["master"]
    assert tag["metadata"] == {"projectName": "Sample", "description": "A sample project",
                               "created": "2025-03-01T12:00:00Z", "updated": "2025-03-01T12:00:00Z"}
    design, build, ship = tag["tasks"]
    assert set(design) == TASK_FIELDS | {"subtasks"} and set(design["subtasks"][0]) == TASK_FIELDS
    assert [t["id"] for t in tag["tasks"]] == [1, 2, 3] and [s["id"] for s in design["subtasks"]] == [1, 2]
    assert (build["title"], build["priority"], build["dependencies"]) == ("Build", "high", [1])
    assert design["subtasks"][0]["status"] == "done"
    assert design["subtasks"][1]["dependencies"] == [1]  # a sibling subtask, as Task Master reads a number there
    assert ship["testStrategy"] == "- Deployed"


def test_deeper_levels_are_folded_into_details_with_a_note():
    tree = awkward_tree()
    tasks = json.loads(taskmaster.render(tree, now=NOW))["master"]["tasks"]
    level2 = tasks[0]["subtasks"][0]
    assert level2["title"] == "Level 2 · with a middle dot"
    assert level2["details"].splitlines() == [
        "Sub-tasks:",
        "- [ ] T3 Level 3: colon; semicolon · blocked · after T2",
        "  - [ ] T4 Level 4 %% not a comment · est 0m",
        "    - [x] T5 Level 5 (deepest) [x] {y} · est 45m · after T1",
    ]
    assert tasks[1]["dependencies"] == ["1.1"]  # T6 waits on T5, which lives in subtask 1.1 now
    assert tasks[1]["subtasks"][0]["dependencies"] == ["1.1"]  # T7's wait on its own parent T6 cannot be said
    notes = taskmaster.losses(tree)
    assert notes[0].startswith("taskmaster: 3 task(s) below the second level were written into their subtask's details")
    assert notes[1] == "taskmaster: a subtask can only depend on subtasks; dropped T7 → T6"


def test_round_trip_keeps_titles_text_statuses_and_the_two_levels():
    tree = awkward_tree()
    again = reimported(taskmaster.render(tree, now=NOW))
    assert again.project.title == tree.project.title and again.project.summary == tree.project.summary
    assert [again[k].title for k in again.roots] == [tree[k].title for k in tree.roots]
    first = again["T1"]
    assert first.description == tree["T1"].description
    assert first.acceptance_criteria == tree["T1"].acceptance_criteria
    assert (first.status, first.priority) == (Status.DOING, Priority.HIGH)  # critical is written as high
    child = again[again.children["T1"][0]]
    assert child.title == "Level 2 · with a middle dot" and child.status is Status.DONE
    assert child.description.startswith("Sub-tasks:\n- [ ] T3 Level 3")
    assert again["T2"].depends_on == [child.key]


def test_the_command_line_says_what_was_folded(cli, store, tmp_path):
    project = store(awkward_tree())
    result = cli("export", project, "--format", "taskmaster", "-o", str(tmp_path / "tasks.json"))
    assert result.exit_code == 0
    assert "taskforge: note: taskmaster: 3 task(s) below the second level" in result.stderr
    imported = cli("import", str(tmp_path / "tasks.json"), "--json")  # told apart from other JSON by its shape
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["tasks"] == 5


LEGACY = {
    "meta": {"projectName": "Legacy app"},
    "tasks": [
        {"id": 1, "title": "Set up", "status": "done", "dependencies": [], "priority": "high",
         "details": "Use the template.", "testStrategy": "Run the build and see it pass."},
        {"id": 3, "title": "Build it", "status": "review", "dependencies": [1],
         "subtasks": [
             {"id": 1, "title": "Models", "status": "pending", "dependencies": [],
              "acceptanceCriteria": "- Tables exist\n- Migrations run"},
             {"id": 2, "title": "Views", "status": "deferred", "dependencies": [1, "1"], "priority": "low"},
         ]},
    ],
}


def test_the_older_shape_and_task_masters_conventions():
    tree = reimported(json.dumps(LEGACY))
    assert tree.project.title == "Legacy app"
    setup, build = (tree[k] for k in tree.roots)
    assert (setup.key, build.key) == ("T1", "T3")  # task ids become keys
    assert setup.description == "Use the template.\n\nTest strategy:\nRun the build and see it pass."
    assert build.depends_on == ["T1"] and build.status is Status.DOING and build.tags == ["review"]
    models, views = (tree[k] for k in tree.children["T3"])
    assert models.acceptance_criteria == ["Tables exist", "Migrations run"]
    assert models.priority is Priority.MEDIUM  # inherited from its task, as Task Master does
    assert views.depends_on == [models.key] and views.tags == ["deferred"] and views.priority is Priority.LOW


def test_a_tagged_file_read_as_one_project_takes_master_and_names_the_other_tags():
    document = {"feature-x": {"tasks": [{"id": 1, "title": "Other"}]},
                "master": {"tasks": [{"id": 1, "title": "Main"}], "metadata": {"description": "Mainline"}}}
    notes: list[str] = []
    tree = reimported(json.dumps(document), notes)
    assert [task.title for task in tree.tasks.values()] == ["Main"] and tree.project.summary == "Mainline"
    assert notes == ["imported the tag 'master'; left out 'feature-x'"]


def test_every_tag_is_its_own_project_or_only_the_one_asked_for():
    document = {"master": {"tasks": [{"id": 1, "title": "Main"}], "metadata": {"description": "Mainline"}},
                "feature-x": {"tasks": [{"id": 1, "title": "Other"}, {"id": 2, "title": "More"}]}}
    both = taskmaster.read_all(json.dumps(document))
    assert [(project.id, project.title) for project, _ in both] == [
        ("task-master-tasks-master", "Task Master tasks (master)"),
        ("task-master-tasks-feature-x", "Task Master tasks (feature-x)")]
    assert [len(patch.task_patches) for _, patch in both] == [1, 2]
    (project, patch), = taskmaster.read_all(json.dumps(document), tag="feature-x")
    assert project.title == "feature-x" and len(patch.task_patches) == 2
    with pytest.raises(BadInput, match="no tag 'nope' in the file \\(it has 'master', 'feature-x'\\)"):
        taskmaster.read_all(json.dumps(document), tag="nope")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{"tasks": [{"id": 0, "title": "A"}]}', ["tasks[0] (id 0): its id 0 is not a whole number; it became T1"]),
        ('{"tasks": [{"id": 1, "title": "A", "dependencies": [7]}]}',
         ["tasks[0] (id 1): depends on 7, which is not in the file; dropped that dependency"]),
        ('{"tasks": [{"id": 1, "title": "A", "dependencies": [1]}]}',
         ["tasks[0] (id 1): depends on itself; dropped that dependency"]),
        ('{"tasks": [{"id": 1, "title": "A", "subtasks": [{"id": 1, "title": "B", "dependencies": [2]}]}]}',
         ["tasks[0].subtasks[0] (id 1.1): depends on 2, which is not in the file; dropped that dependency"]),
        ('{"tasks": [{"id": 1, "title": "A", "dependencies": [2]}, {"id": 2, "title": "B", "dependencies": [1]}]}',
         ["tasks[1] (id 2): its dependencies form a cycle (T1 → T2 → T1); dropped its dependency on T1"]),
        ('{"tasks": [{"id": 1, "title": "A"}, {"id": 1, "title": "B"}]}',
         ["tasks[1] (id 1): its id 1 repeats tasks[0] (id 1); it became T2"]),
        ('{"tasks": [{"id": "42-1", "title": "A"}, {"id": 2, "title": "B", "dependencies": ["42-1"]}]}',
         ['tasks[0] (id "42-1"): its id "42-1" is not a whole number; it became T3']),
        ('{"tasks": [{"id": 1, "title": "A", "complexity": 7, "subtasks": [{"id": 1, "title": "B"}, {"id": 1, "title": "C"}]}]}',
         ["tasks[0].subtasks[1] (id 1.1): sub-task id 1 repeats within task 1; renumbered 1.2",
          "kept complexity in the descriptions (taskforge has no field for them)"]),
    ],
)
def test_what_task_master_loads_is_repaired_with_a_note_naming_the_record(document, expected):
    notes: list[str] = []
    reimported(document, notes)
    assert notes == expected


def test_a_string_id_and_kept_fields_survive():
    text = json.dumps({"tasks": [
        {"id": "42-1", "title": "A", "complexity": 7, "owner": {"name": "kim"}},
        {"id": 2, "title": "B", "dependencies": ["42-1"]}]})
    tree = reimported(text)
    assert tree["T2"].depends_on == ["T3"]
    assert tree["T3"].description == 'Other Task Master fields:\n- complexity: 7\n- owner: {"name": "kim"}'


def test_empty_and_big_projects():
    empty = json.loads(taskmaster.render(empty_tree(), now=NOW))
    assert empty["master"]["tasks"] == []
    assert len(reimported(taskmaster.render(empty_tree(), now=NOW))) == 0
    big = json.loads(taskmaster.render(big_tree(), now=NOW))["master"]["tasks"]
    assert len(big) == 6 and sum(len(task["subtasks"]) for task in big) < 10_000


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{", "not a Task Master tasks.json: Expecting property name"),
        ("[]", "not a Task Master tasks.json: expected"),
        ('{"master": {}}', "not a Task Master tasks.json: expected"),
        ('{"tasks": [{"id": 1, "title": ""}]}', "tasks[0] (id 1): no title"),
        ('{"tasks": [{"id": 1, "title": "A", "status": "someday"}]}', "tasks[0] (id 1): unknown status “someday”"),
        ('{"tasks": [{"id": 1, "title": "A", "priority": "urgent"}]}', "unknown priority “urgent”"),
        ('{"tasks": [{"id": 1, "title": "A", "dependencies": [[2]]}]}', "cannot read the dependency [2]"),
    ],
)
def test_bad_files_name_the_record(document, expected):
    with pytest.raises(BadInput) as caught:
        taskmaster.read(document)
    assert expected in str(caught.value)


def test_bad_file_through_the_command_line_creates_nothing(cli, tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text('{"master": {"tasks": [{"id": 1, "title": "A", "status": "someday"}]}}', encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1 and "tasks[0] (id 1): unknown status “someday”" in result.stderr
    assert projects(cli) == []


def test_the_command_line_imports_every_tag_or_the_one_asked_for(cli, tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"master": {"tasks": [{"id": 1, "title": "Main"}]},
                                "feature-x": {"tasks": [{"id": 1, "title": "Other"}]}}), encoding="utf-8")
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert [item["id"] for item in json.loads(result.stdout)] == ["task-master-tasks-master", "task-master-tasks-feature-x"]
    one = cli("import", str(path), "--tag", "feature-x", "--json")
    assert one.exit_code == 0 and json.loads(one.stdout)["title"] == "feature-x"
    missing = cli("import", str(path), "--tag", "nope")
    assert missing.exit_code == 1 and "no tag 'nope' in the file" in missing.stderr
    assert len(projects(cli)) == 3
