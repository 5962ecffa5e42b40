"""What both command paths (the full CLI and the lean export) do when standard output fails."""

from __future__ import annotations

import os
import sys


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner's stream)
        pass
