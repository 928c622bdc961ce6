"""The exported train.py is the engine's training: same first epoch, every recipe, --data, torchrun on CPU."""

import csv
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from backend.exporters.common import ExportError
from backend.exporters.script_export import export_script
from backend.training import TrainingSession
from graph.network import Network
from graph.presets import PRESETS, build_preset
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


def engine_first_epoch(project, max_batches=0):
    result = TrainingSession(project, {"epochs": 1, "max_batches": max_batches, "device": "cpu"}).run()
    assert result.status == "finished", result.message
    return result.history[0]


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


def price_csv(path, rows=120):
    rng = np.random.default_rng(0)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rooms", "area", "age", "price"])
        for _ in range(rows):
            rooms, area, age = rng.integers(1, 6), rng.uniform(30, 200), rng.uniform(0, 80)
            writer.writerow([rooms, round(area, 2), round(age, 1), round(3 * area - age + 10 * rooms, 3)])
    return path


def image_folder(root, count=10):
    for label, colour in (("cat", (200, 40, 40)), ("dog", (30, 60, 220))):
        (root / label).mkdir(parents=True)
        for index in range(count):
            size = (20 + index, 16 + 2 * index)  # every image another size
            Image.new("RGB", size, tuple(c - 3 * index for c in colour)).save(root / label / f"{index}.png")
    return root


def assert_same_epoch(row, engine):
    assert set(row) == {key for key in engine}, (row, engine)
    for key, value in engine.items():
        assert float(row[key]) == pytest.approx(value, rel=1e-6, abs=1e-9), key


