"""Exporters and importers, one module per format, imported only when a format is used.

An exporter module has `render(tree, root=None) -> str` (the whole project, or the subtree under `root`)
and may have `losses(tree, root=None) -> list[str]`: what the format could not carry, said on stderr.
An importer module has `read(text, notes=None) -> (Project, ProjectPatch)`: a new project and the one
patch that fills it; it raises BadInput naming the line or record, and appends to `notes` what it left out
or repaired. One that may hold several projects (Task Master's tags) also has `read_all(text, notes, tag=None)`.

A folder format (Backlog.md) writes and reads a folder rather than text: `write(tree, root, folder, notes)`
returns the files written, `read_folder(folder, notes)` the project and its patch.
"""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path
from types import ModuleType

# format name -> module under taskforge.export; imported only when used.
EXPORTERS = {
    "json": "taskforge_json",
    "md": "markdown",
    "csv": "csv_table",
    "todotxt": "todotxt",
    "taskwarrior": "taskwarrior",
    "mermaid": "mermaid_gantt",
    "mermaid-mindmap": "mermaid_mindmap",
    "ics": "ical",
    "opml": "opml",
    "taskmaster": "taskmaster",
}
IMPORTERS = {"json": "taskforge_json", "md": "markdown", "taskwarrior": "taskwarrior", "taskmaster": "taskmaster"}
# Formats that are a folder of files: exported with `-o FOLDER`, imported from a folder.
FOLDERS = {"backlog": "backlog"}

_TASKFORGE_DOCUMENT = re.compile(r'"format"\s*:')
_SNIFF_CHARS = 65_536


def exporter(name: str) -> ModuleType:
    return import_module(f"taskforge.export.{EXPORTERS[name]}")


def importer(name: str) -> ModuleType:
    return import_module(f"taskforge.export.{IMPORTERS[name]}")


def folder_format(name: str) -> ModuleType:
    return import_module(f"taskforge.export.{FOLDERS[name]}")


def guess_import_format(filename: str, text: str) -> str | None:
    """The import format a file is in, from its extension and its first characters.

    `.json` alone says little (Taskwarrior and Task Master both write JSON), so JSON is told apart by
    shape: an array is a `task export`, an object with a "format" key is taskforge's own document, any
    object with "tasks" is Task Master's tasks.json, and objects with a "uuid" are an old-style
    `task export` (one object per line).
    """
    lowered = filename.lower()
    if lowered.endswith((".md", ".markdown")):
        return "md"
    head = text[:_SNIFF_CHARS].lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        return "taskwarrior"
    if head.startswith("{"):
        if _TASKFORGE_DOCUMENT.search(head):
            return "json"
        if '"tasks"' in head:
            return "taskmaster"
        if '"uuid"' in head:
            return "taskwarrior"
        return "json"  # its importer says best what is wrong with it
    if head.startswith(("#", "- [", "* [", "+ [")):
        return "md"
    return None


def import_format(path: Path | None, text: str, fmt: str | None) -> tuple[str, str]:
    """The file's name as the history gives it, and its format: the one asked for, or guessed."""
    from taskforge.core.errors import BadInput
    from taskforge.core.text import clean_line

    name = clean_line(path.name) if path else "-"  # the history keeps text, never terminal control
    fmt = fmt or guess_import_format(name, text)
    if fmt is None:
        raise BadInput(f"cannot tell the format of {name}; pass --format")
    if fmt not in IMPORTERS:
        raise BadInput(f"cannot import {fmt} (choose from {', '.join(IMPORTERS)})")
    return name, fmt
