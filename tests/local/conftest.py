"""The real-engine tier: every test here talks to llama-cpp-python's server, started once per session.

Where the engine or the model file is missing (CI, a fresh clone), the tests are skipped with the reason
and the command that installs them (`local_engine` marks in the test modules); nothing starts, nothing waits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import local_engine


@pytest.fixture(scope="session")
def engine() -> Iterator[local_engine.Engine]:
    server = local_engine.start()
    yield server
    server.stop()


@pytest.fixture
def local_env(engine: local_engine.Engine, monkeypatch: pytest.MonkeyPatch) -> local_engine.Engine:
    """taskforge's settings for the local server, as its README tells a user to set them."""
    if not engine.alive():
        pytest.fail(f"the llama.cpp server died:\n{engine.log_tail()}")
    monkeypatch.setenv("TASKFORGE_MODEL", local_engine.MODEL)
    monkeypatch.setenv("TASKFORGE_API_BASE", engine.url)
    monkeypatch.setenv("TASKFORGE_RESPONSE_FORMAT", "json_schema")
    monkeypatch.setenv("TASKFORGE_TEMPERATURE", "0")  # greedy: the same reply every run
    monkeypatch.setenv("TASKFORGE_MAX_TOKENS", "1200")
    monkeypatch.setenv("TASKFORGE_REQUEST_TIMEOUT", "600")  # a shared two-core machine: slow is not broken
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from taskforge import config

    config.settings.cache_clear()
    return engine