def test_the_scripts_first_epoch_is_the_engines_on_digits(tmp_path):
    project = build_preset("lenet5")
    export_script(project, tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py", "--max-batches", "8")
    assert_same_epoch(rows[0], engine_first_epoch(project, max_batches=8))


def test_the_scripts_first_epoch_is_the_engines_on_a_regression_csv(tmp_path):
    project = tabular_project(str(price_csv(tmp_path / "houses.csv")), 3, 1, batch_size="16")
    export_script(project, tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py")
    engine = engine_first_epoch(project)
    assert "r2" in engine
    assert_same_epoch(rows[0], engine)


def test_the_scripts_first_epoch_is_the_engines_on_a_streamed_image_folder(tmp_path):
    project = build_preset("lenet5", {"in_channels": 3, "image_size": 16, "num_classes": 2})
    project.training.update({"dataset": str(image_folder(tmp_path / "pets")), "batch_size": "4"})
    export_script(project, tmp_path / "train.py")
    text = (tmp_path / "train.py").read_text()
    assert "def index_image_folder(" in text and "def read_csv_table(" not in text  # only what this data needs
    rows = run_script(tmp_path / "train.py")
    assert_same_epoch(rows[0], engine_first_epoch(project))


def test_data_can_be_given_from_another_place(tmp_path):
    original = price_csv(tmp_path / "houses.csv")
    project = tabular_project(str(original), 3, 1)
    export_script(project, tmp_path / "train.py")
    engine = engine_first_epoch(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(original, elsewhere / "copy.csv")
    rows = run_script(tmp_path / "train.py", "--data", str(elsewhere / "copy.csv"))
    assert_same_epoch(rows[0], engine)


def test_a_schedule_and_the_course_momentum_train_as_in_the_engine(tmp_path):
    project = tabular_project("diabetes", 10, 1, optimizer="momentum_ema", lr=0.1, schedule="step", step_size=1)
    export_script(project, tmp_path / "train.py")
    assert "class MomentumEMA(torch.optim.Optimizer)" in (tmp_path / "train.py").read_text()
    rows = run_script(tmp_path / "train.py", "--epochs", "2")
    history = TrainingSession(project, {"epochs": 2, "device": "cpu"}).run().history
    assert [float(row["lr"]) for row in rows] == pytest.approx([0.1, 0.01])
    for row, engine in zip(rows, history, strict=True):
        assert_same_epoch(row, engine)


def test_csv_data_with_word_labels_runs(tmp_path):
    lines = ["a,b,kind"] + [f"{i % 7},{(i * 3) % 5},{'cat' if i % 2 else 'dog'}" for i in range(40)]
    (tmp_path / "pets.csv").write_text("\n".join(lines) + "\n")
    export_script(tabular_project(str(tmp_path / "pets.csv"), 2, 2), tmp_path / "train.py")
    assert "target='kind'" in (tmp_path / "train.py").read_text()  # the suggested target, written out
    rows = run_script(tmp_path / "train.py")
    assert 0.0 <= float(rows[0]["val_accuracy"]) <= 1.0


def saved_networks(path):
    import torch

    return sorted(torch.load(path.parent / "out" / "model.pt", weights_only=True))


def test_vae_script_trains_an_epoch_and_logs_recon_and_kl(tmp_path):
    export_script(build_preset("vae"), tmp_path / "train.py")
    text = (tmp_path / "train.py").read_text()
    assert "ENCODER_OUTPUTS = ('z', 'mu', 'logvar')" in text and "def reconstruction_loss(" in text
    rows = run_script(tmp_path / "train.py", "--max-batches", "4")
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "recon", "kl", "lr", "val_kl", "val_recon"]
    values = {k: float(v) for k, v in rows[0].items()}
    assert all(math.isfinite(v) for v in values.values()) and values["kl"] >= 0 and values["recon"] > 0
    assert saved_networks(tmp_path / "train.py") == ["decoder", "encoder"]


def test_gan_script_trains_an_epoch_with_both_losses(tmp_path):
    export_script(build_preset("gan"), tmp_path / "train.py")
    text = (tmp_path / "train.py").read_text()
    assert "NOISE_SHAPE = (32,)" in text and "'label_smoothing': 0.1" in text
    rows = run_script(tmp_path / "train.py", "--max-batches", "4")
    assert list(rows[0]) == ["epoch", "train_loss", "d_loss", "g_loss", "lr"]
    assert all(math.isfinite(float(v)) and float(v) > 0 for v in (rows[0]["d_loss"], rows[0]["g_loss"]))
    assert saved_networks(tmp_path / "train.py") == ["discriminator", "generator"]


@pytest.mark.slow
def test_mlp_script_runs_under_torchrun_with_two_processes(tmp_path):
    export_script(build_preset("mlp"), tmp_path / "train.py")
    rows = run_script(tmp_path / "train.py", "--batch-size", "64", torchrun=True)
    assert len(rows) == 1 and math.isfinite(float(rows[0]["train_loss"]))


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


def ruff_problems(path):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    return "" if result.returncode == 0 else result.stdout + result.stderr


@pytest.mark.parametrize("preset", list(PRESETS))
def test_exported_scripts_are_ruff_clean(tmp_path, preset):
    path = tmp_path / "train.py"
    export_script(build_preset(preset), path)
    assert not ruff_problems(path)


def test_scripts_on_user_files_are_ruff_clean(tmp_path):
    for name, project in (
        ("csv", tabular_project(str(price_csv(tmp_path / "houses.csv")), 3, 1)),
        ("folder", build_preset("lenet5", {"num_classes": 2})),
    ):
        if name == "folder":
            project.training["dataset"] = str(image_folder(tmp_path / "pets"))
        path = tmp_path / f"train_{name}.py"
        export_script(project, path)
        assert not ruff_problems(path), name


def test_the_scripts_idx_reader_checks_the_header(tmp_path):
    images = (np.arange(6 * 4 * 4) % 256).astype(np.uint8).reshape(6, 4, 4)
    labels = np.array([0, 1, 2, 0, 1, 2], dtype=np.uint8)
    image_file, label_file = tmp_path / "train-images-idx3-ubyte", tmp_path / "train-labels-idx1-ubyte"
    header = bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in images.shape)
    image_file.write_bytes(header + images.tobytes())
    label_file.write_bytes(bytes([0, 0, 0x08, 1]) + len(labels).to_bytes(4, "big") + labels.tobytes())
    project = build_preset("mlp", {"in_features": 16, "num_classes": 3})
    project.training["dataset"] = str(image_file)
    export_script(project, tmp_path / "train.py")
    assert "def read_idx(" in (tmp_path / "train.py").read_text()
    run_script(tmp_path / "train.py")
    image_file.write_bytes(header + images.tobytes()[:-5])  # the header now promises more than the file holds
    done = subprocess.run(
        [sys.executable, str(tmp_path / "train.py"), "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("train.py: train-images-idx3-ubyte: its header promises 6 x 4 x 4 values")
