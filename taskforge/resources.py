"""Files that ship with taskforge: `prompts/` and `data/`, found through the package, never the cwd.

In a wheel they sit inside the package (`taskforge/prompts`, `taskforge/data`); in a source checkout
(an editable install) they are the top-level folders beside the package.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

SHIPPED = ("prompts", "data")


def shipped(name: str) -> Traversable:
    """The root of a shipped folder (`prompts` or `data`)."""
    if name not in SHIPPED:
        raise ValueError(f"not a shipped folder: {name}")
    packaged = resources.files("taskforge") / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"taskforge is installed without its {name}/ folder")


def prompt(name: str) -> str:
    """The text of `prompts/<name>.md`."""
    return (shipped("prompts") / f"{name}.md").read_text(encoding="utf-8")


def data_file(*parts: str) -> Traversable:
    node = shipped("data")
    for part in parts:
        node = node / part
    return node
