"""``netcanvas train`` end to end on a small project: files written, exit codes, one-line errors."""

import csv

import pytest

from backend.cli import main
from graph.network import Network
from graph.project import Project
from graph.project_io import save_project


@pytest.fixture
def project_file(tmp_path):
    project = Project(name="iris")
    net = Network("net")
    net.chain(
        net.add("Input", shape=(4,)),
        net.add("Linear", out_features=16),
        net.add("ReLU"),
        net.add("Linear", out_features=3),
        net.add("Output"),
    )
    project.add_network(net)
    project.training.update({"dataset": "iris", "epochs": 2, "batch_size": "32", "lr": 0.05})
    path = tmp_path / "iris.json"
    save_project(project, path)
    return path


def test_train_writes_metrics_model_and_checkpoint(project_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", str(project_file), "--epochs", "3", "--device", "cpu", "--out", str(out)]) == 0
    with (out / "metrics.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["epoch", "train_loss", "val_loss", "val_accuracy"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    assert (out / "model.pt").stat().st_size > 0 and (out / "checkpoint.pt").exists()
    err = capsys.readouterr().err
    assert "epoch 3/3: train_loss" in err and "finished 3 epochs" in err


def test_train_resumes_from_its_checkpoint(project_file, tmp_path):
    out = tmp_path / "run"
    assert main(["train", str(project_file), "--out", str(out), "--set", "epochs=1"]) == 0
    assert main(["train", str(project_file), "--out", str(out), "--resume", str(out / "checkpoint.pt")]) == 0
    with (out / "metrics.csv").open() as handle:
        assert [row[0] for row in list(csv.reader(handle))[1:]] == ["1", "2"]


@pytest.mark.parametrize(
    "args",
    [["--set", "lr=fast"], ["--set", "nonsense=1"], ["--set", "lr"], ["--epochs", "0"], ["--device", "tpu"]],
)
def test_bad_arguments_exit_2_with_one_line(project_file, tmp_path, capsys, args):
    assert main(["train", str(project_file), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_setup_that_cannot_train_exits_1_with_one_line(project_file, tmp_path, capsys):
    code = main(["train", str(project_file), "--out", str(tmp_path / "o"), "--set", "dataset=wine"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("netcanvas: wine has 13 features") and err.count("\n") == 1


def test_a_failed_run_exits_1_and_keeps_its_metrics(project_file, tmp_path, capsys):
    out = tmp_path / "o"
    args = ["--set", "lr=100", "--set", "optimizer=sgd", "--set", "batch_size=16", "--epochs", "3"]
    assert main(["train", str(project_file), "--out", str(out), *args]) == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("netcanvas: the loss became NaN at epoch") and "lower learning rate" in last
    assert (out / "metrics.csv").exists() and not (out / "model.pt").exists()


def test_ctrl_c_stops_after_saving_with_exit_130(project_file, tmp_path, monkeypatch):
    import signal

    from backend.cli import cmd_train

    out = tmp_path / "o"
    original = cmd_train.Progress.batch

    def interrupt_at_second_batch(self, event):
        original(self, event)
        if event.batch == 2:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(cmd_train.Progress, "batch", interrupt_at_second_batch)
    assert main(["train", str(project_file), "--out", str(out), "--set", "batch_size=8"]) == 130
    assert (out / "model.pt").exists() and (out / "metrics.csv").exists()


def test_tensorboard_gets_the_scalars_and_the_graph(project_file, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    board = tmp_path / "tb"
    assert main(["train", str(project_file), "--out", str(tmp_path / "o"), "--tensorboard", str(board)]) == 0
    events = EventAccumulator(str(board))
    events.Reload()
    assert {"train_loss", "val_loss", "val_accuracy", "lr"} <= set(events.Tags()["scalars"])
    assert [event.step for event in events.Scalars("train_loss")] == [1, 2]
    graph = events.Graph()
    assert any("Linear" in node.op or "linear" in node.op for node in graph.node), [n.op for n in graph.node][:20]


def test_tensorboard_does_not_change_the_run(tmp_path):
    project = Project(name="iris")
    net = Network("net")
    net.chain(
        net.add("Input", shape=(4,)),
        net.add("Linear", out_features=16),
        net.add("BatchNorm1d"),  # tracing in training mode would move its running statistics
        net.add("Dropout", p=0.5),  # ... and draw random numbers
        net.add("Linear", out_features=3),
        net.add("Output"),
    )
    project.add_network(net)
    project.training.update({"dataset": "iris", "epochs": 2, "batch_size": "32"})
    save_project(project, tmp_path / "p.json")
    plain, logged = tmp_path / "plain", tmp_path / "logged"
    assert main(["train", str(tmp_path / "p.json"), "--out", str(plain)]) == 0
    assert main(["train", str(tmp_path / "p.json"), "--out", str(logged), "--tensorboard", str(tmp_path / "tb")]) == 0
    assert (plain / "metrics.csv").read_text() == (logged / "metrics.csv").read_text()


@pytest.mark.slow
def test_nproc_per_node_trains_the_exported_script_under_torchrun(project_file, tmp_path, capfd):
    out = tmp_path / "ddp"
    assert main(["train", str(project_file), "--out", str(out), "--nproc-per-node", "2", "--device", "cpu"]) == 0
    with (out / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2"] and set(rows[0]) >= {"train_loss", "val_loss", "val_accuracy"}
    import torch

    state = torch.load(out / "model.pt", weights_only=True)
    assert (out / "train.py").exists() and any(key.endswith("weight") for key in state)
    assert "training with 2 processes under torchrun" in capfd.readouterr().err


def test_nproc_per_node_refuses_what_the_script_cannot_do(project_file, tmp_path, capsys):
    code = main(["train", str(project_file), "--nproc-per-node", "2", "--resume", "c.pt", "--out", str(tmp_path)])
    assert code == 2 and "neither --resume nor --tensorboard" in capsys.readouterr().err
