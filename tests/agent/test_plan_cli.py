"""`taskforge plan` as a user drives it: the real entry point, offline and against the fake server."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent.conftest import CANARY_KEY
from tests.fakes.openai_server import FakeOpenAI, Reply, Status

GOAL = "Build a new user authentication flow"


def run(db: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "taskforge", *args, "--db", str(db)],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def show(db: Path, project: str) -> dict:
    return json.loads(run(db, "show", project, "--json").stdout)


def titles(tasks: list[dict]) -> list[str]:
    return [task["title"] for task in tasks]


def test_the_offline_flow_from_goal_to_decomposition(tmp_path):
    db = tmp_path / "t.db"
    created = json.loads(run(db, "plan", GOAL, "--yes", "--json").stdout)
    project = created["applied"]["patch"]["project_id"]
    assert created["planner"] == "offline" and created["rationale"].startswith("Offline planner")
    roots = show(db, project)["tasks"]
    assert 3 <= len(roots) <= 6

    combined = run(db, "plan", "-p", project, "Combine the first two tasks", "--yes")
    assert "Applied #2" in combined.stdout
    after = show(db, project)["tasks"]
    assert len(after) == len(roots) - 1 and after[0]["key"] == roots[1]["key"] == "T2"

    decomposed = run(db, "plan", "-p", project, "--task", "T2", "break this down", "--yes")
    assert "Applied #3" in decomposed.stdout
    tree = show(db, project)["tasks"]
    t2 = next(task for task in tree if task["key"] == "T2")
    assert 3 <= len(t2["children"]) <= 7
    assert all(child["acceptance_criteria"] for child in t2["children"])

    history = json.loads(run(db, "history", project, "--json").stdout)
    assert [(h["mode"], h["focus"], h["planner"]) for h in history] == [
        ("project", None, "offline"), ("project", None, "offline"), ("task", "T2", "offline"),
    ]


def test_without_yes_and_without_a_terminal_nothing_is_applied(tmp_path):
    db = tmp_path / "t.db"
    result = run(db, "plan", GOAL)
    assert "+ " in result.stdout and "Nothing applied. Run again with --yes to apply." in result.stdout
    assert json.loads(run(db, "projects", "--json").stdout) == []


def test_a_message_the_offline_planner_does_not_understand_lists_what_it_does(tmp_path):
    db = tmp_path / "t.db"
    project = json.loads(run(db, "plan", GOAL, "--yes", "--json").stdout)["applied"]["patch"]["project_id"]
    before = show(db, project)
    result = run(db, "plan", "-p", project, "paint it a nicer shade of blue", check=False)
    assert result.returncode == 1
    assert "taskforge: no change proposed" in result.stderr and "Traceback" not in result.stderr
    assert "rename" in result.stdout.lower()
    assert show(db, project) == before


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["plan", "-p", "nope", "hello"], 1, "no project 'nope'"),
        (["plan", "--task", "T1", "hello"], 2, "--task needs --project"),
        (["plan", "   "], 1, "empty"),
    ],
)
def test_plan_usage_errors_are_one_line(tmp_path, args, code, expected):
    result = run(tmp_path / "t.db", *args, check=False)
    assert result.returncode == code and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_on_a_terminal_it_asks_before_applying(tmp_path):
    db = tmp_path / "t.db"
    pid, fd = pty.fork()
    if pid == 0:  # the child: taskforge on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "taskforge", "plan", GOAL, "--db", str(db)])
    screen = _read_until(fd, b"Apply? [y/N]")
    assert b"Apply? [y/N]" in screen, screen.decode(errors="replace")
    os.write(fd, b"y\n")
    screen += _read_until(fd, b"version 0 \xe2\x86\x92 1")
    os.waitpid(pid, 0)
    assert b"Applied #1" in screen
    assert len(json.loads(run(db, "projects", "--json").stdout)) == 1


def _read_until(fd: int, marker: bytes, timeout: float = 60) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


# -- the same flow through litellm and the fake server ------------------------------------------


def model_env(fake: FakeOpenAI) -> dict[str, str]:
    return {
        "TASKFORGE_MODEL": "openai/fake-model",
        "TASKFORGE_API_BASE": fake.url,
        "TASKFORGE_API_KEY": CANARY_KEY,
        "TASKFORGE_RETRY_BACKOFF": "0.01",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def create(task_id: str, title: str, **body) -> dict:
    return {"op": "create", "task_id": task_id, "body": {"title": title, "acceptance_criteria": ["done"], **body}}


def answer(*ops: dict, rationale: str = "Here is the plan.", **meta) -> Reply:
    return Reply(json.dumps({"rationale": rationale, "meta_updates": meta, "task_patches": list(ops)}))


def test_the_same_flow_through_litellm_and_the_fake_server(tmp_path, fake_openai: FakeOpenAI):
    db = tmp_path / "t.db"
    env = model_env(fake_openai)
    fake_openai.script(
        answer(create("n1", "Journeys"), create("n2", "API", depends_on=["n1"]), create("n3", "Screens"),
               title="Auth flow"),
        answer({"op": "update", "task_id": "T1", "body": {"title": "Journeys and API"}},
               {"op": "update", "task_id": "T3", "body": {"depends_on": []}},
               {"op": "delete", "task_id": "T2"}, rationale="Combined T1 and T2."),
        answer(create("s1", "Form markup", parent_task_id="T3"), create("s2", "Validation", parent_task_id="T3")),
    )
    created = json.loads(run(db, "plan", GOAL, "--yes", "--json", env=env).stdout)
    project = created["applied"]["patch"]["project_id"]
    assert created["model"] == "openai/fake-model" and created["usage"]["prompt_tokens"] == 120

    run(db, "plan", "-p", project, "Combine the first two tasks", "--yes", env=env)
    assert titles(show(db, project)["tasks"]) == ["Journeys and API", "Screens"]
    run(db, "plan", "-p", project, "--task", "T3", "break this down", "--yes", env=env)
    screens = show(db, project)["tasks"][1]
    assert titles(screens["children"]) == ["Form markup", "Validation"]

    combine_request = fake_openai.requests[1].text
    assert "T1 Journeys" in combine_request and "Combine the first two tasks" in combine_request
    assert "user: Build a new user authentication flow" in combine_request  # the conversation so far
    history = json.loads(run(db, "history", project, "--json").stdout)
    assert {h["model"] for h in history} == {"openai/fake-model"}
    assert CANARY_KEY not in run(db, "history", project, "--json").stdout


def test_a_model_that_keeps_failing_is_one_line_and_changes_nothing(tmp_path, fake_openai: FakeOpenAI):
    fake_openai.script(forever=Status(500))
    result = run(tmp_path / "t.db", "plan", GOAL, "--yes", env=model_env(fake_openai), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("taskforge: the model could not be reached")
    assert len(result.stderr.strip().splitlines()) == 1 and CANARY_KEY not in result.stderr


def test_model_flag_overrides_the_setting(tmp_path, fake_openai: FakeOpenAI):
    fake_openai.script(answer(create("n1", "One"), create("n2", "Two"), create("n3", "Three")))
    env = model_env(fake_openai)
    out = json.loads(run(tmp_path / "t.db", "plan", GOAL, "--json", "--model", "openai/other", env=env).stdout)
    assert out["model"] == "openai/other" and out["applied"] is None
    assert fake_openai.requests[0].body["model"] == "other"
    offline = json.loads(run(tmp_path / "t.db", "plan", GOAL, "--json", "--model", "offline", env=env).stdout)
    assert offline["planner"] == "offline" and fake_openai.calls == 1


def test_a_proposal_overtaken_while_waiting_for_yes_is_refused_with_exit_3(tmp_path):
    db = tmp_path / "t.db"
    project = json.loads(run(db, "plan", GOAL, "--yes", "--json").stdout)["applied"]["patch"]["project_id"]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "taskforge", "plan", "-p", project, "mark T1 done", "--db", str(db)])
    assert b"Apply? [y/N]" in _read_until(fd, b"Apply? [y/N]")
    run(db, "plan", "-p", project, "mark T2 done", "--yes")  # another process gets there first
    os.write(fd, b"y\n")
    screen = _read_until(fd, b"re-plan")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    assert b"version conflict" in screen and b"nothing was written" in screen
    tasks = {task["key"]: task for task in show(db, project)["tasks"]}
    assert tasks["T1"]["status"] == "todo" and tasks["T2"]["status"] == "done"
    from taskforge.store.repository import SqlRepository

    with SqlRepository.open(str(db)) as repo:  # nothing was written means the exchange too
        conversation = [message.content for message in repo.messages(project, None)]
    assert "mark T2 done" in conversation and "mark T1 done" not in conversation
