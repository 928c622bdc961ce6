"""Data pipeline: a 10,000-image folder streamed at 224x224, against a hand-written PIL Dataset + DataLoader.

Targets (DESIGN.md): peak memory of the whole process tree (the training process
and its DataLoader workers, RSS summed) <= 1.5 GB while ResNet-18 trains on the
folder at 224x224, and samples/s >= 0.95 x a plain PIL ``Dataset`` + ``DataLoader``
with the same number of workers. Each measurement runs in a fresh process so
one cannot inflate the other's memory. Printed: time to the first batch, batches
per second of the data pipeline alone (decode, resize, normalise, on the device)
and of training (a few ResNet-18 steps), peak RSS and PSS of the process tree.

    PYTHONPATH=. python bench/bench_data.py [--images 10000] [--folder DIR] [--gpu]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import report  # the checkout's root is on the path (just above)

GB = 1024**3
SIZE = 224
CLASSES = 10


def make_folder(root: Path, count: int) -> Path:
    """`count` small PNGs of assorted sizes (40x30 to 71x61) in `CLASSES` class folders."""
    from PIL import Image

    marker = root / f".complete-{count}"
    if marker.exists():
        return root
    rng = np.random.default_rng(0)
    for index in range(count):
        folder = root / f"class{index % CLASSES}"
        folder.mkdir(parents=True, exist_ok=True)
        height, width = 30 + index % 32, 40 + index % 32
        pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index:05d}.png", compress_level=1)
    marker.touch()
    return root


class TreeMemory:
    """Peak RSS and PSS summed over this process and all its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak_rss, self.peak_pss = every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree(root: int) -> list[int]:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents.setdefault(int(fields[1]), []).append(int(entry))
        found, pending = [], [root]
        while pending:
            pid = pending.pop()
            found.append(pid)
            pending += parents.get(pid, [])
        return found

    @staticmethod
    def _field(path: str, name: str) -> int:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def sample(self) -> None:
        pids = self._tree(os.getpid())
        self.peak_rss = max(self.peak_rss, sum(self._field(f"/proc/{p}/status", "VmRSS:") for p in pids))
        self.peak_pss = max(self.peak_pss, sum(self._field(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def measure_engine(folder: str, batches: int, steps: int, gpu: bool) -> dict:
    """NetCanvas: a TrainingSession on the folder (ResNet-18 at 224x224): its batches alone, then training steps."""
    import torch

    from backend.plan.batches import epoch_generator
    from backend.plan.data import loader_workers
    from backend.training import TrainingSession
    from graph.presets import build_preset

    project = build_preset("resnet", {"depth": 18, "in_channels": 3, "image_size": SIZE, "num_classes": CLASSES})
    batch = 128 if gpu else 16
    project.training.update({"dataset": folder, "batch_size": str(batch), "val_split": 0.0})
    overrides = {"device": "cuda" if gpu else "cpu", "epochs": 1, "max_batches": steps}
    with TreeMemory() as memory:
        started = time.perf_counter()
        session = TrainingSession(project, overrides)
        ready = time.perf_counter() - started
        data, device = session.data, session.settings.device
        served = data.train_batches(epoch_generator(0, 1), batch, batches + 1)
        next(served)
        _sync(device)
        to_first = time.perf_counter() - started
        count, started = 0, time.perf_counter()
        for x, _ in served:
            count += len(x)
        _sync(device)
        pipeline = count / (time.perf_counter() - started)
        rate = []
        session.run(on_batch=lambda event: rate.append(event.samples_per_second))
    return {
        "setup_s": ready,
        "first_batch_s": to_first,
        "pipeline": pipeline,
        "train": rate[-1],
        "rss": memory.peak_rss,
        "pss": memory.peak_pss,
        "workers": loader_workers(data.source.count),
        "torch_threads": torch.get_num_threads(),
    }


def measure_hand(folder: str, batches: int, steps: int, gpu: bool, workers: int) -> dict:
    """What one writes by hand: a PIL Dataset, a shuffling DataLoader, ResNet-18 with Adam."""
    import torch
    import torch.nn.functional as F
    from PIL import Image

    from backend.compiler import build_model
    from graph.presets import build_preset

    class Images(torch.utils.data.Dataset):
        def __init__(self, root):
            classes = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
            self.items = [(f, i) for i, c in enumerate(classes) for f in sorted((Path(root) / c).iterdir())]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, index):
            path, label = self.items[index]
            with Image.open(path) as image:
                image = image.convert("RGB").resize((SIZE, SIZE), Image.Resampling.BILINEAR)
                x = torch.from_numpy(np.asarray(image, dtype=np.uint8)).permute(2, 0, 1)
            return x, label

    device = torch.device("cuda" if gpu else "cpu")
    batch = 128 if gpu else 16
    mean = torch.tensor([0.5, 0.5, 0.5], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.29, 0.29, 0.29], device=device).view(1, 3, 1, 1)
    with TreeMemory() as memory:
        started = time.perf_counter()
        project = build_preset("resnet", {"depth": 18, "in_channels": 3, "image_size": SIZE, "num_classes": CLASSES})
        torch.manual_seed(0)
        model = build_model(project).to(device)
        if gpu:
            model = model.to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loader = torch.utils.data.DataLoader(
            Images(folder),
            batch_size=batch,
            shuffle=True,
            num_workers=workers,
            pin_memory=gpu,
            persistent_workers=workers > 0,
        )
        ready = time.perf_counter() - started
        served = iter(loader)
        next(served)
        to_first = time.perf_counter() - started
        count, started = 0, time.perf_counter()
        for _ in range(batches):
            x, _ = next(served)
            x = (x.to(device, non_blocking=True).float() / 255 - mean) / std
            count += len(x)
        _sync(device)
        pipeline = count / (time.perf_counter() - started)
        done, started = 0, time.perf_counter()
        for _ in range(steps):
            x, y = next(served)
            x = (x.to(device, non_blocking=True).float() / 255 - mean) / std
            if gpu:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=gpu):
                loss = F.cross_entropy(model(x).float(), y.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            done += len(x)
        loss.item()
        train = done / (time.perf_counter() - started)
        del served, loader
    return {"setup_s": ready, "first_batch_s": to_first, "pipeline": pipeline, "train": train,
            "rss": memory.peak_rss, "pss": memory.peak_pss}  # fmt: skip


def best(measured: list[dict]) -> dict:
    """The best of each figure over the rounds (shortest times, highest rates), and the highest memory peak."""
    fastest = ("setup_s", "first_batch_s")
    return {key: (min if key in fastest else max)(run[key] for run in measured) for key in measured[0]}


def child(kind: str, args) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--folder", args.folder, "--batches", str(args.batches)]
    command += ["--steps", str(args.steps), "--workers", str(args.workers)] + (["--gpu"] if args.gpu else [])
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    if done.returncode != 0:
        raise SystemExit(f"{kind} measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--folder", help="where the generated images go (kept for the next run)")
    parser.add_argument("--batches", type=int, default=40, help="batches timed through the data pipeline alone")
    parser.add_argument("--steps", type=int, default=4, help="training steps timed (ResNet-18 at 224x224)")
    parser.add_argument("--gpu", action="store_true", help="train on CUDA (batch 128, bf16, channels-last)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each, alternated; the best is shown")
    parser.add_argument("--workers", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="one round of each (for bench/run_all.py)")
    args = parser.parse_args()
    if args.child == "engine":
        print(json.dumps(measure_engine(args.folder, args.batches, args.steps, args.gpu)))
        return
    if args.child == "hand":
        print(json.dumps(measure_hand(args.folder, args.batches, args.steps, args.gpu, args.workers)))
        return
    if args.gpu:
        import torch

        if not torch.cuda.is_available():
            print("no CUDA GPU here: the --gpu benchmark was skipped")
            return
    args.folder = args.folder or str(Path(tempfile.gettempdir()) / f"netcanvas-bench-{args.images}")
    started = time.perf_counter()
    make_folder(Path(args.folder), args.images)
    print(f"{args.images:,} images in {args.folder} ({time.perf_counter() - started:.1f} s to make or find)")
    if args.quick:
        args.rounds = 1
    runs: dict[str, list[dict]] = {"engine": [], "hand": []}
    for _ in range(args.rounds):  # alternated, so a busy machine slows both alike
        runs["engine"].append(child("engine", args))
        args.workers = runs["engine"][0]["workers"]
        runs["hand"].append(child("hand", args))
    engine, hand = (best(runs[kind]) for kind in ("engine", "hand"))
    device = "CUDA" if args.gpu else f"CPU ({engine['torch_threads']} threads)"
    print(f"ResNet-18 at {SIZE}x{SIZE} on {device}, DataLoader workers: {engine['workers']} on both sides")
    rows = (("setup_s", "setup: data indexed, model built (s)"), ("first_batch_s", "time to the first batch (s)"),
            ("pipeline", "data pipeline samples/s"), ("train", "training samples/s"))  # fmt: skip
    for key, label in rows:
        print(f"  {label:<34} NetCanvas {engine[key]:9.2f}   hand-written {hand[key]:9.2f}")
    for key in ("pipeline", "train"):
        print(f"  {key} ratio NetCanvas / hand-written: {engine[key] / hand[key]:.3f} (target >= 0.95)")
    print(
        f"  peak memory of the process tree: RSS {engine['rss'] / GB:.2f} GB (target <= 1.5 GB; ratio "
        f"{engine['rss'] / (1.5 * GB):.2f}), PSS {engine['pss'] / GB:.2f} GB; hand-written RSS "
        f"{hand['rss'] / GB:.2f} GB, PSS {hand['pss'] / GB:.2f} GB"
    )
    where = "gpu" if args.gpu else "cpu"
    report(f"data_pipeline_vs_handwritten_{where}", engine["pipeline"] / hand["pipeline"], "x", 0.95, ">=")
    report(f"data_training_vs_handwritten_{where}", engine["train"] / hand["train"], "x", 0.95, ">=")
    report(f"data_peak_memory_10k_images_{where}", engine["rss"] / GB, "GB", 1.5, "<=")
    report(f"data_first_batch_{where}", engine["first_batch_s"], "s")


if __name__ == "__main__":
    main()
