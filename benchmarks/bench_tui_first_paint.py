"""TUI start to first paint, 10k tasks vs bare Textual app: waits for the TUI/agent issue (prints an n/a row until then)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import not_available  # noqa: E402

FIGURE = "TUI start to first paint, 10k tasks vs bare Textual app"
TARGET = "≤ 1.5×"

if __name__ == "__main__":
    not_available(FIGURE, "needs the TUI/agent issue", TARGET).emit()
