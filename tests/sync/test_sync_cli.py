"""`taskforge remote`, `push` and `pull` as a user runs them, against the fake GitLab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

from taskforge.sync import store
from tests.sync.conftest import TOKEN, make_project


def test_remote_add_list_remove(cli, repo, gitlab):
    make_project(repo)
    added = cli("remote", "add", "demo", "gl", "--kind", "gitlab", "--url", gitlab.url + "/", "--target", "team/app")
    assert added.exit_code == 0, added.stderr
    assert "$GITLAB_TOKEN" in added.stdout
    listed = cli("remote", "list", "demo", "--json")
    assert json.loads(listed.stdout) == [{"name": "gl", "kind": "gitlab", "url": gitlab.url, "target": "team/app",
                                          "token_env": "GITLAB_TOKEN"}]
    twice = cli("remote", "add", "demo", "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app")
    assert twice.exit_code == 1 and "already has a remote named 'gl'" in twice.stderr
    removed = cli("remote", "remove", "demo", "gl")
    assert removed.exit_code == 0 and json.loads(cli("remote", "list", "demo", "--json").stdout) == []


def test_bad_remotes_are_one_line_and_store_nothing(cli, repo):
    make_project(repo)
    for args, expected in [
        (["--kind", "jira", "--url", "https://x.example", "--target", "1"], "--kind must be one of gitlab, linear"),
        (["--kind", "gitlab", "--url", "ftp://x", "--target", "1"], "--url must be an http(s) URL"),
        (["--kind", "gitlab", "--url", "https://me:secret@gitlab.com", "--target", "1"], "must not hold a user name"),
        (["--kind", "gitlab", "--url", "https://gitlab.com", "--target", "1", "--token-env", "glpat-x"],
         "--token-env must name an environment variable"),
    ]:
        result = cli("remote", "add", "demo", "gl", *args)
        assert result.exit_code == 1 and expected in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "secret" not in result.stderr
    assert cli("remote", "add", "nope", "gl", "--kind", "gitlab", "--url", "https://gitlab.com", "--target", "1").exit_code == 1
    assert store.remotes(repo.engine, "demo") == []


def test_push_and_pull_from_the_command_line(cli, repo, gitlab, monkeypatch):
    make_project(repo)
    cli("remote", "add", "demo", "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app")
    missing = cli("push", "demo", "gl")
    assert missing.exit_code == 1 and "GITLAB_TOKEN" in missing.stderr
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    dry = cli("push", "demo", "gl", "--dry-run")
    assert dry.exit_code == 0 and "+ T1 create issue" in dry.stdout and "dry run: nothing was sent" in dry.stdout
    assert gitlab.write_calls() == []
    pushed = cli("push", "demo", "gl", "--json")
    assert [c["key"] for c in json.loads(pushed.stdout)["created"]] == ["T1", "T2", "T3", "T4", "T5"]
    assert "taskforge: note: GitLab issues do not nest" in pushed.stderr
    again = cli("push", "demo", "gl")
    assert "Nothing to push: GitLab is up to date." in again.stdout

    gitlab.edit(1, title="Design the schema, v2")
    gitlab.edit(2, state="closed")
    shown = cli("pull", "demo", "gl")  # not a terminal: shown, not applied
    assert shown.exit_code == 0
    assert "T1 (#1): title" in shown.stdout and "T2 (#2): status" in shown.stdout
    assert "planner: sync:gl" in shown.stdout and "Nothing applied. Run again with --yes" in shown.stdout
    assert repo.load("demo")["T1"].title == "Design the schema"
    pulled = cli("pull", "demo", "gl", "--yes", "--json")
    document = json.loads(pulled.stdout)
    assert document["planner"] == "sync:gl" and document["applied"]["author"] == "sync:gl"
    assert len(document["patch"]["task_patches"]) == 2
    assert repo.load("demo")["T2"].status == "done"
    gitlab.clear()
    assert "Nothing to push" in cli("push", "demo", "gl").stdout and gitlab.write_calls() == []
    assert "Nothing to pull" in cli("pull", "demo", "gl").stdout


def test_a_request_that_finally_fails_is_one_line_naming_service_item_and_reason(cli, repo, gitlab, monkeypatch):
    make_project(repo)
    cli("remote", "add", "demo", "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app")
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    gitlab.fail_next(404, match="/issues/3/links")  # not retried: a 4xx on T3's links is final
    gitlab.fail_next(422, times=1, match="/time_estimate")
    result = cli("push", "demo", "gl")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "taskforge: GitLab: T1 (#1): 422 scripted 422 (the links of everything already pushed are kept: "
        "push again to resume)"
    )
    assert len(gitlab.project_issues()) == 1
    resumed = cli("push", "demo", "gl")
    assert resumed.exit_code == 0 and len(gitlab.project_issues()) == 5


def test_a_wrong_token_is_named_by_its_variable_never_shown(cli, repo, gitlab, monkeypatch):
    make_project(repo)
    cli("remote", "add", "demo", "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app")
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-token-value")
    result = cli("push", "demo", "gl")
    assert result.exit_code == 1
    assert "401 Unauthorized: check the token in GITLAB_TOKEN" in result.stderr
    assert "wrong-token-value" not in result.stdout + result.stderr


def test_the_token_canary_never_leaves_the_environment(tmp_path, gitlab):
    """A real process: the token is in no output, no error, not in the database and not in any export."""
    canary = f"canary-{uuid.uuid4().hex}"
    gitlab.token = canary
    db = tmp_path / "canary.db"
    env = {**os.environ, "TASKFORGE_DB": str(db), "MY_TOKEN": canary, "TASKFORGE_CONFIG": str(tmp_path / "none.toml")}
    outputs = []

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "taskforge", *args], env=env, capture_output=True, text=True,
                              timeout=120, input=input)
        outputs.append(done.stdout + done.stderr)
        return done

    assert run("plan", "Launch a small website", "--yes").returncode == 0
    project = json.loads(run("projects", "--json").stdout)[0]["id"]
    assert run("remote", "add", project, "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app",
               "--token-env", "MY_TOKEN").returncode == 0
    assert run("push", project, "gl", "--json").returncode == 0
    gitlab.edit(1, title="Renamed on GitLab")
    assert run("pull", project, "gl", "--yes").returncode == 0
    run("show", project)
    gitlab.fail_next(422, times=10)
    edited = run("apply", project, "-", input=json.dumps({"project_id": project, "base_version": 2, "task_patches": [
        {"op": "update", "task_id": "T2", "body": {"title": "Edited here"}}]}))
    assert edited.returncode == 0, edited.stderr
    assert run("push", project, "gl").returncode == 1  # an error path too
    gitlab.token = "another"
    assert run("pull", project, "gl").returncode == 1  # refused: 401
    run("remote", "list", project, "--json")
    run("history", project, "--json")
    for fmt in ("json", "markdown", "csv"):
        run("export", project, "--format", fmt)
    assert all(canary not in text for text in outputs)
    for path in tmp_path.iterdir():
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path.name
    assert any(r.headers.get("PRIVATE-TOKEN") == canary for r in gitlab.requests)  # it was really used


def test_a_push_killed_half_way_resumes_without_duplicates(tmp_path, gitlab):
    """SIGKILL while GitLab creates the third issue: the issue exists, its link was never written."""
    import signal

    db = tmp_path / "killed.db"
    env = {**os.environ, "TASKFORGE_DB": str(db), "GITLAB_TOKEN": TOKEN, "TASKFORGE_CONFIG": str(tmp_path / "none.toml")}

    def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "taskforge", *args], env=env, capture_output=True, text=True,
                              timeout=120, **kwargs)

    assert run("plan", "Launch a small website", "--yes").returncode == 0
    project = json.loads(run("projects", "--json").stdout)[0]["id"]
    run("remote", "add", project, "gl", "--kind", "gitlab", "--url", gitlab.url, "--target", "team/app")
    victim = subprocess.Popen([sys.executable, "-m", "taskforge", "push", project, "gl"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    creates = []

    def kill_on_third_create(method: str, path: str) -> None:
        if method == "POST" and path.endswith("/issues"):
            creates.append(path)
            if len(creates) == 3:
                os.kill(victim.pid, signal.SIGKILL)  # the server still makes the issue: made, never linked

    gitlab.before_request = kill_on_third_create
    victim.wait(timeout=120)
    gitlab.before_request = None
    assert victim.returncode == -signal.SIGKILL
    assert len(gitlab.project_issues()) == 3

    resumed = run("push", project, "gl", "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert [c["key"] for c in report["adopted"]] == ["T3"]
    assert [c["key"] for c in report["created"]] == ["T4", "T5"]
    titles = [issue.title for issue in gitlab.project_issues()]
    assert len(titles) == len(set(titles)) == 5  # no duplicate
    gitlab.clear()
    again = run("push", project, "gl", "--json")
    assert json.loads(again.stdout)["created"] == [] and gitlab.write_calls() == []
