"""prompts/ and data/ are found through the package and ship inside the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_loader_finds_shipped_files_from_any_working_directory(tmp_path):
    code = (
        "from taskforge import resources\n"
        "assert 'project mode' in resources.prompt('project_mode')\n"
        "assert 'task mode' in resources.prompt('task_mode')\n"
        "assert '{{errors}}' in resources.prompt('repair')\n"
        "import json\n"
        "doc = json.loads(resources.data_file('examples', 'auth-flow.json').read_text())\n"
        "print(doc['project']['id'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "auth-flow"


def test_wheel_contains_prompts_data_and_migrations(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("taskforge-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "taskforge/prompts/project_mode.md",
        "taskforge/prompts/task_mode.md",
        "taskforge/prompts/repair.md",
        "taskforge/data/examples/auth-flow.json",
        "taskforge/store/migrations/env.py",
        "taskforge/store/migrations/versions/0001_initial.py",
        "taskforge/cli.py",
    ):
        assert expected in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "taskforge = taskforge.launch:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_example_project_is_a_valid_document():
    from taskforge.export.taskforge_json import read

    project, patch = read((ROOT / "data" / "examples" / "auth-flow.json").read_text())
    assert project.id == "auth-flow" and len(patch.task_patches) >= 8
    json.loads((ROOT / "data" / "examples" / "auth-flow.json").read_text())
