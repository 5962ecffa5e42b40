"""The lean export path (`export/lean.py`): the same output and messages as the full command, without
loading the command-line parser, pydantic or the ORM; and the faster pieces of the taskwarrior
exporter give exactly what the straightforward code gave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskforge.core.tree import Tree
from taskforge.export import lean, taskwarrior
from taskforge.export.common import TASKFORGE_NAMESPACE, stable_uuid, stable_uuids
from taskforge.export.files import export_text
from taskforge.store import rows
from taskforge.store.reader import SqliteReader
from tests.export.trees import awkward_tree, empty_tree, trees

NOW = datetime(2025, 3, 1, 12, 0, 59, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent.parent / "data" / "examples" / "auth-flow.json"


def plain_copy(tree: Tree) -> Tree:
    """The same tree as the lean reader builds it: plain records instead of models."""
    project = tree.project
    project_row = (project.id, project.title, project.summary, project.status.value, project.version, project.next_key, "")
    ids = {key: n for n, key in enumerate(tree.walk(), start=1)}
    task_rows = [
        (ids[key], key, ids.get(task.parent_key), task.title, task.description, task.status.value, task.priority.value,
         task.estimate_minutes, task.actual_minutes, json.dumps(task.acceptance_criteria), json.dumps(task.depends_on),
         json.dumps(task.tags))
        for key in tree.walk()
        for task in [tree[key]]
    ]
    return rows.tree(project_row, task_rows, plain=True)[0]


@pytest.mark.parametrize("fmt", sorted(lean.PLAIN_FORMATS))
@pytest.mark.parametrize("make", [awkward_tree, empty_tree])
def test_plain_records_render_the_same_text_as_models(fmt, make):
    tree = make()
    plain = plain_copy(tree)
    assert type(plain[next(iter(plain.tasks))]).__name__ == "PlainTask" if plain.tasks else True
    module = __import__(f"taskforge.export.{fmt}", fromlist=["render"])
    assert module.render(plain, now=NOW) == module.render(tree, now=NOW)
    for key in tree.tasks:
        assert module.render(plain, key, now=NOW) == module.render(tree, key, now=NOW)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_plain_records_render_the_same_text_on_random_trees(tree):
    assert taskwarrior.render(plain_copy(tree), now=NOW) == taskwarrior.render(tree, now=NOW)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_one_encoding_pass_gives_one_json_dumps_line_per_record(tree):
    """`_lines` against the straightforward `json.dumps` of each record on its own line."""
    records = json.loads(taskwarrior.render(tree, now=NOW))
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    assert taskwarrior._lines(records) == "[\n" + ",\n".join(lines) + ("\n" if lines else "") + "]\n"


def test_a_string_that_looks_like_a_record_start_stays_inside_its_record():
    records = [{"uuid": "1", "description": 'x}, {"uuid": "2'}, {"uuid": "3", "description": "y"}]
    text = taskwarrior._lines(records)
    assert text.count("\n") == 4 and json.loads(text) == records


@given(st.text(max_size=20), st.text(max_size=20))
def test_stable_uuid_is_uuid5(project_id, key):
    try:
        expected = str(uuid.uuid5(TASKFORGE_NAMESPACE, f"{project_id}/{key}"))
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            stable_uuid(project_id, key)
        return
    assert stable_uuid(project_id, key) == expected == stable_uuids(project_id)(key)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
       st.lists(st.integers(0, 200_000), max_size=20))
def test_stamps_are_strftime_of_each_moment(first, offsets):
    stamp = taskwarrior._stamps(first)
    for n in offsets:
        assert stamp(n) == (first + timedelta(seconds=n)).strftime(taskwarrior.STAMP)


# -- the command ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["export", "p", "--format", "taskwarrior", "--db", "x.db"], {"argument": "p", "fmt": "taskwarrior", "db": "x.db"}),
        (["export", "-f", "taskwarrior", "p", "-o", "out.json", "--force", "--task", "T2"],
         {"argument": "p", "fmt": "taskwarrior", "output": "out.json", "force": True, "task": "T2"}),
        (["export", "p", "--format=taskwarrior"], None),  # typer's spelling: typer parses it
        (["export", "p", "--format", "taskwarrior", "--format", "json"], None),
        (["export", "p", "--help"], None),
        (["export", "p", "q"], None),
        (["export", "--format", "taskwarrior"], None),
        (["export", "p", "--db"], None),
        (["export", "p", "--db", "--force"], None),
        (["show", "p"], None),
    ],
)
def test_parse_takes_only_the_plain_shape(args, parsed):
    assert lean.parse(args) == parsed


def taskforge(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The console script as a user runs it (launch.py first)."""
    return subprocess.run([sys.executable, "-m", "taskforge", *args], capture_output=True, text=True, cwd=cwd,
                          env=env or os.environ.copy(), timeout=120)


