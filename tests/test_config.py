"""Settings come from TASKFORGE_* variables, then the TOML file, then defaults; bad ones are one line."""

from __future__ import annotations

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


def test_database_setting_from_the_file_is_used(monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'db = "{tmp_path / "from-file.db"}"\n')
    monkeypatch.setenv("TASKFORGE_CONFIG", str(path))
    config.settings.cache_clear()
    example = config.Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"
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
        ("TASKFORGE_KEYMAP", '{"app.undo": 1}', "setting TASKFORGE_KEYMAP: Input should be a valid string"),
        ("TASKFORGE_MAX_REPAIRS", "many", "it expects a whole number (at least 0, at most 10)"),
        ("TASKFORGE_RETRY_BACKOFF", "soon", "setting TASKFORGE_RETRY_BACKOFF: Input should be a valid number"),
        ("TASKFORGE_MAX_INPUT_BYTES", "-5", "setting TASKFORGE_MAX_INPUT_BYTES: Input should be greater than"),
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
