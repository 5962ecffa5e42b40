"""Exporting to a file or to text, shared by the CLI, the TUI and the lean export path (`export/lean.py`).

Stdlib only (no pydantic, no ORM): the lean path renders a project without loading either.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from taskforge.core.errors import BadInput, UnknownTask
from taskforge.export import EXPORTERS, exporter

if TYPE_CHECKING:
    from taskforge.core.tree import Tree

__all__ = ["check_export_target", "export_text", "write_export"]


def export_text(tree: Tree, fmt: str, task: str | None = None, notes: list[str] | None = None) -> str:
    """The project (or `task`'s subtree) in an export format; what the format cannot carry goes to `notes`."""
    if fmt not in EXPORTERS:
        raise BadInput(f"unknown export format '{fmt}' (choose from {', '.join(EXPORTERS)})")
    if task is not None and task not in tree:
        raise UnknownTask(tree.project.id, task)
    module = exporter(fmt)
    if notes is not None and hasattr(module, "losses"):
        notes.extend(module.losses(tree, task))
    return module.render(tree, task)


def _database_files(db: str | None) -> list[Path]:
    """The SQLite file `db` names (a path, a URL, or the configured database) and its WAL, SHM and
    journal siblings; none for a database that is not a plain file."""
    from taskforge.store.schema import database_url, plain_sqlite_file

    path = plain_sqlite_file(database_url(db))
    if path is None:
        return []
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link, or another path to the same file
    except OSError:
        return False


def check_export_target(path: Path, db: str | None, *, force: bool = False, folder: bool = False) -> None:
    """Refuse to export onto the database in use (or its WAL/SHM/journal files), onto a directory, or
    onto an existing file unless `force`. Devices and pipes (/dev/stdout, a FIFO) are written as they are.
    A `folder` format (Backlog.md) writes into a directory: only the database check applies."""
    for protected in _database_files(db):
        if _same_file(path, protected):
            raise BadInput(f"{path} is the database in use ({protected.name}): export to another file")
    if folder:
        return
    if path.is_dir():
        raise BadInput(f"{path} is a directory: name a file to export to")
    if path.exists() and path.is_file() and not force:
        raise BadInput(f"{path} already exists: pass --force to overwrite it")


def write_export(path: Path, text: str, db: str | None, *, force: bool = False) -> None:
    """Write `text` to `path` through a temporary file in the same folder, renamed over it at the end:
    a failure never leaves half a file, and an existing file is replaced only with `force`."""
    import stat
    import tempfile

    check_export_target(path, db, force=force)
    data = text.encode("utf-8")  # CRLF stays CRLF (csv, ics) on every OS
    target = Path(os.path.realpath(path))  # through a symlink, to the file it points to
    try:
        if target.exists() and not target.is_file():  # a device or a pipe: nothing to replace
            with open(target, "wb") as handle:
                handle.write(data)
            return
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
