"""Settings: environment (prefix TASKFORGE_), then an optional TOML file, then defaults.

The TOML file lives at `<user config dir>/taskforge/config.toml` (or wherever TASKFORGE_CONFIG points)
and uses the same names without the prefix, e.g. `model = "anthropic/claude-sonnet-4-5"`.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from taskforge.config_sources import APP_NAME as APP_NAME
from taskforge.config_sources import MAX_INPUT_BYTES, config_file, login_name
from taskforge.config_sources import default_database_path as default_database_path


def _check_config_file() -> None:
    """A config file that exists must be a readable regular file (not a folder, a device, a FIFO)."""
    from taskforge.core.errors import ConfigError

    path = config_file()
    if not path.exists():
        return
    origin = "TASKFORGE_CONFIG names" if os.environ.get("TASKFORGE_CONFIG") else "the config file"
    if path.is_dir():
        raise ConfigError(f"{origin} {path}, which is a directory, not a TOML file")
    if not path.is_file():
        raise ConfigError(f"{origin} {path}, which is not a regular file")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"cannot read the config file {path}: permission denied")


# How a model is asked for JSON: `auto` picks from what litellm knows of the model (a schema where it supports
# one, JSON mode where it supports that; Ollama models always get the schema as Ollama's `format`);
# `json_schema` sends the reply schema for constrained decoding (LM Studio, llama.cpp's server, vLLM);
# `json_object` plain JSON mode; `none` nothing (the prompt still asks for JSON).
ResponseFormat = Literal["auto", "json_schema", "json_object", "none"]
RESPONSE_FORMATS = ("auto", "json_schema", "json_object", "none")


class ModelOptions(BaseModel):
    """How one model is called: the settings of that name, or a `[models."provider/name"]` table."""

    model_config = ConfigDict(extra="forbid")

    response_format: ResponseFormat | None = None
    max_tokens: int | None = Field(None, ge=1, le=1_000_000)
    temperature: float | None = Field(None, ge=0, le=2)
    api_base: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TASKFORGE_", extra="ignore")

    db: str | None = Field(None, description="SQLite file path or any SQLAlchemy URL")
    model: str | None = Field(None, description="litellm model string; unset = the offline planner")
    project_model: str | None = None
    task_model: str | None = None
    fallback_models: list[str] = Field(default_factory=list)
    api_base: str | None = None
    api_key: str | None = Field(None, repr=False)
    response_format: ResponseFormat = "auto"
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="the most tokens one reply may take")
    temperature: float | None = Field(None, ge=0, le=2)
    # Per model, overriding the four settings above, e.g. [models."openai/qwen2.5-7b"] response_format = "json_schema"
    models: dict[str, ModelOptions] = Field(default_factory=dict)
    max_repairs: int = Field(2, ge=0, le=10)
    request_timeout: float = Field(120.0, gt=0)
    retry_backoff: float = Field(0.5, ge=0, le=60, description="seconds before the first transport retry")
    max_ops: int = Field(10_000, ge=1)
    # The largest file or standard input `apply` and `import` read, in bytes (64 MiB).
    max_input_bytes: int = Field(MAX_INPUT_BYTES, ge=1, le=2**40)
    # Who makes the changes this process writes: kept as the author of each history record.
    user: str = Field(default_factory=login_name, min_length=1, max_length=200)
    # TUI binding id -> keys, e.g. {"app.undo": "ctrl+u", "tree.delete": "delete,x"}
    keymap: dict[str, str] = Field(default_factory=dict)

    def options_for(self, model: str) -> ModelOptions:
        """The options `model` is called with: its own table's values, else the general settings."""
        own = self.models.get(model) or ModelOptions()
        return ModelOptions(
            response_format=own.response_format or self.response_format,
            max_tokens=own.max_tokens if own.max_tokens is not None else self.max_tokens,
            temperature=own.temperature if own.temperature is not None else self.temperature,
            api_base=own.api_base or self.api_base,
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))


# What each kind of setting expects, for the one line that says a value is wrong.
_EXPECTS = {
    "fallback_models": 'a JSON list of model names, like ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"]',
    "keymap": 'a JSON object of binding ids and keys, like {"app.undo": "ctrl+u"}',
    "models": 'a JSON object of model names and their options, like {"openai/local": {"response_format": "json_schema"}}'
    " (options: response_format, max_tokens, temperature, api_base)",
}
_WORDS = {"response_format": "one of " + ", ".join(RESPONSE_FORMATS)}


def _expects(name: str) -> str:
    if name in _EXPECTS:
        return _EXPECTS[name]
    if name in _WORDS:
        return _WORDS[name]
    field = Settings.model_fields.get(name)
    annotation = field.annotation if field is not None else None
    kinds = [arg for arg in getattr(annotation, "__args__", ()) if arg is not type(None)]
    if len(kinds) == 1:  # an optional setting (`int | None`) expects what it holds when given
        annotation = kinds[0]
    kind = {int: "a whole number", float: "a number"}.get(annotation, "text")  # type: ignore[arg-type]
    bounds = []
    for constraint in field.metadata if field is not None else ():
        for attr, word in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
            if getattr(constraint, attr, None) is not None:
                bounds.append(f"{word} {getattr(constraint, attr):,}")
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _inside(path: tuple) -> str:
    """` (at "openai/local" → response_format)`: where in a table setting the bad value is."""
    return " (at " + " → ".join(f'"{part}"' if "/" in str(part) else str(part) for part in path) + ")" if path else ""


def _setting_name(name: str) -> str:
    variable = f"TASKFORGE_{name.upper()}"
    return variable if variable in os.environ else f"{name} in {config_file()}"


def _check_json_variables() -> None:
    """The list and dict settings come from the environment as JSON: say which one is not, and what it
    should be, before pydantic-settings fails on it with a traceback."""
    import json

    from taskforge.core.errors import ConfigError

    for name in _EXPECTS:
        value = os.environ.get(f"TASKFORGE_{name.upper()}")
        if value is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            raise ConfigError(f"setting TASKFORGE_{name.upper()} is not JSON: it expects {_expects(name)}") from None


def current_user() -> str:
    """The author of the changes this process makes (the setting `user`, by default the login name)."""
    return settings().user


@cache
def settings() -> Settings:
    """The settings in force; a broken config file or variable is one clear error (ConfigError, a
    TaskforgeError), not a traceback."""
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from taskforge.core.errors import ConfigError

    _check_config_file()
    _check_json_variables()
    try:
        return Settings()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {config_file()} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {config_file()} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {config_file()}: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"setting {_setting_name(name)}{_inside(first['loc'][1:])}: {first['msg']}; it expects {_expects(name)}"
            if name in Settings.model_fields
            else f"setting {where}: {first['msg']} (check TASKFORGE_* variables and {config_file()})"
        ) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        raise ConfigError(f"a setting cannot be read: {exc} (check TASKFORGE_* variables and {config_file()})") from None
