"""What taskforge asks a model for, per the `response_format` setting, as the server receives it.

litellm talks to the fake OpenAI-compatible server and to a fake Ollama server unchanged: the tests read
the request bodies that arrived, so they see what a real engine would be sent.
"""

from __future__ import annotations

import json

import pytest

from taskforge import config
from taskforge.agent.schema import full_schema, model_schema
from taskforge.agent.service import AgentService
from taskforge.core.models import Mode
from tests.agent.test_llm_planner import GOOD, propose
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.openai_server import FakeOpenAI, Reply, Status


def _bounds(schema) -> list[tuple[str, int]]:
    """Every length/count bound in a schema, wherever it sits."""
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("maxLength", "maxItems", "maximum", "minLength", "minItems") and isinstance(value, int):
                found.append((key, value))
            found += _bounds(value)
    elif isinstance(schema, list):
        for item in schema:
            found += _bounds(item)
    return found


def _settings(monkeypatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"TASKFORGE_{name.upper()}", value)
    config.settings.cache_clear()


def test_the_model_facing_schema_has_the_shape_and_none_of_the_long_bounds():
    lean, full = model_schema(), full_schema()
    assert ("maxLength", 5000) in _bounds(full)  # what a grammar compiler cannot take
    assert all(value <= 16 for _, value in _bounds(lean))
    # The same shape: the same definitions and properties, no extra keys allowed anywhere they are not.
    assert lean["$defs"].keys() == full["$defs"].keys()
    for name, definition in full["$defs"].items():
        assert lean["$defs"][name].get("properties", {}).keys() == definition.get("properties", {}).keys()
        assert lean["$defs"][name].get("additionalProperties") == definition.get("additionalProperties")
        assert lean["$defs"][name].get("enum") == definition.get("enum")
    assert lean["required"] == ["rationale", "meta_updates", "task_patches"]
    assert lean["$defs"]["TaskPatch"]["required"] == ["op", "task_id"]
    # Descriptions that help a model fill each field, with the bounds that left the schema said in words.
    fields = lean["$defs"]["TaskFields"]["properties"]
    assert all(spec.get("description") for spec in fields.values())
    assert "at most 200 characters" in fields["title"]["description"]
    assert "480" in fields["estimate_minutes"]["description"]


def test_a_title_too_long_for_the_models_is_still_refused_with_its_exact_error(repo, sample, llm_env, monkeypatch):
    _settings(monkeypatch, response_format="json_schema")  # the schema sent no longer bounds the title
    too_long = json.loads(GOOD)
    too_long["task_patches"][0]["body"]["title"] = "x" * 250
    llm_env.script(Reply(json.dumps(too_long)), Reply(GOOD))

    proposal = propose(repo)

    assert [e.title for e in proposal.entries] == ["Docs"]
    assert "must be at most 200 characters (got 250)" in llm_env.requests[1].messages[-1]["content"]


@pytest.mark.parametrize(
    ("setting", "sent"),
    [
        ("auto", {"type": "json_object"}),  # litellm does not know openai/fake-model: JSON mode, as before
        ("json_object", {"type": "json_object"}),
        ("json_schema", {"type": "json_schema", "json_schema": {"name": "plan_reply", "schema": model_schema()}}),
        ("none", None),
    ],
)
def test_each_setting_sends_its_response_format(repo, sample, llm_env: FakeOpenAI, monkeypatch, setting, sent):
    _settings(monkeypatch, response_format=setting)
    llm_env.script(Reply(GOOD))

    assert [e.title for e in propose(repo).entries] == ["Docs"]

    body = llm_env.requests[0].body
    assert body.get("response_format") == sent
    assert "maxLength" not in json.dumps(body)  # neither in the response format nor in the prompt


def test_a_model_litellm_knows_takes_the_schema_under_auto(repo, sample, llm_env: FakeOpenAI, monkeypatch):
    _settings(monkeypatch, model="openai/gpt-4o")
    llm_env.script(Reply(GOOD))
    propose(repo)
    assert llm_env.requests[0].body["response_format"]["json_schema"]["schema"] == model_schema()


def test_options_per_model_apply_to_that_model_only(repo, sample, llm_env: FakeOpenAI, monkeypatch):
    from tests.fakes.openai_server import Status

    _settings(
        monkeypatch,
        fallback_models='["openai/local"]',
        max_tokens="900",
        models=json.dumps({"openai/local": {"response_format": "json_schema", "temperature": 0, "max_tokens": 300}}),
    )
    llm_env.script(Status(400, "bad request"), Reply(GOOD))

    proposal = propose(repo)

    first, second = (r.body for r in llm_env.requests)
    assert proposal.model == "openai/local"
    assert first["model"] == "fake-model" and first["response_format"] == {"type": "json_object"}
    assert first["max_tokens"] == 900 and "temperature" not in first
    assert second["model"] == "local" and second["response_format"]["type"] == "json_schema"
    assert second["max_tokens"] == 300 and second["temperature"] == 0


@pytest.fixture
def fake_ollama(monkeypatch):
    server = FakeOllama().start()
    monkeypatch.setenv("TASKFORGE_API_BASE", server.url)
    monkeypatch.setenv("TASKFORGE_RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("TASKFORGE_REQUEST_TIMEOUT", "10")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    config.settings.cache_clear()
    yield server
    server.stop()


@pytest.mark.parametrize(("model", "path"), [("ollama/llama3.1", "/api/generate"), ("ollama_chat/llama3.1", "/api/chat")])
@pytest.mark.parametrize(
    ("setting", "sent"), [("auto", "schema"), ("json_schema", "schema"), ("json_object", "json"), ("none", None)]
)
def test_ollama_models_get_the_schema_as_ollamas_format(repo, sample, fake_ollama, monkeypatch, model, path, setting, sent):
    _settings(monkeypatch, model=model, response_format=setting)
    fake_ollama.script(Reply(GOOD, chunk_size=25))

    proposal = AgentService(repo).propose("sample", Mode.PROJECT, None, "Add a task for documentation")

    assert [e.title for e in proposal.entries] == ["Docs"] and proposal.model == model
    (request,) = fake_ollama.generations
    assert request.path == path and request.body["stream"] is True
    expected = model_schema() if sent == "schema" else sent
    assert request.body.get("format") == expected


def test_a_server_that_takes_the_schema_only_inside_json_object_gets_it_there(repo, sample, llm_env, monkeypatch):
    # llama-cpp-python's server refuses OpenAI's `json_schema` form with a 500 and constrains decoding to a
    # schema given as {"type": "json_object", "schema": ...}; the next plan asks that way at once.
    _settings(monkeypatch, response_format="json_schema")
    llm_env.script(Status(500, "Input should be 'text' or 'json_object'"), Reply(GOOD), Reply(GOOD))

    assert [e.title for e in propose(repo).entries] == ["Docs"]
    assert [e.title for e in propose(repo).entries] == ["Docs"]

    first, second, third = (r.body["response_format"] for r in llm_env.requests)
    assert first["type"] == "json_schema"
    assert second == third == {"type": "json_object", "schema": model_schema()}


def test_a_server_that_refuses_both_forms_is_one_clear_error(repo, sample, llm_env, monkeypatch):
    from taskforge.agent.planner import PlannerError

    _settings(monkeypatch, response_format="json_schema")
    llm_env.script(forever=Status(400, "response_format is not supported"))
    with pytest.raises(PlannerError, match="response_format is not supported") as caught:
        propose(repo)
    assert "\n" not in str(caught.value)
    assert [r.body["response_format"]["type"] for r in llm_env.requests] == ["json_schema", "json_object"]
