"""Settings come from TASKFORGE_* variables, then the TOML file, then defaults; bad ones are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskforge import config
from taskforge.cli import app
from taskforge.core.errors import BadInput


def test_toml_file_and_environment(monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('model = "openai/gpt-4o-mini"\nmax_repairs = 4\n')
    monkeypatch.setenv("TASKFORGE_CONFIG", str(path))
    config.settings.cache_clear()
    assert config.settings().model == "openai/gpt-4o-mini"
    assert config.settings().max_repairs == 4

    monkeypatch.setenv("TASKFORGE_MAX_REPAIRS", "1")
    config.settings.cache_clear()
    assert config.settings().max_repairs == 1  # the environment wins over the file


def test_per_model_options_override_the_general_ones(monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'response_format = "json_object"\nmax_tokens = 2000\napi_base = "http://127.0.0.1:11434"\n'
        '[models."openai/local"]\nresponse_format = "json_schema"\ntemperature = 0\n'
        'api_base = "http://127.0.0.1:8080/v1"\n'
    )
    monkeypatch.setenv("TASKFORGE_CONFIG", str(path))
    config.settings.cache_clear()
    local = config.settings().options_for("openai/local")
    assert (local.response_format, local.max_tokens, local.temperature) == ("json_schema", 2000, 0)
    assert local.api_base == "http://127.0.0.1:8080/v1"
    other = config.settings().options_for("ollama/llama3.1")
    assert (other.response_format, other.temperature, other.api_base) == ("json_object", None, "http://127.0.0.1:11434")


def test_database_setting_from_the_file_is_used(monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'db = "{tmp_path / "from-file.db"}"\n')
    monkeypatch.setenv("TASKFORGE_CONFIG", str(path))
    config.settings.cache_clear()
    example = Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"
    assert CliRunner().invoke(app, ["import", str(example)]).exit_code == 0
    assert (tmp_path / "from-file.db").exists()


@pytest.mark.parametrize("text", ["model = [unclosed", "max_repairs = -3"])
def test_a_broken_config_is_one_clear_error(monkeypatch, tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("TASKFORGE_CONFIG", str(path))
    config.settings.cache_clear()
    with pytest.raises(BadInput):
        config.settings()
    result = CliRunner().invoke(app, ["projects"])
    assert result.exit_code == 1
    assert str(path) in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TASKFORGE_FALLBACK_MODELS", "not-json", "setting TASKFORGE_FALLBACK_MODELS is not JSON: it expects a JSON list"),
        ("TASKFORGE_KEYMAP", "{", "setting TASKFORGE_KEYMAP is not JSON: it expects a JSON object"),
        ("TASKFORGE_KEYMAP", '{"app.undo": 1}', "setting TASKFORGE_KEYMAP (at app.undo): Input should be a valid string"),
        ("TASKFORGE_MAX_REPAIRS", "many", "it expects a whole number (at least 0, at most 10)"),
        ("TASKFORGE_RETRY_BACKOFF", "soon", "setting TASKFORGE_RETRY_BACKOFF: Input should be a valid number"),
        ("TASKFORGE_MAX_INPUT_BYTES", "-5", "setting TASKFORGE_MAX_INPUT_BYTES: Input should be greater than"),
        ("TASKFORGE_RESPONSE_FORMAT", "schema", "it expects one of auto, json_schema, json_object, none"),
        ("TASKFORGE_MAX_TOKENS", "lots", "it expects a whole number (at least 1, at most 1,000,000)"),
        ("TASKFORGE_MODELS", "[", "setting TASKFORGE_MODELS is not JSON: it expects a JSON object of model names"),
        (
            "TASKFORGE_MODELS",
            '{"openai/local": {"response_format": "grammar"}}',
            'setting TASKFORGE_MODELS (at "openai/local" → response_format): Input should be',
        ),
        ("TASKFORGE_MODELS", '{"openai/local": {"top_k": 3}}', "Extra inputs are not permitted"),
    ],
)
def test_every_kind_of_setting_is_named_with_what_it_expects(monkeypatch, variable, value, expected):
    from taskforge.core.errors import ConfigError, TaskforgeError

    monkeypatch.setenv(variable, value)
    config.settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        config.settings()
    assert isinstance(caught.value, TaskforgeError)  # the TUI's start-up turns it into one line
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_config_path_that_is_a_folder_is_an_error(monkeypatch, tmp_path):
    from taskforge.core.errors import ConfigError

    monkeypatch.setenv("TASKFORGE_CONFIG", str(tmp_path))
    config.settings.cache_clear()
    with pytest.raises(ConfigError, match="is a directory"):
        config.settings()
