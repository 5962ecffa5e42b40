"""The layers stay apart: the core loads no ORM, UI or model client; the CLI loads them only when used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "data" / "examples" / "auth-flow.json"


def loaded_after(code: str, *, cwd: Path | None = None) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return {name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}


def test_core_loads_without_orm_ui_or_model_client():
    modules = loaded_after(
        "import taskforge.core.models, taskforge.core.patches, taskforge.core.tree, "
        "taskforge.core.diff, taskforge.core.history, taskforge.core.text, taskforge.core.schedule"
    )
    assert not modules & {"sqlmodel", "sqlalchemy", "textual", "litellm", "alembic", "typer"}


def cli_modules(args: list[str], tmp_path: Path) -> set[str]:
    code = (
        "import sys\n"
        f"sys.argv = ['taskforge', *{args!r}]\n"
        "from taskforge.cli import app\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
    )
    return loaded_after(code, cwd=tmp_path)


def test_help_loads_neither_textual_nor_litellm(tmp_path):
    modules = cli_modules(["--help"], tmp_path)
    assert "textual" not in modules and "litellm" not in modules
    assert "sqlmodel" not in modules  # --help needs no database either


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_export_loads_neither_textual_nor_litellm(tmp_path, fmt):
    db = str(tmp_path / "x.db")
    subprocess.run(
        [sys.executable, "-m", "taskforge", "import", str(EXAMPLE), "--db", db], check=True, capture_output=True
    )
    modules = cli_modules(["export", "auth-flow", "--format", fmt, "--db", db], tmp_path)
    assert "textual" not in modules and "litellm" not in modules
    assert "alembic" not in modules  # the schema is current, so no migration machinery is loaded


def test_the_agent_loads_litellm_only_when_a_model_is_called():
    modules = loaded_after(
        "import taskforge.agent.service, taskforge.agent.llm, taskforge.agent.context, taskforge.agent.prompts"
    )
    assert "litellm" not in modules and "textual" not in modules


def test_planning_offline_loads_neither_litellm_nor_textual(tmp_path):
    db = str(tmp_path / "x.db")
    modules = cli_modules(["plan", "Plan the company offsite", "--yes", "--db", db], tmp_path)
    assert "litellm" not in modules and "textual" not in modules


@pytest.fixture(scope="module")
def example_db(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("hygiene")
    db = str(folder / "x.db")
    env = {"PATH": os.environ.get("PATH", ""), "TASKFORGE_CONFIG": str(folder / "none.toml")}
    subprocess.run(
        [sys.executable, "-m", "taskforge", "import", str(EXAMPLE), "--db", db], check=True, capture_output=True, env=env
    )
    return db


@pytest.mark.parametrize(
    "args",
    [["show", "auth-flow"], ["show", "auth-flow", "--json"], ["export", "auth-flow", "--format", "md"],
     ["projects"], ["projects", "--json"], ["history", "auth-flow"], ["history", "auth-flow", "--json"]],
)
def test_read_commands_load_no_orm(example_db, tmp_path, args):
    """The read-only commands go through the lean stdlib reader: no SQLAlchemy, SQLModel or Alembic."""
    modules = cli_modules([*args, "--db", example_db], tmp_path)
    assert not modules & {"sqlalchemy", "sqlmodel", "alembic", "textual", "litellm"}


def test_the_tui_paints_before_loading_the_orm_the_models_or_a_model_client():
    # What `taskforge` imports before its first paint: the database, the pydantic models and any
    # model client load afterwards, in worker threads.
    modules = loaded_after("import taskforge.tui.app")
    assert not modules & {"sqlmodel", "sqlalchemy", "litellm", "pydantic", "alembic"}


@pytest.fixture(scope="module")
def pg_example(pg_server) -> str:
    url = pg_server.create_database()
    subprocess.run([sys.executable, "-m", "taskforge", "import", str(EXAMPLE), "--db", url], check=True, capture_output=True)
    return url


@pytest.mark.parametrize(
    "args",
    [["show", "auth-flow"], ["show", "auth-flow", "--json"], ["export", "auth-flow", "--format", "json"],
     ["export", "auth-flow", "--format", "md"], ["projects", "--json"], ["history", "auth-flow", "--json"]],
)
def test_read_commands_on_postgresql_load_no_orm(pg_example, tmp_path, args):
    """On PostgreSQL too the read-only commands take the lean path: psycopg directly, no SQLAlchemy."""
    modules = cli_modules([*args, "--db", pg_example], tmp_path)
    assert "psycopg" in modules
    assert not modules & {"sqlalchemy", "sqlmodel", "alembic", "textual", "litellm"}


def test_the_review_queue_loads_no_mcp_library_and_the_server_no_ui():
    """The TUI and the CLI use the queue without the MCP SDK; the server never loads Textual or litellm."""
    queue = loaded_after("import taskforge.mcp.queue, taskforge.core.proposals, taskforge.store.proposals")
    assert not queue & {"mcp", "textual", "litellm"}
    server = loaded_after("import taskforge.mcp.server")
    assert "mcp" in server and not server & {"textual", "litellm"}
