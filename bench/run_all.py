"""Run every benchmark in bench/ and write bench/RESULTS.md: the machine, each figure, its target and ratio.

Benchmarks are found, not listed: every ``bench/bench_*.py``, run one at a time in a
process of its own from the repository root (offscreen Qt, a throw-away data folder),
with ``--quick`` unless ``--full`` is given. Their figures are the ``RESULT`` lines
they print (see ``bench/results.py``). The run keeps to a time budget (default 570 s,
under ten minutes on a two-core machine): each benchmark gets what is left, and one
that runs out of time, fails or prints no figure is listed as such rather than
stopping the rest. The load average before and after is recorded, since other work
on the machine slows every figure.

Run: ``python bench/run_all.py [--full] [--only NAME] [--budget SECONDS] [--out PATH]``
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import Result, parse

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
DEFAULT_BUDGET_S = 570.0
OUTPUT_TAIL_LINES = 12


@dataclass
class BenchRun:
    """What one benchmark script gave: its figures, or why it gave none."""

    script: str
    seconds: float = 0.0
    returncode: int | None = None  # None: ran out of time (or was not started)
    results: list[Result] = field(default_factory=list)
    quick: bool = True
    note: str = ""
    tail: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.note:
            return self.note
        if self.returncode is None:
            return "ran out of time"
        if self.returncode != 0:
            return f"failed (exit status {self.returncode})"
        if not self.results:
            return "printed no RESULT line"
        return "ok"


def discover(bench_dir: Path, only: str | None = None) -> list[Path]:
    return [path for path in sorted(bench_dir.glob("bench_*.py")) if only is None or only in path.stem]


def _run(command: list[str], timeout: float, env: dict[str, str]) -> tuple[int | None, str]:
    """Exit status (None: out of time) and output of `command`."""
    if timeout <= 0:
        return None, ""
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or ""
        return None, output if isinstance(output, str) else output.decode("utf-8", "replace")
    return done.returncode, done.stdout + done.stderr


def run_bench(script: Path, quick: bool, timeout: float, env: dict[str, str]) -> BenchRun:
    """Run one benchmark; a script that does not know ``--quick`` is run again without it."""
    run = BenchRun(script.name, quick=quick)
    if timeout <= 0:
        run.note = "not run: the time budget was spent"
        return run
    started = time.perf_counter()
    command = [sys.executable, str(script)] + (["--quick"] if quick else [])
    returncode, output = _run(command, timeout, env)
    if quick and returncode == 2 and "unrecognized arguments: --quick" in output:
        run.quick = False
        returncode, output = _run(command[:-1], timeout - (time.perf_counter() - started), env)
    run.seconds = time.perf_counter() - started
    run.returncode = returncode
    lines = output.splitlines()
    run.results = [result for result in map(parse, lines) if result is not None]
    run.tail = lines[-OUTPUT_TAIL_LINES:] if run.status != "ok" else []
    return run


# -- the machine ------------------------------------------------------------------------------------
def _first_line_with(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the figures were measured on (no import of torch or Qt: their versions come from metadata)."""
    memory = _first_line_with("/proc/meminfo", "MemTotal")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": _first_line_with("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "memory": f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown",
        "system": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "torch": _version("torch"),
        "PySide6": _version("PySide6-Essentials") if _version("PySide6") == "not installed" else _version("PySide6"),
    }


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


# -- RESULTS.md -------------------------------------------------------------------------------------
def _number(value: float) -> str:
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def _verdict(result: Result) -> str:
    return {True: "meets", False: "**misses**", None: "(no target)"}[result.meets]


def render(runs: list[BenchRun], info: dict[str, str], started: str, loads: tuple[str, str], seconds: float) -> str:
    figures = [(run, result) for run in runs for result in run.results]
    held = [result for _, result in figures if result.meets is not None]
    met = sum(1 for result in held if result.meets)
    broken = [run for run in runs if run.status != "ok"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run_all.py` on {started} in {seconds:.0f} s"
        + (" (quick mode: fewer repeats, the same figures)." if all(run.quick for run in runs) else "."),
        'Each figure is held to its target in DESIGN.md ("Performance targets"); the ratio is',
        'measured / target, so 1.0 or less meets an "at most" target and 1.0 or more an "at least" one.',
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in info.items()),
        f"| load average (1 / 5 / 15 min) | before: {loads[0]}; after: {loads[1]} |",
        "",
        "A load average above the number of cores means other work shared the machine and slowed the figures.",
        "",
        "## Figures",
        "",
        f"{met} of {len(held)} targets met; {len(figures) - len(held)} figures shown without a target; "
        f"{len(broken)} of {len(runs)} benchmarks gave no complete result.",
        "",
        "| benchmark | figure | measured | target | ratio | verdict |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for run, result in figures:
        target = "" if result.target is None else f"{result.op} {_number(result.target)} {result.unit}"
        ratio = "" if result.ratio is None else f"{result.ratio:.2f}"
        measured = f"{_number(result.value)} {result.unit}"
        lines.append(f"| {run.script} | {result.name} | {measured} | {target} | {ratio} | {_verdict(result)} |")
    lines += ["", "## Runs", "", "| benchmark | mode | seconds | status |", "| --- | --- | ---: | --- |"]
    for run in runs:
        mode = "--quick" if run.quick else "full"
        lines.append(f"| {run.script} | {mode} | {run.seconds:.0f} | {run.status} |")
    for run in broken:
        if run.tail:
            lines += ["", f"Last lines of {run.script}:", "", "```", *run.tail, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, bench_dir: Path = BENCH_DIR) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run each benchmark without --quick")
    parser.add_argument("--only", metavar="NAME", help="only the benchmarks whose file name holds NAME")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the whole run")
    parser.add_argument("--out", type=Path, default=bench_dir / "RESULTS.md", help="where to write the results")
    args = parser.parse_args(argv)
    scripts = discover(bench_dir, args.only)
    if not scripts:
        print(f"run_all: no bench_*.py in {bench_dir}" + (f" matching {args.only!r}" if args.only else ""))
        return 1
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load_average()
    clock = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory(prefix="netcanvas-bench-") as data_dir:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "QT_QPA_PLATFORM": "offscreen",
            "NETCANVAS_DATA_DIR": data_dir,
        }
        for script in scripts:
            left = args.budget - (time.perf_counter() - clock)
            print(f"run_all: {script.name} ({left:.0f} s left)", flush=True)
            run = run_bench(script, not args.full, left, env)
            runs.append(run)
            for result in run.results:
                print(f"  {result.line()}")
            if run.status != "ok":
                print(f"  {run.status}")
    text = render(runs, machine(), started, (load_before, load_average()), time.perf_counter() - clock)
    args.out.write_text(text, encoding="utf-8")
    print(f"run_all: wrote {args.out}")
    return 0 if all(run.status == "ok" for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
