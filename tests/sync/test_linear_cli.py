"""`taskforge remote add --kind linear`, `push` and `pull` as a user runs them, against the fake Linear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.fakes.linear_server import (
    FakeLinear,
    RateLimited,
    RemoteEdit,
    Slow,
    linear_server,  # noqa: F401  (the fixture)
)
from tests.sync.conftest import make_project


@pytest.fixture
def linear(linear_server: FakeLinear) -> FakeLinear:  # noqa: F811
    linear_server.api_key = "lin_api_cli_key"
    return linear_server


def test_push_and_pull_a_linear_team_from_the_command_line(cli, repo, linear, monkeypatch):
    make_project(repo)
    added = cli("remote", "add", "demo", "lin", "--kind", "linear", "--url", linear.url, "--target", "ENG")
    assert added.exit_code == 0 and "$LINEAR_API_KEY" in added.stdout
    missing = cli("push", "demo", "lin")
    assert missing.exit_code == 1 and "LINEAR_API_KEY" in missing.stderr
    monkeypatch.setenv("LINEAR_API_KEY", linear.api_key)

    pushed = cli("push", "demo", "lin", "--json")
    assert pushed.exit_code == 0, pushed.stderr
    assert [(c["key"], c["remote"]) for c in json.loads(pushed.stdout)["created"]] == [
        (f"T{n}", f"ENG-{n}") for n in range(1, 6)]
    assert "taskforge: note: Linear has no time-spent field" in pushed.stderr
    assert "Nothing to push: Linear is up to date." in cli("push", "demo", "lin").stdout

    linear.edit(linear.find("Design the schema")["id"], title="Design the schema, v2")
    linear.set_state(linear.find("Write the migration")["id"], "completed")
    shown = cli("pull", "demo", "lin")
    assert shown.exit_code == 0 and "T1 (ENG-1): title" in shown.stdout and "T2 (ENG-2): status" in shown.stdout
    assert "Nothing applied. Run again with --yes" in shown.stdout
    pulled = json.loads(cli("pull", "demo", "lin", "--yes", "--json").stdout)
    assert pulled["planner"] == "sync:lin" and len(pulled["patch"]["task_patches"]) == 2
    assert repo.load("demo")["T2"].status == "done"
    linear.clear_requests()
    assert "Nothing to push" in cli("push", "demo", "lin").stdout and linear.writes == []


def test_a_refused_key_is_one_line_naming_its_variable(cli, repo, linear, monkeypatch):
    make_project(repo)
    cli("remote", "add", "demo", "lin", "--kind", "linear", "--url", linear.url, "--target", "ENG")
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_wrong_value")
    result = cli("push", "demo", "lin")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "taskforge: Linear: team ENG: the API key in LINEAR_API_KEY was refused")
    assert "lin_api_wrong_value" not in result.stdout + result.stderr


def test_the_linear_key_canary_never_leaves_the_environment(tmp_path, linear):
    """A real process: the key is in no output or error, not in the database and in no export, also
    while Linear rate-limits, fails and refuses it."""
    canary = f"lin_api_canary_{uuid.uuid4().hex}"
    linear.api_key = canary
    db = tmp_path / "canary.db"
    env = {**os.environ, "TASKFORGE_DB": str(db), "LIN_KEY": canary, "TASKFORGE_CONFIG": str(tmp_path / "none.toml")}
    outputs = []

    def run(*args: str, key: str = canary) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "taskforge", *args], env={**env, "LIN_KEY": key},
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        outputs.append(done.stdout + done.stderr)
        return done

    assert run("plan", "Launch a small website", "--yes").returncode == 0
    project = json.loads(run("projects", "--json").stdout)[0]["id"]
    assert run("remote", "add", project, "lin", "--kind", "linear", "--url", linear.url, "--target", "ENG",
               "--token-env", "LIN_KEY").returncode == 0
    linear.script(RateLimited(retry_after=1, on="issueCreate"))
    pushed = run("push", project, "lin")
    assert pushed.returncode == 0, pushed.stderr
    assert "waiting 1 s for Linear's rate limit" in pushed.stderr
    first = next(iter(linear.issues.values()))
    linear.edit(first["id"], title="Renamed in Linear")
    assert run("pull", project, "lin", "--yes").returncode == 0
    refused = run("push", project, "lin", key=canary + "-wrong")
    assert refused.returncode == 1 and "LIN_KEY was refused" in refused.stderr
    for fmt in ("json", "md", "csv", "taskmaster"):
        assert run("export", project, "--format", fmt).returncode == 0
    run("history", project, "--json")
    run("remote", "list", project, "--json")
    assert all(canary not in text for text in outputs)
    for path in tmp_path.iterdir():
        if path.name.startswith("canary.db"):
            assert canary.encode() not in path.read_bytes()
    assert all(r.headers["authorization"] in (canary, canary + "-wrong") for r in linear.requests)


@pytest.mark.parametrize("markers_kept", [True, False], ids=["found-by-marker", "found-by-id"])
def test_a_push_killed_while_linear_makes_an_issue_resumes_without_duplicates(tmp_path, linear, markers_kept):
    """SIGKILL while Linear creates the third issue: the issue exists, its link was never written. The next
    push finds it by its marker, or, where the marker did not survive, by the id it is created with."""
    import signal

    linear.keeps_html_comments = markers_kept
    db = tmp_path / "killed.db"
    env = {**os.environ, "TASKFORGE_DB": str(db), "LINEAR_API_KEY": linear.api_key,
           "TASKFORGE_CONFIG": str(tmp_path / "none.toml")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "taskforge", *args], env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    assert run("plan", "Launch a small website", "--yes").returncode == 0
    project = json.loads(run("projects", "--json").stdout)[0]["id"]
    run("remote", "add", project, "lin", "--kind", "linear", "--url", linear.url, "--target", "ENG")
    victim = subprocess.Popen([sys.executable, "-m", "taskforge", "push", project, "lin"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    # The third create kills the client first; Linear then makes the issue all the same.
    linear.script(Slow(0, on="issueCreate"), Slow(0, on="issueCreate"),
                  RemoteEdit(lambda fake: os.kill(victim.pid, signal.SIGKILL), on="issueCreate"))
    victim.wait(timeout=120)
    assert victim.returncode == -signal.SIGKILL
    assert len(linear.issues) == 3

    resumed = run("push", project, "lin", "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    if markers_kept:
        assert [c["key"] for c in report["adopted"]] == ["T3"]
        assert [c["key"] for c in report["created"]] == ["T4", "T5"]
    else:
        assert report["adopted"] == [] and [c["key"] for c in report["created"]] == ["T3", "T4", "T5"]
    titles = [issue["title"] for issue in linear.issues.values()]
    assert len(titles) == len(set(titles)) == 5  # no duplicate
    linear.clear_requests()
    assert json.loads(run("push", project, "lin", "--json").stdout)["created"] == [] and linear.writes == []