def full_command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The same command through typer only, never the lean path."""
    code = f"import sys\nsys.argv = ['taskforge', *{list(args)!r}]\nfrom taskforge.cli import main\nmain()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def example_db(tmp_path: Path) -> str:
    db = str(tmp_path / "x.db")
    assert taskforge("import", str(EXAMPLE), "--db", db, cwd=tmp_path).returncode == 0
    return db


def without_times(text: str) -> list[dict]:
    records = json.loads(text)
    for record in records:
        for name in ("entry", "end", "start"):
            record.pop(name, None)
        for annotation in record.get("annotations", []):
            annotation.pop("entry")
    return records


def test_the_lean_path_prints_what_the_full_command_prints(example_db, tmp_path):
    lean_run = taskforge("export", "auth-flow", "--format", "taskwarrior", "--db", example_db, cwd=tmp_path)
    full_run = full_command("export", "auth-flow", "--format", "taskwarrior", "--db", example_db, cwd=tmp_path)
    assert lean_run.returncode == full_run.returncode == 0
    assert lean_run.stderr == full_run.stderr == ""
    assert without_times(lean_run.stdout) == without_times(full_run.stdout)
    assert len(json.loads(lean_run.stdout)) == 8


def test_the_lean_path_writes_a_file_and_says_so_as_the_full_command_does(example_db, tmp_path):
    out = tmp_path / "out.json"
    lean_run = taskforge("export", "auth-flow", "-f", "taskwarrior", "--db", example_db, "-o", str(out), "--task", "T2",
                         cwd=tmp_path)
    full_run = full_command("export", "auth-flow", "-f", "taskwarrior", "--db", example_db, "-o", str(tmp_path / "o2.json"),
                            "--task", "T2", cwd=tmp_path)
    assert lean_run.returncode == full_run.returncode == 0
    assert lean_run.stderr == full_run.stderr.replace("o2.json", "out.json")
    assert without_times(out.read_text()) == without_times((tmp_path / "o2.json").read_text())


@pytest.mark.parametrize(
    "args",
    [
        ["export", "nope", "--format", "taskwarrior"],  # no such project
        ["export", "auth-flow", "--format", "taskwarrior", "--task", "T999"],  # no such task
        ["export", "auth-flow", "--format", "taskwarrior", "-o", "exists.json"],  # no --force
        ["export", "auth-flow", "--format", "taskwarrior", "-o", "."],  # a directory
        ["export", "auth-flow\x1b[2J", "--format", "taskwarrior"],  # terminal control in the id
    ],
)
def test_errors_are_the_full_commands_own(example_db, tmp_path, args):
    (tmp_path / "exists.json").write_text("keep me")
    lean_run = taskforge(*args, "--db", example_db, cwd=tmp_path)
    full_run = full_command(*args, "--db", example_db, cwd=tmp_path)
    assert lean_run.returncode == full_run.returncode != 0
    assert lean_run.stderr == full_run.stderr and lean_run.stderr.startswith("taskforge: ")
    assert lean_run.stdout == "" and (tmp_path / "exists.json").read_text() == "keep me"


def test_a_missing_database_is_never_created(tmp_path):
    missing = tmp_path / "missing.db"
    run = taskforge("export", "p", "--format", "taskwarrior", "--db", str(missing), cwd=tmp_path)
    assert run.returncode != 0 and run.stderr.startswith("taskforge: ") and not missing.exists()


def test_the_lean_path_loads_neither_the_parser_nor_pydantic_nor_the_orm(example_db, tmp_path):
    code = (
        "import sys, json\n"
        f"sys.argv = ['taskforge', 'export', 'auth-flow', '--format', 'taskwarrior', '--db', {example_db!r}]\n"
        "import taskforge.launch as launch\n"
        "launch.leave = sys.exit  # stay alive to list what was loaded\n"
        "try:\n    launch.main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "sys.stderr.write(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    modules = set(json.loads(result.stderr))
    assert not modules & {"typer", "click", "pydantic", "pydantic_core", "sqlalchemy", "sqlmodel", "rich", "textual"}


def test_the_plain_reader_gives_the_same_tree_as_the_model_reader(example_db):
    with SqliteReader.open(Path(example_db)) as reader:
        models, plain = reader.load("auth-flow"), reader.load("auth-flow", plain=True)
    assert plain.children == models.children
    assert {key: vars(task) for key, task in plain.tasks.items()} == {
        key: task.model_dump() for key, task in models.tasks.items()
    }
    assert vars(plain.project) == models.project.model_dump()
    assert export_text(plain, "taskwarrior") is not None
