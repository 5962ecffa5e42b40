"""`make bench`: generate the data sets, run every figure's script, print one table.

    python benchmarks/run_all.py [--markdown] [name ...]   # names filter scripts, e.g. show apply

A script that fails or lacks a tool yields an `n/a: reason` row; the table always prints.
BENCH_RUNS sets the runs per figure (median quoted; default 7).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_tui_first_paint.py",
    "bench_export_taskwarrior.py",
    "bench_import_taskwarrior.py",
    "bench_show_vs_taskmaster.py",
    "bench_show_vs_backlog.py",
    "bench_apply_patch.py",
    "bench_postgres.py",
    "bench_live_refresh.py",
    "bench_prompt_size.py",
    "bench_mcp_tools.py",
    "bench_tui_keypress.py",
    "bench_schedule.py",
    "bench_memory.py",
    "bench_web.py",
    "bench_local_models.py",
]
COLUMNS = ("figure", "ours", "baseline", "ratio", "target", "met")
HEADINGS = ("figure", "ours", "baseline", "ratio", "target", "met?")


def machine() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def run(script: str) -> list[dict]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True)
    rows = [json.loads(line[4:]) for line in result.stdout.splitlines() if line.startswith("ROW ")]
    if not rows:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        rows = [{"figure": script, "ours": f"n/a: script failed: {last[:100]}", "met": "—"}]
    print(f"  {script}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict], markdown: bool) -> str:
    cells = [[str(row.get(column, "")) for column in COLUMNS] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(HEADINGS)]
    line = lambda values: " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(HEADINGS), "-+-".join("-" * w for w in widths), *(line(row) for row in cells)])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in sys.argv
    scripts = [s for s in SCRIPTS if not args or any(a in s for a in args)]
    # Bytecode for taskforge's own modules, as an installed wheel has it: an editable checkout run with
    # PYTHONDONTWRITEBYTECODE (as CI and these machines set it) would otherwise compile every module in
    # every process it times.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "taskforge")], check=False)
    print("generating data sets (once) …", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(HERE / "generate.py")], check=True)
    rows: list[dict] = []
    for script in scripts:
        rows += run(script)
    print(f"\nmachine: {machine()}; runs per figure: {os.environ.get('BENCH_RUNS', '7')} (median)\n")
    print(table(rows, markdown))


if __name__ == "__main__":
    main()
