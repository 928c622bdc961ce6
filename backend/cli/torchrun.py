"""``netcanvas train PROJECT --nproc-per-node N``: the exported training script under torchrun.

The project's settings (with ``--set`` applied) are written into DIR/train.py,
which ``python -m torch.distributed.run --standalone --nproc_per_node=N`` starts N
times: DistributedDataParallel, gloo on CPUs, nccl on GPUs. Rank 0 writes the
same DIR/metrics.csv and DIR/model.pt as a run in NetCanvas; progress is the
script's own, one line per epoch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from backend.cli import CommandError
from graph.project import Project

SCRIPT_DEVICES = {"cpu": "cpu", "cuda": "cuda"}  # the script picks CUDA or the CPU for anything else


def train_distributed(project: Project, overrides: dict, out: Path, processes: int) -> int:
    """Export `project` with `overrides` to ``out/train.py`` and run it under torchrun; the exit status."""
    from backend.exporters.common import ExportError
    from backend.exporters.script_export import export_script
    from backend.training.setup import TrainingSetupError, resolve_config

    try:
        project.training = resolve_config(project.training, overrides)
        script = out / "train.py"
        export_script(project, script)
    except (TrainingSetupError, ExportError) as error:
        raise CommandError(str(error).removeprefix("the training script cannot be written: ")) from None
    config = project.training
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
        str(script), "--out", str(out), "--epochs", str(config["epochs"]),
        "--device", SCRIPT_DEVICES.get(config["device"], "auto"),
    ]  # fmt: skip
    print(f"training with {processes} processes under torchrun: {script}", file=sys.stderr, flush=True)
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise CommandError(f"training under torchrun failed (exit status {done.returncode}); see the lines above")
    for name in ("metrics.csv", "model.pt"):
        if not (out / name).exists():
            raise CommandError(f"training under torchrun wrote no {out / name}")
    return 0
