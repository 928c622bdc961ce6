"""Training-loop overhead: the engine's and the exported script's samples/s against a minimal hand-written loop.

All train the same generated model with the same optimizer on the same data; the
ratios engine/hand-written and script/hand-written should be >= 0.95 (DESIGN.md).
The script (``export --format script``) runs in its own process; its rate is that
of its second epoch of the same number of batches, so the first warms it up.
CPU cases: LeNet-5 and ResNet-18 on digits at 32x32. ``--gpu`` (CUDA only):
ResNet-18 at 224x224 (digits resized, three channels), batch 256, bf16 autocast
and channels-last, plus ``--compile`` for torch.compile on both sides.

    PYTHONPATH=. python bench/bench_training_loop.py [--gpu] [--compile] [--steps N] [--quick]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from backend.compiler import build_models
from backend.training import TrainingSession
from bench.results import report
from graph.presets import build_preset


def engine_rate(project, overrides: dict, steps: int) -> tuple[float, TrainingSession]:
    """Samples/s of TrainingSession.run over `steps` batches (no validation)."""
    session = TrainingSession(project, {**overrides, "epochs": 1, "max_batches": steps, "val_split": 0.0})
    sync(session.settings.device)
    start = time.perf_counter()
    result = session.run()
    sync(session.settings.device)
    elapsed = time.perf_counter() - start
    assert result.status == "finished", result.message
    return steps * session.batch_size / elapsed, session


def hand_rate(project, session: TrainingSession, steps: int, compile_model: bool) -> float:
    """Samples/s of the loop anyone would write by hand, on the engine's data and settings."""
    device, settings = session.settings.device, session.settings
    torch.manual_seed(0)
    model = build_models(project)[0][next(iter(project.networks))].to(device)
    if settings.channels_last:
        model = model.to(memory_format=torch.channels_last)
    runner = torch.compile(model) if compile_model else model
    optimizer = torch.optim.Adam(model.parameters(), lr=session.config["lr"])
    x_all, y_all, size = session.data.train.x, session.data.train.y, session.batch_size
    order = torch.randperm(len(x_all)).to(device)
    sync(device)
    start = time.perf_counter()
    for step in range(steps):
        index = order[(step * size) % (len(x_all) - size + 1) :][:size]
        x, y = x_all[index], y_all[index]
        if settings.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with settings.autocast():
            loss = F.cross_entropy(runner(x).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    sync(device)
    return steps * size / (time.perf_counter() - start)


def script_rate(project, overrides: dict, steps: int, compile_model: bool) -> float:
    """Samples/s of the exported train.py over its second epoch of `steps` batches."""
    from backend.exporters.script_export import export_script
    from backend.training.setup import resolve_config

    project.training = resolve_config(project.training, {**overrides, "val_split": 0.0})
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "train.py"
        export_script(project, script)
        device = "cuda" if overrides.get("device") == "cuda" else "cpu"
        command = [sys.executable, str(script), "--epochs", "2", "--max-batches", str(steps), "--device", device]
        command += ["--out", str(Path(folder) / "out")] + (["--compile"] if compile_model else [])
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    rate = re.search(r"^epoch 2: .*?([\d,.]+) samples/s$", done.stdout, re.MULTILINE)
    return float(rate.group(1).replace(",", ""))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def compare(label: str, project, overrides: dict, steps: int, compile_model: bool = False, rounds: int = 3) -> float:
    """Print the best samples/s of both loops; returns engine / hand-written."""
    engine_rate(project, overrides, 2)  # warm-up: allocator, kernels, compilation
    engine, hand = [], []
    session = None
    for _ in range(rounds):  # interleaved so a busy machine slows both alike
        rate, session = engine_rate(project, overrides, steps)
        engine.append(rate)
        hand.append(hand_rate(project, session, steps, compile_model))
    best_engine, best_hand = max(engine), max(hand)
    best_script = max(script_rate(project, overrides, steps, compile_model) for _ in range(rounds))
    print(
        f"{label:<44} samples/s: engine {best_engine:9.1f}  script {best_script:9.1f}  hand-written {best_hand:9.1f}  "
        f"ratios {best_engine / best_hand:.3f} / {best_script / best_hand:.3f} (target >= 0.95)"
    )
    return best_engine / best_hand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="ResNet-18 at 224x224 on CUDA, bf16 + channels-last")
    parser.add_argument("--compile", action="store_true", help="with --gpu: torch.compile both loops")
    parser.add_argument("--steps", type=int, default=20, help="batches per measurement")
    # Fewer rounds, not fewer batches: with under 20 batches the run's fixed costs blur the ratio.
    parser.add_argument("--quick", action="store_true", help="2 rounds per case instead of 3")
    args = parser.parse_args()
    steps, rounds = args.steps, 2 if args.quick else 3
    if args.gpu:
        if not torch.cuda.is_available():
            print("no CUDA GPU here: the --gpu benchmark was skipped")
            return
        project = build_preset("resnet", {"depth": 18, "in_channels": 3, "image_size": 224})
        overrides = {"device": "cuda", "batch_size": 256, "amp": True, "channels_last": True, "compile": args.compile}
        label = "ResNet-18 224x224 b256 bf16 channels-last" + (" compiled" if args.compile else "")
        ratio = compare(label, project, overrides, steps, args.compile, rounds)
        report("engine_vs_minimal_loop_resnet18_gpu", ratio, "x", 0.95, ">=")
        return
    cpu = {"device": "cpu"}
    lenet = compare(
        "LeNet-5 on digits 32x32, batch 64, CPU",
        build_preset("lenet5"),
        {**cpu, "batch_size": 64},
        steps,
        rounds=rounds,
    )
    resnet = build_preset("resnet", {"depth": 18, "image_size": 32})
    resnet = compare(
        "ResNet-18 on digits 32x32, batch 32, CPU", resnet, {**cpu, "batch_size": 32}, max(4, steps // 4), rounds=rounds
    )
    report("engine_vs_minimal_loop_lenet5_cpu", lenet, "x", 0.95, ">=")
    report("engine_vs_minimal_loop_resnet18_cpu", resnet, "x", 0.95, ">=")


if __name__ == "__main__":
    main()
