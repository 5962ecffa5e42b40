"""task-mode prompt size, one task in a 10k project vs full outline: waits for the TUI/agent issue (prints an n/a row until then)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import not_available  # noqa: E402

FIGURE = "task-mode prompt size, one task in a 10k project vs full outline"
TARGET = "≤ 6k tokens"

if __name__ == "__main__":
    not_available(FIGURE, "needs the TUI/agent issue", TARGET).emit()
