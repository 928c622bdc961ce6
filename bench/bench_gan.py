"""GAN (and VAE) preset with default settings on the CPU: time to recognisable digits, against 4 minutes.

"Recognisable" is measured, not eyeballed: after every epoch 1,000 samples from
seeded noise are scored by the Fréchet distance in the features of a small digits
classifier (``tests/helpers/frechet.py``, the judge of the quality test), and the
run counts as drawing digits from the first epoch whose distance is below the
quality test's bound (halfway between real digits and noise on a log scale),
with all ten digits among the samples. Scoring time is left out of the training
time. Prints wall and process CPU time, the distance per epoch, and the ratio of
the time to recognisable digits to the 240 s target.

    python bench/bench_gan.py [gan|vae] [--threads N] [--every K]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from backend.training import TrainingSession
from backend.training.samples import draw_samples
from bench.results import report
from graph.presets import build_preset
from tests.helpers.frechet import Judge

TARGET_SECONDS = 240.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?", default="gan", choices=("gan", "vae"))
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--every", type=int, default=1, help="score every K epochs")
    parser.add_argument(
        "--quick", action="store_true", help="score every 3rd epoch and stop at the first recognisable one"
    )
    args = parser.parse_args()
    if args.quick:
        args.every = max(args.every, 3)
    if args.threads:
        torch.set_num_threads(args.threads)
    judge = Judge()
    print(f"judge: real {judge.real:.1f}, noise {judge.noise:.1f}, bound {judge.bound:.1f}", flush=True)
    session = TrainingSession(build_preset(args.preset), {"device": "cpu"})
    spent = {"wall": 0.0, "cpu": 0.0}
    marks = {"wall": time.perf_counter(), "cpu": time.process_time()}
    first_good: list[float] = []

    def on_epoch(event) -> None:
        spent["wall"] += time.perf_counter() - marks["wall"]
        spent["cpu"] += time.process_time() - marks["cpu"]
        if event.epoch % args.every == 0 or event.epoch == event.epochs:
            samples = draw_samples(session.recipe, 1000, seed=0)
            distance = judge.distance(samples)
            kinds = int((judge.class_shares(samples) > 0.02).sum())
            good = distance < judge.bound and kinds >= 9
            if good and not first_good:
                first_good.append(spent["wall"])
                if args.quick:
                    session.stop()
            print(
                f"epoch {event.epoch:3d}  wall {spent['wall']:6.1f} s  cpu {spent['cpu']:6.1f} s  "
                f"distance {distance:6.1f}  digits {kinds}/10{'  recognisable' if good else ''}",
                flush=True,
            )
        marks["wall"], marks["cpu"] = time.perf_counter(), time.process_time()

    result = session.run(on_epoch=on_epoch)
    load = os.getloadavg()[0]
    print(f"{result.message}: wall {spent['wall']:.1f} s, process CPU {spent['cpu']:.1f} s, load average {load:.1f}")
    if first_good:
        print(
            f"time to recognisable digits: {first_good[0]:.1f} s; ratio to {TARGET_SECONDS:.0f} s: "
            f"{first_good[0] / TARGET_SECONDS:.2f}"
        )
    if not args.quick:
        print(f"whole default run: ratio to {TARGET_SECONDS:.0f} s: {spent['wall'] / TARGET_SECONDS:.2f}")
    if first_good:
        report(f"{args.preset}_time_to_recognisable_digits", first_good[0], "s", TARGET_SECONDS, "<=")
    else:
        print(f"the {args.preset} never drew recognisable digits in this run")


if __name__ == "__main__":
    main()
