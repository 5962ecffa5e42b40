"""Errors a user can cause. Each carries the exit status the CLI ends with and one clear line."""

from __future__ import annotations

from pathlib import Path


class TaskforgeError(Exception):
    exit_code = 1


class UnknownProject(TaskforgeError):
    def __init__(self, project_id: str):
        super().__init__(f"no project '{project_id}' (see `taskforge projects`)")
        self.project_id = project_id


class UnknownTask(TaskforgeError):
    def __init__(self, project_id: str, key: str):
        super().__init__(f"project '{project_id}' has no task {key}")


class NothingToDo(TaskforgeError):
    """Undo with nothing to undo, redo with nothing to redo."""


class StoreError(TaskforgeError):
    """The database cannot be opened, read or written."""


class NoDatabase(StoreError):
    """A read that must not create the database found none: callers may treat it as empty."""

    def __init__(self, path: Path):
        super().__init__(f"no database at {path} yet (it is created by the first import, apply or plan)")
        self.path = path


class BadInput(TaskforgeError):
    """A file or argument that is not what it claims to be."""


class ConfigError(BadInput):
    """A setting that cannot be used: a TASKFORGE_* variable or the config file."""
