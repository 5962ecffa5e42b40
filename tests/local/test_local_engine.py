"""taskforge against a real local inference engine: llama-cpp-python's server with SmolLM2-135M-Instruct.

A fake server cannot show that a schema compiles into a grammar, how a real engine streams and counts
tokens, or what a small model really gets wrong. A 135M model does not plan well: these tests prove the
plumbing (schema, streaming, usage, cut-off replies, the repair loop, cancel) and that every run ends in a
valid proposal or one clear message, never a crash; plan quality is not their subject.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import httpx
import pytest

from taskforge.agent.planner import Cancelled, PlannerError, Progress
from taskforge.agent.schema import full_schema, model_schema
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode
from tests import local_engine

pytestmark = [
    pytest.mark.local_engine,
    pytest.mark.skipif(local_engine.missing() is not None, reason=str(local_engine.missing())),
]
GOAL = "Organise a team offsite for twelve people"


def ask(engine: local_engine.Engine, schema: dict | None, max_tokens: int = 40) -> httpx.Response:
    """One chat completion straight to the engine, the schema in llama-cpp-python's own form."""
    body: dict = {
        "model": local_engine.ALIAS,
        "messages": [{"role": "user", "content": f"Plan this as JSON: {GOAL}"}],
        "max_tokens": max_tokens,
        "temperature": 0,
    }
    if schema is not None:
        body["response_format"] = {"type": "json_object", "schema": schema}
    return httpx.post(f"{engine.url}/chat/completions", json=body, timeout=600)


def outcome(run) -> tuple[object | None, PlannerError | None]:
    try:
        return run(), None
    except PlannerError as exc:
        return None, exc


def assert_one_clear_line(error: PlannerError) -> None:
    text = str(error)
    assert text and "\n" not in text and "Traceback" not in text


@pytest.fixture
def spare_engine():
    """An engine of its own, for requests that may take it down."""
    server = local_engine.start()
    yield server
    server.stop()


def test_the_model_facing_schema_compiles_where_the_full_one_breaks_the_engine(spare_engine):
    answer = ask(spare_engine, model_schema())
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["choices"][0]["message"]["content"].lstrip().startswith("{")

    # The models' own schema, with its 5,000-character bound: the grammar compiler gives up and the
    # request is dropped (the server may die with it, which is why this engine is a spare).
    try:
        refused = ask(spare_engine, full_schema())
    except httpx.TransportError:  # the connection closed without an answer
        refused = None
    assert refused is None or refused.status_code >= 400
    assert "failed to parse grammar" in spare_engine.log_tail(200)


def test_plan_on_the_command_line_ends_in_a_proposal_or_one_clear_line(local_env, tmp_path):
    # The README's recipe: the model, the api_base and the response format; no key for a local server.
    env = {name: value for name, value in os.environ.items() if name != "TASKFORGE_MAX_TOKENS"}
    env.update(TASKFORGE_CONFIG=str(tmp_path / "config.toml"), TASKFORGE_REQUEST_TIMEOUT="600")
    (tmp_path / "config.toml").write_text("")
    db = tmp_path / "t.db"
    result = subprocess.run(
        [sys.executable, "-m", "taskforge", "plan", GOAL, "--yes", "--json", "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=1800,
    )
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        planned = json.loads(result.stdout)
        assert planned["planner"] == "litellm" and planned["model"] == local_engine.MODEL
        assert planned["usage"]["prompt_tokens"] > 0 and planned["usage"]["completion_tokens"] > 0
        assert planned["usage"]["latency_ms"] > 0
        project = planned["applied"]["patch"]["project_id"]
        shown = subprocess.run([sys.executable, "-m", "taskforge", "history", project, "--json", "--db", str(db)],
                               capture_output=True, text=True, env=env, check=True)
        assert json.loads(shown.stdout)[-1]["model"] == local_engine.MODEL
    else:
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("taskforge: "), result.stderr
        assert not db.exists() or "organise" not in subprocess.run(
            [sys.executable, "-m", "taskforge", "projects", "--db", str(db)], capture_output=True, text=True, env=env
        ).stdout


def test_streaming_reports_progress_and_the_proposal_keeps_usage_and_latency(local_env, repo):
    seen: list[Progress] = []
    proposal, error = outcome(
        lambda: AgentService(repo).propose(None, Mode.PROJECT, None, GOAL, progress=seen.append, remember=False)
    )
    assert len(seen) > 3, "the reply arrived in one piece: not streamed"
    assert seen[-1].model == local_engine.MODEL
    received = [p.received_chars for p in seen if p.attempt == seen[0].attempt]
    assert received == sorted(received) and received[-1] > received[0]
    if error is not None:
        assert_one_clear_line(error)
    else:
        assert proposal.model == local_engine.MODEL and proposal.planner == "litellm"
        assert proposal.usage.prompt_tokens > 0 and proposal.usage.completion_tokens > 0
        assert proposal.usage.latency_ms > 0
        assert "tokens" in proposal.provenance_line()


def test_a_reply_cut_off_at_the_token_limit_ends_in_one_clear_message(local_env, repo, monkeypatch):
    monkeypatch.setenv("TASKFORGE_MAX_TOKENS", "16")  # no plan fits: every reply stops for length
    from taskforge import config

    config.settings.cache_clear()
    with pytest.raises(PlannerError) as caught:
        AgentService(repo).propose(None, Mode.PROJECT, None, GOAL, remember=False)
    assert_one_clear_line(caught.value)
    assert "after 3 attempts" in str(caught.value) and "cut off at the token limit" in str(caught.value)
    assert repo.projects() == []


def test_the_repair_loop_re_asks_a_model_that_gets_the_shape_wrong(local_env, repo, monkeypatch):
    # JSON mode without the schema: JSON of any shape, which a 135M model gets wrong.
    monkeypatch.setenv("TASKFORGE_RESPONSE_FORMAT", "json_object")
    from taskforge import config

    config.settings.cache_clear()
    attempts: set[int] = set()
    proposal, error = outcome(lambda: AgentService(repo).propose(
        None, Mode.PROJECT, None, GOAL, progress=lambda p: attempts.add(p.attempt), remember=False
    ))
    assert max(attempts) >= 2, "the first reply was usable: no repair happened"
    if error is not None:
        assert_one_clear_line(error)
        assert "not a usable patch after 3 attempts" in str(error)
    else:
        assert proposal.usage.attempts == max(attempts)
    assert repo.projects() == []  # a proposal is only a proposal


def test_cancel_mid_stream_stops_the_plan_and_the_engine_answers_the_next(local_env, repo):
    cancel = threading.Event()

    def progress(update: Progress) -> None:
        if update.received_chars > 20:
            cancel.set()

    with pytest.raises(Cancelled):
        AgentService(repo).propose(None, Mode.PROJECT, None, GOAL, progress=progress, cancel=cancel, remember=False)
    assert repo.projects() == []
    after = ask(local_env, None, max_tokens=8)
    assert after.status_code == 200 and local_env.alive()
