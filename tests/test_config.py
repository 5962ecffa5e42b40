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
