"""Where settings come from, and the defaults that need no pydantic: the config file's path, the default
database, the login name. `config.py` builds the settings on these; a short-lived command that needs
only defaults (the lean import) asks `defaults_only` first and skips loading pydantic-settings."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "taskforge"
ENV_PREFIX = "TASKFORGE_"
MAX_INPUT_BYTES = 64 * 2**20  # the largest file or standard input `apply` and `import` read (64 MiB)


def config_file() -> Path:
    explicit = os.environ.get("TASKFORGE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "taskforge.db"


def login_name() -> str:
    """The operating system's login name: the author of changes when the setting `user` is not given."""
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no login name (a container without a passwd entry): getpass raises OSError or KeyError
        return "unknown"


def defaults_only(*names: str) -> bool:
    """Whether the settings `names` can only hold their defaults: no config file where TASKFORGE_CONFIG or
    the default says, and no TASKFORGE_ variable for any of them (matched, as pydantic-settings does,
    whatever the case)."""
    if config_file().exists():
        return False
    wanted = {f"{ENV_PREFIX}{name}".lower() for name in names}
    return not any(variable.lower() in wanted for variable in os.environ)
