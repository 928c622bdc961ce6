"""The exported train.py runs on its own: plainly, and under torchrun with two CPU processes (gloo)."""

import csv
import math
import os
import subprocess
import sys

import pytest

from backend.exporters.common import ExportError
from backend.exporters.script_export import export_script
from graph.network import Network
from graph.presets import build_preset
from graph.project import Project


def run_script(path, *args, torchrun=False, timeout=240):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"] if torchrun else [sys.executable]
    done = subprocess.run(
        [*launcher, str(path), "--epochs", "1", "--out", str(path.parent / "out"), "--device", "cpu", *args],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with (path.parent / "out" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert (path.parent / "out" / "model.pt").exists()
    return rows


def tabular_project(dataset, features, outputs, **training):
    project = Project(name="tab")
    net = Network("net")
    net.chain(
        net.add("Input", shape=(features,)),
        net.add("Linear", out_features=16),
        net.add("ReLU"),
        net.add("Linear", out_features=outputs),
        net.add("Output"),
    )
    project.add_network(net)
    project.training.update({"dataset": dataset, "lr": 0.01, **training})
    return project


def test_lenet5_script_trains_an_epoch(tmp_path):
    export_script(build_preset("lenet5"), tmp_path / "train.py")
    text = (tmp_path / "train.py").read_text()
    assert "class Lenet5(nn.Module)" in text and "load_digits" in text and "DistributedSampler" in text
    rows = run_script(tmp_path / "train.py", "--batch-size", "128")
    assert len(rows) == 1 and math.isfinite(float(rows[0]["train_loss"])) and float(rows[0]["val_accuracy"]) > 0.2


@pytest.mark.slow
def test_mlp_script_runs_under_torchrun_with_two_processes(tmp_path):
    export_script(build_preset("mlp"), tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py", "--batch-size", "64", torchrun=True)
    assert len(rows) == 1 and math.isfinite(float(rows[0]["train_loss"]))


def test_regression_script_reports_r2_with_the_course_momentum(tmp_path):
    project = tabular_project("diabetes", 10, 1, optimizer="momentum_ema", lr=0.1)
    export_script(project, tmp_path / "train.py")
    assert "class MomentumEMA(torch.optim.Optimizer)" in (tmp_path / "train.py").read_text()
    rows = run_script(tmp_path / "train.py")
    assert set(rows[0]) == {"epoch", "train_loss", "val_loss", "r2"} and math.isfinite(float(rows[0]["val_loss"]))


def test_csv_data_with_word_labels_runs(tmp_path):
    lines = ["a,b,kind"] + [f"{i % 7},{(i * 3) % 5},{'cat' if i % 2 else 'dog'}" for i in range(40)]
    (tmp_path / "pets.csv").write_text("\n".join(lines) + "\n")
    export_script(tabular_project(str(tmp_path / "pets.csv"), 2, 2), tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py")
    assert 0.0 <= float(rows[0]["val_accuracy"]) <= 1.0


def saved_networks(path):
    import torch

    return sorted(torch.load(path.parent / "out" / "model.pt", weights_only=True))


def test_vae_script_trains_an_epoch_and_logs_recon_and_kl(tmp_path):
    export_script(build_preset("vae"), tmp_path / "train.py")
    text = (tmp_path / "train.py").read_text()
    assert "ENCODER_OUTPUTS = ('z', 'mu', 'logvar')" in text and "F.binary_cross_entropy(" in text
    rows = run_script(tmp_path / "train.py", "--max-batches", "4")
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "recon", "kl"]
    values = {k: float(v) for k, v in rows[0].items()}
    assert all(math.isfinite(v) for v in values.values()) and values["kl"] >= 0 and values["recon"] > 0
    assert saved_networks(tmp_path / "train.py") == ["decoder", "encoder"]


def test_gan_script_trains_an_epoch_with_both_losses(tmp_path):
    export_script(build_preset("gan"), tmp_path / "train.py")
    assert "NOISE_SHAPE = (32,)" in (tmp_path / "train.py").read_text()
    rows = run_script(tmp_path / "train.py", "--max-batches", "4")
    assert list(rows[0]) == ["epoch", "d_loss", "g_loss"]
    assert all(math.isfinite(float(v)) and float(v) > 0 for v in (rows[0]["d_loss"], rows[0]["g_loss"]))
    assert saved_networks(tmp_path / "train.py") == ["discriminator", "generator"]


@pytest.mark.slow
def test_gan_script_runs_under_torchrun_with_two_processes(tmp_path):
    export_script(build_preset("gan"), tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py", "--max-batches", "4", torchrun=True)
    assert len(rows) == 1 and math.isfinite(float(rows[0]["d_loss"])) and math.isfinite(float(rows[0]["g_loss"]))
    assert saved_networks(tmp_path / "train.py") == ["discriminator", "generator"]


def test_a_gan_with_a_mismatched_latent_dim_is_an_export_error(tmp_path):
    project = build_preset("gan")
    project.set_training("latent_dim", 8)
    with pytest.raises(ExportError, match="latent_dim=8 but the generator's Input takes"):
        export_script(project, tmp_path / "train.py")


def test_a_project_that_cannot_train_is_an_export_error(tmp_path):
    with pytest.raises(ExportError, match="wine has 13 features"):
        export_script(tabular_project("wine", 4, 3), tmp_path / "train.py")


@pytest.mark.parametrize("preset", ["lenet5", "lstm", "seq2seq", "vae", "gan"])
def test_exported_scripts_are_ruff_clean(tmp_path, preset):
    path = tmp_path / "train.py"
    export_script(build_preset(preset), path)
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_idx_data_in_the_script_reads_sizes_and_labels(tmp_path):
    import numpy as np

    images = (np.arange(6 * 4 * 4) % 256).astype(np.uint8).reshape(6, 4, 4)
    labels = np.array([0, 1, 2, 0, 1, 2], dtype=np.uint8)
    image_file, label_file = tmp_path / "imgs-idx3-ubyte", tmp_path / "labels-idx1-ubyte"
    image_file.write_bytes(
        bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in images.shape) + images.tobytes()
    )
    label_file.write_bytes(bytes([0, 0, 0x08, 1]) + len(labels).to_bytes(4, "big") + labels.tobytes())
    from backend.exporters.script_data import IDX

    namespace: dict = {}
    exec(  # the script's own IDX reader, as it is written into train.py
        "from pathlib import Path\nimport numpy as np\nimport torch\n"
        + IDX.format(path=str(image_file), labels=str(label_file)),
        namespace,
    )
    x, y, kind = namespace["load_data"]()
    assert tuple(x.shape) == (6, 1, 4, 4) and kind == "image"
    assert y.tolist() == [0, 1, 2, 0, 1, 2]
    assert float(x.max()) <= 1.0
