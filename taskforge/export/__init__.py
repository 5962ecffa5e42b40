"""Exporters and importers, one module per format. Each exporter is `render(tree, root=None) -> str`."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# format name -> module under taskforge.export; imported only when used.
EXPORTERS = {"json": "taskforge_json", "md": "markdown"}
IMPORTERS = {"json": "taskforge_json"}
EXTENSIONS = {"json": ".json", "md": ".md"}


def exporter(name: str) -> ModuleType:
    return import_module(f"taskforge.export.{EXPORTERS[name]}")


def importer(name: str) -> ModuleType:
    return import_module(f"taskforge.export.{IMPORTERS[name]}")


def guess_import_format(filename: str, text: str) -> str | None:
    """The import format a file is in, from its extension, else from its first characters."""
    lowered = filename.lower()
    for name, extension in EXTENSIONS.items():
        if name in IMPORTERS and lowered.endswith(extension):
            return name
    if text.lstrip().startswith("{"):
        return "json"
    return None
