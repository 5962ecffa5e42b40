"""Generate the benchmark data sets: projects of 200, 1k, 10k and 50k tasks, deterministic.

    python benchmarks/generate.py            # all sizes
    python benchmarks/generate.py 10000      # one size; --force regenerates

Each size becomes `benchmarks/.data/tasks-<n>.json` (a taskforge/1 document) and
`benchmarks/.data/tasks-<n>.db` (that document imported as project `bench-<n>`). The folder is
git-ignored: data sets are never committed.

A second, plain data set of 10k tasks (`tasks-10000-plain.json`/`.db`, project `bench-10000-plain`) has
the same tree and titles, with titles and descriptions only: no dependencies, tags, criteria, estimates,
statuses or priorities. Taskwarrior's export cost grows with dependencies (it computes urgency), so the
export figures are given on both.

The trees look like real plans: a handful to a score of root goals, depth at most 5 with most tasks
at depth 3–5, titles built from verbs and work items of a software product, a realistic mix of
statuses and priorities, estimates mostly on leaves, time spent on started work, some descriptions,
acceptance criteria, tags and dependencies (always on earlier tasks, so never a cycle).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, database_path, dataset_path, project_id, taskforge_command  # noqa: E402

from taskforge.core.limits import MAX_DEPTH  # noqa: E402

SIZES = (200, 1_000, 10_000, 50_000)
PLAIN_SIZES = (10_000,)
SEED = 2024

AREAS = [
    "sign-up", "login", "password reset", "two-factor auth", "billing", "invoices", "checkout", "search",
    "onboarding", "notifications", "user settings", "admin dashboard", "audit log", "file uploads",
    "reporting", "data export", "public API", "webhooks", "mobile app", "release pipeline", "monitoring",
    "rate limiting", "caching layer", "database migration", "accessibility", "localisation", "help centre",
]
GOALS = ["Launch", "Rebuild", "Harden", "Redesign", "Scale", "Ship", "Migrate", "Simplify"]
VERBS = [
    "Design", "Write", "Build", "Test", "Review", "Document", "Refactor", "Measure", "Fix", "Add",
    "Remove", "Migrate", "Automate", "Prototype", "Validate", "Deploy", "Benchmark", "Audit", "Plan", "Spike on",
]
THINGS = [
    "the API endpoints", "the database schema", "the error states", "the empty states", "the happy path",
    "edge cases", "the copy", "the wireframes", "unit tests", "integration tests", "the load test",
    "the rollout plan", "feature flags", "the metrics dashboard", "alerts", "the runbook", "the data model",
    "the settings page", "keyboard navigation", "screen-reader labels", "retry logic", "the timeout handling",
    "the cache invalidation", "the CSV import", "the email templates", "the audit events", "the permissions check",
    "the pagination", "the search index", "the background job", "the webhook signatures", "the changelog",
]
QUALIFIERS = [
    "", "", "", "", "for {area}", "for {area}", "in staging", "behind a flag", "for large accounts",
    "on mobile", "(v2)", "with the platform team", "before the beta", "for EU customers",
]
SENTENCES = [
    "Agree the scope with product before starting.", "Keep the old behaviour behind a flag until rollout.",
    "See the design doc for the open questions.", "Pair with QA on the test plan.",
    "Measure before and after; the numbers go in the release notes.", "Coordinate the migration window with support.",
    "Customers reported this twice last quarter.", "Blocked on the vendor's sandbox credentials.",
]
CRITERIA = [
    "Covered by automated tests", "Reviewed by a second engineer", "Documented in the handbook",
    "No regression in p95 latency", "Works with a screen reader", "Error messages are actionable",
    "Rolled out to 100% of users", "Dashboards show the new metric",
]
TAGS = ["backend", "frontend", "design", "infra", "docs", "qa", "security", "data", "mobile", "ops"]
DEPTH_WEIGHT = {1: 1, 2: 3, 3: 4, 4: 3}  # where new tasks go: most plans are widest at depth 3-5


def generate(size: int, seed: int = SEED) -> dict:
    rng = random.Random(seed + size)
    roots = min(20, max(6, size // 150))
    records: list[dict] = []
    depth: list[int] = []
    open_parents: dict[int, list[int]] = {d: [] for d in DEPTH_WEIGHT}
    for n in range(size):
        area = rng.choice(AREAS)
        if n < roots:
            parent, level = None, 1
            title = f"{rng.choice(GOALS)} {area}"
        else:
            levels = [d for d in DEPTH_WEIGHT if open_parents[d]]
            level_of_parent = rng.choices(levels, weights=[DEPTH_WEIGHT[d] for d in levels])[0]
            parent = rng.choice(open_parents[level_of_parent])
            level = level_of_parent + 1
            qualifier = rng.choice(QUALIFIERS).format(area=area)
            title = f"{rng.choice(VERBS)} {rng.choice(THINGS)} {qualifier}".strip()
        depth.append(level)
        if level < MAX_DEPTH:
            open_parents[level].append(n)
        status = rng.choices(["todo", "done", "doing", "blocked"], weights=[55, 25, 12, 8])[0]
        record = {
            "key": f"T{n + 1}",
            "title": title,
            "description": " ".join(rng.sample(SENTENCES, rng.randint(1, 2))) if rng.random() < 0.3 else "",
            "status": status,
            "priority": rng.choices(["medium", "high", "low", "critical"], weights=[55, 20, 15, 10])[0],
            "estimate_minutes": rng.randrange(30, 990, 30) if rng.random() < (0.7 if level >= 3 else 0.3) else None,
            "actual_minutes": rng.randrange(15, 1200, 15) if status in ("done", "doing") and rng.random() < 0.8 else None,
            "acceptance_criteria": rng.sample(CRITERIA, rng.randint(1, 3)) if rng.random() < 0.2 else [],
            "depends_on": [],
            "tags": rng.sample(TAGS, rng.randint(1, 2)) if rng.random() < 0.5 else [],
            "children": [],
            "_parent": parent,
        }
        if n > roots and rng.random() < 0.1:  # on an earlier task: the dependency graph stays acyclic
            record["depends_on"] = sorted({f"T{rng.randrange(max(0, n - 50), n) + 1}"}, key=lambda k: int(k[1:]))
        records.append(record)
    tops: list[dict] = []
    for record in records:
        parent = record.pop("_parent")
        (tops if parent is None else records[parent]["children"]).append(record)
    _renumber(tops)
    return {
        "format": "taskforge/1",
        "project": {
            "id": project_id(size),
            "title": f"Benchmark plan with {size:,} tasks",
            "summary": "Generated by benchmarks/generate.py: realistic depth, titles and fields.",
            "status": "active",
        },
        "tasks": tops,
    }


def plain(document: dict) -> dict:
    """The same tree with titles and descriptions only (every other field at its default)."""

    def strip(tasks: list[dict]) -> list[dict]:
        return [
            {"key": task["key"], "title": task["title"], "description": task["description"], "status": "todo",
             "priority": "medium", "estimate_minutes": None, "actual_minutes": None, "acceptance_criteria": [],
             "depends_on": [], "tags": [], "children": strip(task["children"])}
            for task in tasks
        ]

    size = sum(1 for _ in _walk(document["tasks"]))
    return {
        **document,
        "project": {**document["project"], "id": project_id(size, plain=True),
                    "title": f"Plain benchmark plan with {size:,} tasks (titles and descriptions only)"},
        "tasks": strip(document["tasks"]),
    }


def _walk(tasks: list[dict]):
    for task in tasks:
        yield task
        yield from _walk(task["children"])


def _renumber(tops: list[dict]) -> None:
    """Keys in display (pre-)order, T1…Tn, as a project built top-down would have them."""
    order: list[dict] = []

    def visit(nodes: list[dict]) -> None:
        for node in nodes:
            order.append(node)
            visit(node["children"])

    visit(tops)
    new = {node["key"]: f"T{i + 1}" for i, node in enumerate(order)}
    for node in order:
        node["key"] = new[node["key"]]
        node["depends_on"] = [new[d] for d in node["depends_on"]]


def write(size: int, force: bool = False, *, plain_set: bool = False) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    document = dataset_path(size, plain=plain_set)
    db = database_path(size, plain=plain_set)
    if force or not document.exists():
        data = plain(generate(size)) if plain_set else generate(size)
        document.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        db.unlink(missing_ok=True)
    if not db.exists():
        print(f"importing {size:,} tasks into {db} …", file=sys.stderr, flush=True)
        scratch = db.with_suffix(".db.partial")
        for leftover in DATA.glob(scratch.name + "*"):
            leftover.unlink()
        subprocess.run([*taskforge_command(), "import", str(document), "--db", str(scratch)], check=True,
                       stdout=subprocess.DEVNULL)
        scratch.rename(db)  # the import closed its connections, so the WAL is folded into the file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--force", action="store_true", help="regenerate even when the files exist")
    args = parser.parse_args()
    for size in args.sizes:
        write(size, args.force)
        if size in PLAIN_SIZES:
            write(size, args.force, plain_set=True)


if __name__ == "__main__":
    main()
