"""bench/run_all.py and the RESULT line: every benchmark found, run and written down, whatever it does.

The real benchmarks take minutes, so `run_all` is driven here over a folder of small
stand-ins (one that meets and misses targets, one without ``--quick``, one that fails,
one that hangs past the budget); the real ones are only checked to keep the convention.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bench import run_all
from bench.results import parse, report

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_a_result_line_reads_back_as_it_was_printed(capsys):
    printed = [
        report("validate_chain_1000", 19.25, "ms", 20),
        report("engine_vs_minimal_loop", 0.9, "x", 0.95, ">="),
        report("control", 1.06, "x"),
    ]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "RESULT validate_chain_1000 19.25 ms target <=20 ratio 0.963",
        "RESULT engine_vs_minimal_loop 0.9 x target >=0.95 ratio 0.947",
        "RESULT control 1.06 x",
    ]
    assert [parse(line) for line in lines] == printed
    assert [result.meets for result in printed] == [True, False, None]


@pytest.mark.parametrize(
    "line",
    [
        "",
        "RESULT",
        "RESULT a b ms",
        "RESULT a 1 ms target 20 ratio 1",
        "RESULT a 1 ms goal <=2 ratio 1",
        "result a 1 s",
    ],
)
def test_other_lines_are_not_results(line):
    assert parse(line) is None


def test_names_with_spaces_and_unknown_operators_are_refused():
    with pytest.raises(ValueError, match="no spaces"):
        report("two words", 1, "s")
    with pytest.raises(ValueError, match="op must be"):
        report("name", 1, "s", 2, "<")


STAND_INS = {
    "bench_fine.py": """
        import sys
        from bench.results import report
        quick = "--quick" in sys.argv
        report("fast_enough", 0.5, "s", 1.0)
        report("too_slow", 30 if quick else 3, "ms", 20)
        report("shown_only", 7, "items")
    """,
    "bench_old.py": """
        import argparse
        argparse.ArgumentParser().parse_args()
        print("RESULT old_style 0.97 x target >=0.95 ratio 1.021")
    """,
    "bench_broken.py": """
        print("about to fail")
        raise SystemExit(3)
    """,
    "bench_silent.py": """
        print("no figures here")
    """,
    "bench_zz_hangs.py": """
        import time
        print("RESULT never_seen 1 s", flush=True)
        time.sleep(600)
    """,
    "helper.py": "raise SystemExit('not a benchmark: must not run')",
}


def test_run_all_runs_every_bench_and_writes_what_each_gave(tmp_path, capsys):
    for name, source in STAND_INS.items():
        (tmp_path / name).write_text(textwrap.dedent(source), encoding="utf-8")
    out = tmp_path / "RESULTS.md"
    code = run_all.main(["--budget", "8", "--out", str(out)], bench_dir=tmp_path)
    assert code == 1  # some benchmarks gave no complete result
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| bench_")]
    assert rows[:5] == [
        "| bench_fine.py | fast_enough | 0.500 s | <= 1.000 s | 0.50 | meets |",
        "| bench_fine.py | too_slow | 30.0 ms | <= 20.0 ms | 1.50 | **misses** |",
        "| bench_fine.py | shown_only | 7.000 items |  |  | (no target) |",
        "| bench_old.py | old_style | 0.970 x | >= 0.950 x | 1.02 | meets |",
        "| bench_zz_hangs.py | never_seen | 1.000 s |  |  | (no target) |",
    ]
    status = {row.split(" | ")[0][2:]: row.split(" | ")[1:] for row in rows[5:]}
    assert status["bench_fine.py"][0] == "--quick" and status["bench_fine.py"][2] == "ok |"
    assert status["bench_old.py"][0] == "full"  # did not know --quick, so ran without it
    assert status["bench_broken.py"][2] == "failed (exit status 3) |"
    assert status["bench_silent.py"][2] == "printed no RESULT line |"
    assert status["bench_zz_hangs.py"][2] == "ran out of time |"
    assert "helper.py" not in text
    assert "2 of 3 targets met; 2 figures shown without a target; 3 of 5 benchmarks" in text
    assert "about to fail" in text  # the last lines of a failed benchmark are kept
    for key in ("| CPU |", "| cores |", "| memory |", "| torch |", "| load average (1 / 5 / 15 min) | before: "):
        assert key in text
    assert f"wrote {out}" in capsys.readouterr().out


def test_every_benchmark_keeps_to_the_convention():
    # run_all reads RESULT lines (printed through bench/results.py) and passes --quick.
    scripts = sorted(BENCH.glob("bench_*.py"))
    assert scripts
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        assert "from bench.results import report" in source, f"{script.name} prints no RESULT line"
        assert '"--quick"' in source, f"{script.name} has no --quick"


def test_only_picks_benchmarks_by_name():
    assert [path.name for path in run_all.discover(BENCH, "gui")] == ["bench_gui.py"]
