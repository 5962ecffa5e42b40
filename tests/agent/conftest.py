"""Fixtures for the agent: the fake OpenAI-compatible server and settings that point litellm at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI

CANARY_KEY = "sk-canary-7f3a9c1e5b2d4e6f8a0b"
MODEL = "openai/fake-model"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def llm_env(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """TASKFORGE_MODEL and TASKFORGE_API_BASE point at the fake server; the key is a canary."""
    monkeypatch.setenv("TASKFORGE_MODEL", MODEL)
    monkeypatch.setenv("TASKFORGE_API_BASE", fake_openai.url)
    monkeypatch.setenv("TASKFORGE_API_KEY", CANARY_KEY)
    monkeypatch.setenv("TASKFORGE_RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("TASKFORGE_REQUEST_TIMEOUT", "10")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "XAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    from taskforge import config

    config.settings.cache_clear()
    return fake_openai
