"""Settings: environment (prefix TASKFORGE_), then an optional TOML file, then defaults.

The TOML file lives at `<user config dir>/taskforge/config.toml` (or wherever TASKFORGE_CONFIG points)
and uses the same names without the prefix, e.g. `model = "anthropic/claude-sonnet-4-5"`.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "taskforge"


def config_file() -> Path:
    explicit = os.environ.get("TASKFORGE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "taskforge.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TASKFORGE_", extra="ignore")

    db: str | None = Field(None, description="SQLite file path or any SQLAlchemy URL")
    model: str | None = Field(None, description="litellm model string; unset = the offline planner")
    project_model: str | None = None
    task_model: str | None = None
    fallback_models: list[str] = Field(default_factory=list)
    api_base: str | None = None
    api_key: str | None = Field(None, repr=False)
    max_repairs: int = Field(2, ge=0, le=10)
    request_timeout: float = Field(120.0, gt=0)
    retry_backoff: float = Field(0.5, ge=0, le=60, description="seconds before the first transport retry")
    max_ops: int = Field(10_000, ge=1)
    # TUI binding id -> keys, e.g. {"app.undo": "ctrl+u", "tree.delete": "delete,x"}
    keymap: dict[str, str] = Field(default_factory=dict)

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


@cache
def settings() -> Settings:
    """The settings in force; a broken config file or variable is one clear error, not a traceback."""
    import tomllib

    from pydantic import ValidationError

    from taskforge.core.errors import BadInput

    try:
        return Settings()
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"config file {config_file()} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInput(f"setting {where}: {first['msg']} (check TASKFORGE_* variables and {config_file()})") from None
