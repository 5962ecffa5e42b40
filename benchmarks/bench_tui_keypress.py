"""key-press latency in the tree, 50k vs 1k nodes: waits for the TUI/agent issue (prints an n/a row until then)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import not_available  # noqa: E402

FIGURE = "key-press latency in the tree, 50k vs 1k nodes"
TARGET = "≤ 1.1×"

if __name__ == "__main__":
    not_available(FIGURE, "needs the TUI/agent issue", TARGET).emit()
