"""Gradient and activation flow while training: extra time per step against the same run without the probe.

Each round trains the same project twice from the same start, once plain and once
with ``on_flow`` (statistics every K steps, DESIGN.md's default K =
`backend.training.flow.DEFAULT_EVERY`), on LeNet-5 (digits 32x32) and the MLP
(digits 8x8), batch 64, no validation split (each epoch still ends with the engine's
evaluation call, which then has nothing to do). Rounds alternate the two runs (and which goes first) and the
reported ratio is the median of the per-round ratios (probe / plain), so a busy
moment on the machine hits both. Time is the process's CPU time (one torch thread),
which other jobs on a shared machine disturb far less than wall time. Target: <= 1.05.

    PYTHONPATH=. python bench/bench_flow.py [--rounds N] [--epochs N] [--every K] [--quick]

``--quick``: 3 rounds of 2 epochs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from backend.training import TrainingSession
from backend.training.flow import DEFAULT_EVERY
from bench.results import report
from graph.presets import build_preset


def timed_run(project, epochs: int, every: int | None) -> tuple[float, int]:
    """(CPU seconds, steps) of `TrainingSession.run` over `epochs` epochs, with the probe when `every` is given."""
    session = TrainingSession(project, {"epochs": epochs, "val_split": 0.0, "device": "cpu"})
    events = []
    start = time.process_time()
    if every is None:
        result = session.run()
    else:
        result = session.run(on_flow=events.append, flow_every=every)
    elapsed = time.process_time() - start
    assert result.status == "finished", result.message
    assert every is None or len(events) == (session.step - 1) // every + 1
    return elapsed, session.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (28 steps each on the digits)")
    parser.add_argument("--every", type=int, default=DEFAULT_EVERY)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 epochs")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.epochs = 3, 2
    torch.set_num_threads(1)
    print(f"flow probe every {args.every} steps, {args.epochs} epochs per run, {args.rounds} rounds, 1 thread")
    for name in ("lenet5", "mlp"):
        project = build_preset(name, {})
        timed_run(project, 1, None)  # warm-up: data loading and first-call costs
        ratios, plain_times = [], []
        for index in range(args.rounds):
            if index % 2:  # alternate which run goes first, so a drift in machine load cancels out
                probed, _ = timed_run(project, args.epochs, args.every)
                plain, steps = timed_run(project, args.epochs, None)
            else:
                plain, steps = timed_run(project, args.epochs, None)
                probed, _ = timed_run(project, args.epochs, args.every)
            ratios.append(probed / plain)
            plain_times.append(plain)
        per_step = statistics.median(plain_times) / steps * 1e3
        ratio = statistics.median(ratios)
        print(
            f"{name:7s} plain {per_step:6.2f} ms/step (CPU)  probe/plain {ratio:.3f}  "
            f"(target <= 1.05: ratio {ratio / 1.05:.2f})"
        )
        report(f"flow_probe_extra_time_{name}", ratio, "x", 1.05)


if __name__ == "__main__":
    main()
