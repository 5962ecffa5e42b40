"""The real, installed app in a real terminal: `tmux_smoke.sh` drives `taskforge` in tmux, key by key.

The script does the checking (it polls the screen for what each step should show, and prints the step,
what was missing and the screen when one fails); this test runs it as part of `make test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("tmux_smoke.sh")
# The console script installed next to the interpreter running the tests (the venv's, under `make test`).
TASKFORGE = Path(sys.executable).with_name("taskforge")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it: see .ci/run)")
@pytest.mark.skipif(not TASKFORGE.exists(), reason=f"taskforge is not installed next to {sys.executable}")
def test_the_installed_app_goes_from_goal_to_undo_in_tmux(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TASKFORGE_", "TMUX"))}
    env["TMPDIR"] = str(tmp_path) if len(str(tmp_path)) < 60 else "/tmp"  # the tmux socket lives there
    result = subprocess.run(
        ["bash", str(SCRIPT), str(TASKFORGE)], capture_output=True, text=True, timeout=240, env=env
    )
    assert result.returncode == 0, f"tmux smoke test failed (exit {result.returncode}):\n{result.stderr}{result.stdout}"
    assert "tmux_smoke: passed" in result.stdout
