"""Read-only stand-ins for `Task` and `Project`: the same attributes, made without pydantic.

A command that reads one project and prints it (the lean `export`, `taskforge/export/lean.py`) never
validates, copies or dumps a model, and importing pydantic and building the models would cost it more
than all its work. These carry the same fields for code that only reads attributes; an exporter that
can take them is listed in `export.lean.PLAIN_FORMATS` and tested to give the same text either way.
"""

from __future__ import annotations

from typing import Any

_new = object.__new__
_set = object.__setattr__


class PlainTask:
    """A task's fields as attributes (`key`, `parent_key`, `title`, …, `tags`), as `Task` has them."""

    def __repr__(self) -> str:
        return f"PlainTask({self.__dict__!r})"


class PlainProject:
    """A project's fields as attributes (`id`, `title`, `summary`, `status`, `version`, `next_key`)."""

    def __repr__(self) -> str:
        return f"PlainProject({self.__dict__!r})"


def plain(cls: type, values: dict[str, Any], fields_set: set[str] | None = None) -> Any:
    """An instance of `cls` whose attributes are `values` (which it keeps); `models.trusted`'s signature,
    so that the code building a tree takes either."""
    record = _new(cls)
    _set(record, "__dict__", values)
    return record
