"""What every benchmark shares: paths, timing (several runs, median, interleaved with the baseline),
tool set-up that degrades to "n/a: reason", and the row each script prints for `run_all.py`.

A figure is always a ratio against a baseline measured in the same run: ours and the baseline run
alternately, so a noisy shared machine slows both alike.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"  # git-ignored: generated data sets, installed tools, scratch databases
TOOLS = DATA / "tools"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


@dataclass
class Row:
    figure: str
    ours: str = ""
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""  # "yes", "no", or "—" for figures that are only reported

    def emit(self) -> None:
        """One line `run_all.py` collects; readable on its own when a script runs alone."""
        print("ROW " + json.dumps(asdict(self), ensure_ascii=False), flush=True)


class NotAvailable(Exception):
    """A figure cannot be measured here; the message says why (shown as `n/a: message`)."""


def not_available(figure: str, reason: str, target: str = "") -> Row:
    return Row(figure, ours=f"n/a: {reason}", target=target, met="—")


def run_figure(figure: str, target: str, measure: Callable[[], Row]) -> None:
    """Print the figure's row, or an n/a row naming the reason; never a traceback in the table."""
    try:
        row = measure()
    except NotAvailable as exc:
        row = not_available(figure, str(exc), target)
    except Exception as exc:  # a broken baseline tool must not take the whole table down
        row = not_available(figure, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", target)
    row.emit()


# -- timing ------------------------------------------------------------------------------------------


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def interleaved(
    ours: Callable[[], object], baseline: Callable[[], object], runs: int = RUNS, warmup: int = 1,
    *, setup: Callable[[], object] | None = None,
) -> tuple[float, float]:
    """Median seconds of `ours` and of `baseline`, run alternately `runs` times after `warmup` rounds;
    `setup` (untimed) runs before every single run."""
    mine: list[float] = []
    theirs: list[float] = []
    for round_ in range(warmup + runs):
        for fn, samples in ((ours, mine), (baseline, theirs)) if round_ % 2 == 0 else ((baseline, theirs), (ours, mine)):
            if setup is not None:
                setup()
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                samples.append(elapsed)
    return median(mine), median(theirs)


def command(args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            stdin: Path | None = None) -> Callable[[], None]:
    """A whole-process run to time: output discarded, failure raised with the command's last error line."""

    def run() -> None:
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as source:
            result = subprocess.run(
                list(args), cwd=cwd, env=env, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        if result.returncode != 0:
            last = (result.stderr.decode(errors="replace").strip().splitlines() or ["(no message)"])[-1]
            raise NotAvailable(f"{Path(args[0]).name} {' '.join(args[1:2])} failed: {last[:120]}")

    return run


def taskforge_command() -> list[str]:
    """The installed console script: what a user runs, start-up included."""
    script = Path(sys.executable).parent / "taskforge"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskforge"]


def peak_rss_mb(args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Peak resident memory of one whole process, in MB."""
    process = subprocess.Popen(list(args), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise NotAvailable(f"{Path(args[0]).name} failed: {(stderr.strip().splitlines() or [''])[-1][:120]}")
    return usage.ru_maxrss / 1024  # Linux reports KiB


# -- formatting --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def ratio_row(figure: str, ours: float, baseline: float, limit: float, target: str | None = None) -> Row:
    """A timing figure whose target is `ours / baseline <= limit`."""
    ratio = ours / baseline
    return Row(
        figure, ms(ours), ms(baseline), f"{ratio:.2f}×", target or f"≤ {limit:g}×", "yes" if ratio <= limit else "no"
    )


def reported_row(figure: str, ours: float, baseline: float, kind: str = "report", unit: Callable[[float], str] | None = None) -> Row:
    """A ratio with no target to meet: reported (`report`) or given for reference (`info`)."""
    show = unit or ms
    return Row(figure, show(ours), show(baseline), f"{ours / baseline:.2f}×", kind, "—")


# -- data and tools ----------------------------------------------------------------------------------


def dataset_path(size: int, *, plain: bool = False) -> Path:
    return DATA / f"tasks-{size}{'-plain' if plain else ''}.json"


def database_path(size: int, *, plain: bool = False) -> Path:
    return DATA / f"tasks-{size}{'-plain' if plain else ''}.db"


def dataset(size: int, *, plain: bool = False) -> Path:
    """The generated taskforge/1 document with `size` tasks (made by generate.py on first use); `plain`:
    the data set with titles and descriptions only."""
    path = dataset_path(size, plain=plain)
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(size)], check=True)
    return path


def database(size: int, *, plain: bool = False) -> Path:
    """A taskforge database holding the `size`-task data set as project `project_id(size, plain=plain)`."""
    path = database_path(size, plain=plain)
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(size)], check=True)
    return path


def project_id(size: int, *, plain: bool = False) -> str:
    return f"bench-{size}{'-plain' if plain else ''}"


def npm_tool(package: str, binary: str) -> Path:
    """`binary` from the npm `package`, installed with the machine's npm into benchmarks/.data/tools
    (kept between runs so that `make bench` downloads it once)."""
    prefix = TOOLS / package.replace("/", "_")
    found = prefix / "node_modules" / ".bin" / binary
    if found.exists():
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise NotAvailable(f"npm is not installed, so {package} cannot be installed")
    if shutil.which("node") is None:
        raise NotAvailable(f"node is not installed, so {package} cannot run")
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"installing {package} with npm into {prefix} (once) …", file=sys.stderr, flush=True)
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix), package],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=900,
    )
    if result.returncode != 0 or not found.exists():
        last = (result.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise NotAvailable(f"npm install {package} failed: {last[:120]}")
    return found


def system_tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise NotAvailable(f"`{name}` is not installed (Debian package {package})")
    return found


def load_document(size: int, *, plain: bool = False) -> dict:
    return json.loads(dataset(size, plain=plain).read_text(encoding="utf-8"))


def walk(tasks: list[dict], parent: dict | None = None, depth: int = 1):
    """(task, parent, depth) for every task of a taskforge/1 document, in pre-order."""
    for task in tasks:
        yield task, parent, depth
        yield from walk(task["children"], task, depth + 1)
