"""Hostile input (issue 13): what a user sees is one line on stderr and the right exit status, and the
database is byte-for-byte unchanged wherever nothing should have changed. One test per failure found.

Most run the real entry point in a subprocess: bytes that are not UTF-8 in argv, /dev/full and closed
pipes only behave as they do for a user there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskforge.cli import app
from tests.conftest import file_digest

EXAMPLE = Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"
CONTROL = ("\x1b", "\x07", "\x9b", "\r")
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
CSI_CLEAR = "\x1b[2J\x1b[H"


def taskforge(*args: str | bytes, input: bytes | None = None, stdout=subprocess.PIPE, env=None):
    """The real command line; output as bytes (what the terminal would get)."""
    return subprocess.run(
        [sys.executable, "-m", "taskforge", *args], input=input, stdout=stdout, stderr=subprocess.PIPE,
        timeout=120, env={**os.environ, **(env or {})},
    )


def one_line(result, code: int = 1, *fragments: str) -> str:
    """The one clean line a user gets on stderr, with exit status `code`."""
    assert result.returncode == code, (result.returncode, result.stderr)
    text = result.stderr.decode("utf-8")  # strict: nothing that is not UTF-8 reaches the terminal
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert text.startswith("taskforge: "), text
    assert "Traceback" not in text
    assert not any(char in text for char in CONTROL), repr(text)
    for fragment in fragments:
        assert fragment in text, text
    return text


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "work.db"
    result = CliRunner().invoke(app, ["import", str(EXAMPLE), "--db", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


def patch_text(**fields) -> str:
    return json.dumps({"project_id": "auth-flow", "base_version": 1} | fields)


def create(title: str = "New task", **body) -> dict:
    return {"op": "create", "task_id": "n1", "body": {"title": title, **body}}


def test_1_deep_nesting_is_one_line(db, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    before = file_digest(db)
    for args in (["apply", "auth-flow", str(deep)], ["import", str(deep)],
                 ["import", str(deep), "--format", "json"], ["import", str(deep), "--format", "taskmaster"]):
        one_line(taskforge(*args, "--db", str(db)), 1, "nested more than 64 levels deep")
    one_line(taskforge("apply", "auth-flow", "-", "--db", str(db), input=deep.read_bytes()), 1, "nested")
    assert file_digest(db) == before


def test_2_lone_surrogates_are_cleaned_everywhere_text_enters(db, tmp_path):
    # a JSON escape in a text field: stored (and shown) with U+FFFD in its place
    path = tmp_path / "surrogate.json"
    path.write_text(patch_text(task_patches=[create("x\\ud800y", description="a\\udcffb")]).replace("\\\\", "\\"))
    dry = taskforge("apply", "auth-flow", str(path), "--dry-run", "--db", str(db))
    assert dry.returncode == 0, dry.stderr
    applied = taskforge("apply", "auth-flow", str(path), "--db", str(db))
    assert applied.returncode == 0, applied.stderr
    shown = json.loads(taskforge("show", "auth-flow", "--json", "--db", str(db)).stdout)
    assert shown["tasks"][-1]["title"] == "x\ufffdy"

    # bytes that are not UTF-8: on stdin, in argv (a project id, -m, a file name), in a goal
    before = file_digest(db)
    one_line(taskforge("apply", "auth-flow", "-", "--db", str(db), input=b'{"a": "\xff"}'), 1, "not UTF-8")
    one_line(taskforge("show", b"auth\xff", "--db", str(db)), 1, "no project 'auth\ufffd'")
    one_line(taskforge("apply", "auth-flow", b"missing\xff.json", "--db", str(db)), 1, "no such file: missing\ufffd.json")
    assert file_digest(db) == before
    odd = os.fsencode(tmp_path) + b"/odd\xff.json"
    Path(os.fsdecode(odd)).write_text(patch_text(base_version=2, task_patches=[create("From an odd file")]))
    assert taskforge("apply", "auth-flow", odd, "--db", str(db)).returncode == 0
    step = json.loads(patch_text(base_version=3, task_patches=[create("With a message")]))
    assert taskforge("apply", "auth-flow", "-", "-m", b"why \xff", "--db", str(db),
                     input=json.dumps(step).encode()).returncode == 0
    planned = taskforge("plan", "-p", "auth-flow", b"add a task called Caf\xe9", "--yes", "--db", str(db))
    assert planned.returncode == 0, planned.stderr
    history = json.loads(taskforge("history", "auth-flow", "--json", "--db", str(db)).stdout)
    assert [record["message"] for record in history[-3:-1]] == ["apply odd\ufffd.json", "why \ufffd"]
    shown = json.loads(taskforge("show", "auth-flow", "--json", "--db", str(db)).stdout)
    assert "Caf\ufffd" in [task["title"] for task in shown["tasks"]]


def test_3_a_5000_digit_number_is_one_line(db, tmp_path):
    before = file_digest(db)
    huge = "9" * 5000
    path = tmp_path / "huge.json"
    path.write_text(patch_text(task_patches=[create()]).replace('"New task"}', f'"New task", "estimate_minutes": {huge}}}'))
    one_line(taskforge("apply", "auth-flow", str(path), "--db", str(db)), 1, "5,000 digits")
    path.write_text(patch_text(base_version=2**64, task_patches=[create()]))
    one_line(taskforge("apply", "auth-flow", str(path), "--db", str(db)), 1, "base_version")
    path.write_text(patch_text(task_patches=[create(position=2**63)]))
    one_line(taskforge("apply", "auth-flow", str(path), "--db", str(db)), 1, "position")
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"uuid": "u1", "description": "A", "status": "pending", "taskforge_estimate": huge}]))
    one_line(taskforge("import", str(tasks), "--format", "taskwarrior", "--db", str(db)), 1, "too large (5,000 digits)")
    assert file_digest(db) == before
    # Task Master loads a task whose id is no usable number: so does taskforge, renumbered, with a short note
    tasks.write_text(json.dumps({"tasks": [{"id": huge, "title": "A"}]}))
    imported = taskforge("import", str(tasks), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    [line] = imported.stderr.decode().splitlines()
    assert line.startswith("taskforge: note: tasks[0]") and line.endswith("it became T1") and len(line) < 200


def test_4_every_input_read_is_bounded(db, tmp_path):
    before = file_digest(db)
    one_line(taskforge("import", "/dev/zero", "--db", str(db)), 1, "/dev/zero is larger than", "max_input_bytes")
    one_line(taskforge("apply", "auth-flow", "/dev/zero", "--db", str(db)), 1, "input limit")
    big = patch_text(task_patches=[create("x" * 100)]).encode()
    one_line(taskforge("apply", "auth-flow", "-", "--db", str(db), input=big, env={"TASKFORGE_MAX_INPUT_BYTES": "64"}),
             1, "standard input is larger than the input limit of 64 bytes")
    assert file_digest(db) == before


def test_5_huge_keys_in_an_import_are_renumbered_with_a_note(tmp_path):
    db = tmp_path / "keys.db"
    checklist = tmp_path / "big.md"
    checklist.write_text(
        "# Big keys\n\n- [ ] **T9223372036854775806** Huge\n- [ ] **T3** Small · after T9223372036854775806\n"
        f"- [ ] **T{'9' * 5000}** Larger\n"
    )
    result = taskforge("import", str(checklist), "--db", str(db))
    assert result.returncode == 0, result.stderr
    notes = result.stderr.decode().splitlines()
    assert len(notes) == 2 and all(line.startswith("taskforge: note: line ") for line in notes)
    assert "T9223372036854775806 is above T1000000" in notes[0] and "imported as T4" in notes[0]
    assert len(notes[1]) < 200  # the 5,000-digit key is quoted short
    shown = json.loads(taskforge("show", "big-keys", "--json", "--db", str(db)).stdout)
    assert [task["key"] for task in shown["tasks"]] == ["T4", "T3", "T5"]
    assert shown["tasks"][1]["depends_on"] == ["T4"]
    later = json.dumps({"project_id": "big-keys", "base_version": 1, "task_patches": [create()]}).encode()
    applied = taskforge("apply", "big-keys", "-", "--db", str(db), input=later)
    assert applied.returncode == 0, applied.stderr
    assert b"n1 \xe2\x86\x92 T6" in applied.stdout

    document = {"format": "taskforge/1", "project": {"id": "p", "title": "P"},
                "tasks": [{"key": "T9223372036854775806", "title": "Huge"}]}
    (tmp_path / "doc.json").write_text(json.dumps(document))
    before = file_digest(db)
    one_line(taskforge("import", str(tmp_path / "doc.json"), "--db", str(db)), 1, "a key is at most T1000000")
    assert file_digest(db) == before


def test_6_terminal_control_in_error_lines_is_cleaned(db, tmp_path):
    before = file_digest(db)
    path = tmp_path / "osc.json"
    path.write_text(json.dumps({"project_id": f"x{OSC52}\nsecond line", "base_version": 1}))
    one_line(taskforge("apply", "auth-flow", str(path), "--db", str(db)), 1, "the patch is for project 'x]52;c;SGVsbG8= second")
    path.write_text(patch_text(task_patches=[{"op": "create", "task_id": f"n{CSI_CLEAR}", "body": {"title": "x"}}]))
    one_line(taskforge("apply", "auth-flow", str(path), "--db", str(db)), 1)
    one_line(taskforge("show", f"p{OSC52}", "--db", str(db)), 1, "no project")
    warrior = tmp_path / "tw.json"
    warrior.write_text(json.dumps([{"uuid": "u1", "description": "A", "status": f"odd{CSI_CLEAR}\nline"}]))
    one_line(taskforge("import", str(warrior), "--db", str(db)), 1, "unknown status")
    master = tmp_path / "tasks.json"
    master.write_text(json.dumps({"tasks": [{"id": 1, "title": "A", "status": f"x{OSC52}"}]}))
    one_line(taskforge("import", str(master), "--db", str(db)), 1, "unknown status")
    checklist = tmp_path / "list.md"
    checklist.write_text(f"# P\n\n- [ ] **T1** A · {OSC52}{CSI_CLEAR}\n")
    one_line(taskforge("import", str(checklist), "--db", str(db)), 1, "line 3: cannot read")
    assert file_digest(db) == before


def test_7_export_never_overwrites_the_database_or_a_file_by_surprise(db, tmp_path):
    before = db.read_bytes()
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    for target in (db, db.with_name("work.db-wal"), db.with_name("work.db-shm"), tmp_path / "link.db", tmp_path / "hard.db"):
        one_line(taskforge("export", "auth-flow", "-o", str(target), "--force", "--db", str(db)), 1, "database in use")
    assert db.read_bytes() == before
    one_line(taskforge("export", "auth-flow", "-o", str(tmp_path), "--db", str(db)), 1, "is a directory")

    out = tmp_path / "plan.md"
    out.write_text("mine")
    one_line(taskforge("export", "auth-flow", "-f", "md", "-o", str(out), "--db", str(db)), 1, "exists", "--force")
    assert out.read_text() == "mine"
    forced = taskforge("export", "auth-flow", "-f", "md", "-o", str(out), "--force", "--db", str(db))
    assert forced.returncode == 0 and out.read_text().startswith("# ")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left behind
    fresh = tmp_path / "fresh.json"
    assert taskforge("export", "auth-flow", "-o", str(fresh), "--db", str(db)).returncode == 0
    assert json.loads(fresh.read_text())["project"]["id"] == "auth-flow"
    assert taskforge("export", "auth-flow", "-o", os.devnull, "--db", str(db)).returncode == 0  # a device: written


def test_8_output_errors_are_one_line_and_a_committed_change_is_not_a_failure(db, tmp_path):
    with open("/dev/full", "wb") as full:
        for args in (["show", "auth-flow"], ["show", "auth-flow", "--json"], ["projects"], ["history", "auth-flow"],
                     ["export", "auth-flow"]):
            one_line(taskforge(*args, "--db", str(db), stdout=full), 1, "cannot write the output: No space left on device")
        patch = tmp_path / "p.json"
        patch.write_text(patch_text(task_patches=[create()]))
        applied = taskforge("apply", "auth-flow", str(patch), "--db", str(db), stdout=full)
    one_line(applied, 0, "Applied #2 to 'auth-flow': version 1 → 2", "but its report could not be written")
    assert len(json.loads(taskforge("history", "auth-flow", "--json", "--db", str(db)).stdout)) == 2

    # a reader that stops reading (`| head -1`): quiet, status 0
    for args in (["show", "auth-flow"], ["export", "auth-flow"], ["history", "auth-flow", "--json"]):
        reader, writer = os.pipe()
        os.close(reader)
        try:
            result = taskforge(*args, "--db", str(db), stdout=writer)
        finally:
            os.close(writer)
        assert result.returncode == 0 and result.stderr == b"", result.stderr


def test_9_control_characters_in_messages_and_file_names_are_cleaned_at_the_door(db, tmp_path):
    path = tmp_path / f"evil{CSI_CLEAR}.json"
    path.write_text(patch_text(task_patches=[create()]))
    assert taskforge("apply", "auth-flow", str(path), "--db", str(db)).returncode == 0
    step = patch_text(base_version=2, task_patches=[create("Second")]).encode()
    assert taskforge("apply", "auth-flow", "-", "-m", f"why{OSC52}\nnow", "--db", str(db), input=step).returncode == 0
    history = taskforge("history", "auth-flow", "--db", str(db)).stdout.decode()
    assert not any(char in history for char in CONTROL)
    messages = [r["message"] for r in json.loads(taskforge("history", "auth-flow", "--json", "--db", str(db)).stdout)]
    assert messages[1:] == ["apply evil[2J[H.json", "why]52;c;SGVsbG8= now"]


def test_11_plan_that_proposes_nothing_exits_1_and_writes_nothing(db):
    before = file_digest(db)
    result = taskforge("plan", "-p", "auth-flow", "qwzx blorp", "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[-1] == "taskforge: no change proposed; nothing was written"
    assert file_digest(db) == before
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM message").fetchone() == (0,)
    connection.close()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TASKFORGE_FALLBACK_MODELS", "not-json", "TASKFORGE_FALLBACK_MODELS is not JSON: it expects a JSON list"),
        ("TASKFORGE_KEYMAP", "[1, 2]", "TASKFORGE_KEYMAP: Input should be a valid dictionary; it expects a JSON object"),
        ("TASKFORGE_MAX_OPS", "lots", "TASKFORGE_MAX_OPS: Input should be a valid integer"),
        ("TASKFORGE_REQUEST_TIMEOUT", "-1", "TASKFORGE_REQUEST_TIMEOUT: Input should be greater than 0"),
        ("TASKFORGE_MAX_INPUT_BYTES", "0", "it expects a whole number (at least 1"),
    ],
)
def test_12_a_malformed_setting_is_one_line_naming_it(db, variable, value, expected):
    one_line(taskforge("plan", "-p", "auth-flow", "add a task called A", "--db", str(db), env={variable: value}), 1, expected)


def test_13_a_foreign_sqlite_file_is_refused_untouched(tmp_path):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('mine')")
    connection.close()
    before = foreign.read_bytes()
    patch = tmp_path / "p.json"
    patch.write_text(patch_text(base_version=0, project_id="new", task_patches=[create()]))
    for args in (["import", str(EXAMPLE)], ["apply", "new", str(patch)], ["undo", "x"], ["approve", "x"],
                 ["plan", "A goal"], ["show", "x"], ["projects"]):
        one_line(taskforge(*args, "--db", str(foreign)), 1, "it is not a taskforge database")
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db", "p.json"]


def test_also_taskforge_config_naming_a_folder_or_a_missing_file(db, tmp_path):
    one_line(taskforge("projects", "--db", str(db), env={"TASKFORGE_CONFIG": str(tmp_path)}), 1, "is a directory")
    missing = tmp_path / "typo.toml"
    result = taskforge("projects", "--db", str(db), env={"TASKFORGE_CONFIG": str(missing)})
    assert result.returncode == 0 and b"auth-flow" in result.stdout
    assert result.stderr.decode() == f"taskforge: note: TASKFORGE_CONFIG names {missing}, which does not exist: using the defaults\n"
