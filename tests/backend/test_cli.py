"""The ``netcanvas`` command line, driven as a user would (the contract in DESIGN.md).

Most checks call `backend.cli.main` in-process; a few run the command in a subprocess
(``python -m backend.cli``, and the shared contract script with ``netcanvas`` on PATH
running this checkout's code).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.cli import main
from graph.network import Network
from graph.presets import PRESETS
from graph.project import Project
from graph.project_io import load_project, save_project
from graph.validation import validate_project

# The contract script lives in the shared folder beside the checkout (CI lays a copy there).
_CONTRACT_PLACES = [Path(__file__).resolve().parents[3] / "shared", Path("/work/shared")]
CONTRACT = next(
    (place / "tools/check-cli-contract" for place in _CONTRACT_PLACES if (place / "tools/check-cli-contract").exists()),
    _CONTRACT_PLACES[0] / "tools/check-cli-contract",
)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def lenet(tmp_path, capsys) -> Path:
    path = tmp_path / "lenet5.json"
    assert run_cli(capsys, "new", "--preset", "lenet5", "-o", str(path))[0] == 0
    return path


def project_with(tmp_path, build) -> Path:
    project = Project(name="t")
    net = project.add_network(Network("net"))
    build(net)
    path = tmp_path / "t.json"
    save_project(project, path)
    return path


# -- presets and new -------------------------------------------------------------------------------
def test_presets_lists_every_preset_with_its_options_and_defaults(capsys):
    code, out, _ = run_cli(capsys, "presets")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == list(PRESETS)
    assert "--set depth=18  (18, 34, 50, 101, 152)" in out
    batch_norm = str(PRESETS["vgg"].option("batch_norm").default).lower()
    assert f"--set batch_norm={batch_norm}" in out


def test_new_writes_a_project_that_loads(capsys, lenet):
    project = load_project(lenet)
    assert project.preset == "lenet5"
    assert len(project.networks) == 1
    assert all(report.ok for report in validate_project(project).values())


def test_new_takes_preset_options_and_training_settings(tmp_path, capsys):
    path = tmp_path / "r.json"
    code, out, _ = run_cli(
        capsys, "new", "--preset", "resnet", "--set", "depth=50", "--set", "lr=0.01", "--set", "batch_size=full",
        "-o", str(path),
    )  # fmt: skip
    assert code == 0 and out.startswith(f"wrote {path}")
    project = load_project(path)
    assert "Bottleneck" in project.blocks
    assert project.training["lr"] == 0.01
    assert project.training["batch_size"] == "full"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "nosuch"], "unknown preset 'nosuch'"),
        (["--preset", "resnet", "--set", "depth=17"], "depth must be one of"),
        (["--preset", "resnet", "--set", "colour=red"], "unknown setting 'colour'"),
        (["--preset", "mlp", "--set", "lr=fast"], "lr must be a number"),
        (["--preset", "mlp", "--set", "optimizer=magic"], "optimizer must be one of"),
        (["--preset", "mlp", "--set", "depth"], "--set needs K=V"),
        (["--preset", "mlp", "--set", "=3"], "--set needs K=V"),
    ],
)
def test_new_refuses_bad_arguments_with_one_line_and_status_2(tmp_path, capsys, args, message):
    code, out, err = run_cli(capsys, "new", *args, "-o", str(tmp_path / "x.json"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("netcanvas: ")
    assert message in err
    assert not (tmp_path / "x.json").exists()


def test_new_needs_an_output_and_a_preset(capsys):
    assert run_cli(capsys, "new", "--preset", "mlp")[0] == 2
    assert run_cli(capsys, "new", "-o", "x.json")[0] == 2


def test_new_into_a_missing_folder_fails_cleanly(tmp_path, capsys):
    code, _, err = run_cli(capsys, "new", "--preset", "mlp", "-o", str(tmp_path / "no" / "x.json"))
    assert code == 1
    assert err.startswith(f"netcanvas: {tmp_path / 'no' / 'x.json'}: cannot write")


# -- summary ---------------------------------------------------------------------------------------
def test_summary_of_resnet18_at_imagenet_size_matches_the_reference_count(tmp_path, capsys):
    path = tmp_path / "r18.json"
    settings = ["in_channels=3", "image_size=224", "num_classes=1000"]
    args = [arg for setting in settings for arg in ("--set", setting)]
    assert run_cli(capsys, "new", "--preset", "resnet", *args, "-o", str(path))[0] == 0
    code, out, _ = run_cli(capsys, "summary", str(path))
    assert code == 0
    assert out.splitlines()[-1] == "Total params: 11,689,512"  # torchvision's resnet18
    assert out.splitlines()[-2] == "Total mult-adds: 1.81 G"  # and its mult-adds
    rows = [line.split() for line in out.splitlines()]
    assert ["fc", "Linear", "(N,", "1000)", "513,000", "512.00", "K"] in rows
    assert any(row[:2] == ["layer1_1", "BasicBlock"] for row in rows)


def test_summary_total_equals_the_parameters_of_the_built_model(lenet, capsys):
    from backend.compiler import build_model, count_parameters

    code, out, _ = run_cli(capsys, "summary", str(lenet))
    assert code == 0
    total = int(out.splitlines()[-1].removeprefix("Total params: ").replace(",", ""))
    assert total == count_parameters(build_model(load_project(lenet)))
    header = out.splitlines()[0].split()
    assert header == ["Layer", "Type", "Output", "shape", "Params", "Mult-adds"]
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:-4]}
    assert rows["conv1"][-2:] == ["117.60", "K"] and rows["fc3"][-1] == "840" and rows["tanh1"][-1] == "0"


def test_summary_json_is_one_object_with_the_contract_keys(lenet, capsys):
    import json

    code, out, _ = run_cli(capsys, "summary", str(lenet), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["total_params"] == 61_706 and summary["total_macs"] == 416_520
    assert summary["param_bytes"] == 4 * 61_706
    batch = summary["batch_size"]
    assert batch == int(load_project(lenet).training["batch_size"])
    # what backward keeps: the input batch and every output but Flatten's view, float32
    kept = 1 * 32 * 32 + 2 * (6 * 28 * 28) + 6 * 14 * 14 + 2 * (16 * 10 * 10) + 16 * 5 * 5 + 2 * 120 + 2 * 84 + 10
    assert summary["activation_bytes"] == 4 * batch * kept
    layers = {layer["name"]: layer for layer in summary["layers"]}
    assert layers["conv1"] == {
        "network": "lenet5",
        "name": "conv1",
        "type": "Conv2d",
        "output_shape": "(N, 6, 28, 28)",
        "params": 156,
        "macs": 117_600,
        "depth": 0,
    }
    assert sum(layer["macs"] for layer in summary["layers"]) == summary["total_macs"]


def test_summary_expand_lists_the_layers_inside_blocks(tmp_path, capsys):
    path = tmp_path / "r.json"
    run_cli(capsys, "new", "--preset", "resnet", "-o", str(path))
    plain = run_cli(capsys, "summary", str(path))[1].splitlines()
    expanded = run_cli(capsys, "summary", str(path), "--expand")[1].splitlines()
    assert len(expanded) > len(plain)
    assert expanded[-1] == plain[-1]
    inside = expanded[[line.split()[0] for line in expanded].index("layer1_1") + 2]
    assert inside.startswith("  conv1 ")


def test_summary_of_several_networks_ends_with_the_sum(tmp_path, capsys):
    path = tmp_path / "gan.json"
    run_cli(capsys, "new", "--preset", "gan", "-o", str(path))
    code, out, _ = run_cli(capsys, "summary", str(path))
    assert code == 0
    lines = out.splitlines()
    assert "Network: generator" in lines and "Network: discriminator" in lines
    parts = [int(line.rsplit(" ", 1)[1].replace(",", "")) for line in lines if line.startswith("Params of ")]
    assert len(parts) == 2
    assert lines[-1] == f"Total params: {sum(parts):,}"


def test_summary_of_an_invalid_network_still_prints_the_table(tmp_path, capsys):
    def build(net):
        net.chain(net.add("Input", shape=(1, 8, 8)), net.add("Linear", out_features=4), net.add("Output"))
        net.add("Conv2d", out_channels=2)  # not connected

    code, out, err = run_cli(capsys, "summary", str(project_with(tmp_path, build)))
    assert code == 1
    assert "error: net/conv2d1: input 'x' is not connected" in err
    assert out.splitlines()[-1].startswith("Total params: ")


# -- validate --------------------------------------------------------------------------------------
def test_validate_a_valid_project(lenet, capsys):
    code, out, _ = run_cli(capsys, "validate", str(lenet))
    assert code == 0
    assert out.strip().endswith("params)")


def test_validate_prints_one_line_per_error_and_exits_1(tmp_path, capsys):
    def build(net):
        source = net.add("Input", shape=(120,))
        conv = net.add("Conv2d", name="conv3", out_channels=4)
        net.chain(source, conv, net.add("Output"))
        net.add("Linear", name="lonely")

    code, out, _ = run_cli(capsys, "validate", str(project_with(tmp_path, build)))
    assert code == 1
    lines = out.splitlines()
    assert "error: net/conv3: Conv2d 'conv3' needs a (C, H, W) input but 'input1' gives (120)" in lines
    assert "error: net/lonely: input 'x' is not connected" in lines
    assert all(line.startswith(("error: net/", "warning: net/")) for line in lines)


def test_validate_prints_warnings_but_exits_0(tmp_path, capsys):
    def build(net):
        source = net.add("Input", shape=(4,))
        net.chain(source, net.add("Linear", out_features=2), net.add("Output"))
        net.wire(source, net.add("Linear", name="unused", out_features=3))

    code, out, _ = run_cli(capsys, "validate", str(project_with(tmp_path, build)))
    assert code == 0
    assert out.splitlines()[0] == "warning: net/unused: feeds nothing; not part of the model"


# -- files that are missing or broken --------------------------------------------------------------
@pytest.mark.parametrize("command", ["summary", "validate", "export"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"\x00\xff garbage", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b'{"format": "netcanvas", "version": 1, "networks": {"net": {"nodes": "oops"}}}', "networks.net.nodes"),
        (b'{"format": "netcanvas", "version": 7, "networks": {}}', "newer than"),
    ],
)
def test_missing_or_broken_files_give_one_line_and_status_1(tmp_path, capsys, command, content, message):
    path = tmp_path / "p.json"
    if content is not None:
        path.write_bytes(content)
    extra = ["--format", "py", "-o", str(tmp_path / "o.py")] if command == "export" else []
    code, out, err = run_cli(capsys, command, str(path), *extra)
    assert code == 1
    assert err.startswith(f"netcanvas: {path}: ") and message in err
    assert err.count("\n") == 1


def test_a_folder_is_not_a_project(tmp_path, capsys):
    code, _, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 1 and "is a folder" in err


@pytest.mark.parametrize("args", [["frobnicate"], ["validate"], ["export", "x.json"], ["summary", "a", "b"]])
def test_bad_arguments_exit_2_with_one_line(capsys, args):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("netcanvas: ")


# -- export ----------------------------------------------------------------------------------------
def test_export_python_writes_the_generated_module(lenet, tmp_path, capsys):
    target = tmp_path / "model.py"
    code, out, _ = run_cli(capsys, "export", str(lenet), "--format", "py", "-o", str(target))
    assert code == 0 and out.startswith(f"wrote {target}")
    assert "class Lenet5(nn.Module):" in target.read_text(encoding="utf-8")


def test_export_torchscript_of_several_networks_writes_one_file_each(tmp_path, capsys):
    path = tmp_path / "gan.json"
    run_cli(capsys, "new", "--preset", "gan", "-o", str(path))
    code, out, _ = run_cli(capsys, "export", str(path), "--format", "torchscript", "-o", str(tmp_path / "g.pt"))
    assert code == 0
    assert (tmp_path / "g_generator.pt").stat().st_size > 0
    assert (tmp_path / "g_discriminator.pt").stat().st_size > 0
    code, out, _ = run_cli(
        capsys, "export", str(path), "--format", "torchscript", "--network", "generator", "-o", str(tmp_path / "x.pt")
    )
    assert code == 0 and (tmp_path / "x.pt").exists()


def test_export_names_an_unknown_network(lenet, tmp_path, capsys):
    code, _, err = run_cli(capsys, "export", str(lenet), "--format", "py", "--network", "nope", "-o", "x.py")
    assert code == 2 and "no network named 'nope'" in err


def test_export_of_an_invalid_network_lists_its_errors(tmp_path, capsys):
    def build(net):
        net.chain(net.add("Input", shape=(4,)), net.add("Output"))
        net.add("Linear", name="lonely")

    target = tmp_path / "o.py"
    code, _, err = run_cli(capsys, "export", str(project_with(tmp_path, build)), "--format", "py", "-o", str(target))
    assert code == 1
    assert "error: net/lonely: input 'x' is not connected" in err
    assert not target.exists()


def test_export_script_uses_the_script_exporter_when_there_is_one(lenet, tmp_path, capsys):
    target = tmp_path / "train.py"
    code, _, err = run_cli(capsys, "export", str(lenet), "--format", "script", "-o", str(target))
    try:
        import backend.exporters.script_export  # noqa: F401
    except ModuleNotFoundError:
        assert code == 2 and "not available" in err
    else:
        assert code == 0 and target.stat().st_size > 0


# -- the installed command -------------------------------------------------------------------------
def test_python_dash_m_runs_the_command_line(lenet):
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "validate", str(lenet)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "backend.cli", "nosuch"], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr


CONTRACT_SECTIONS = (
    "cost",
    "check",
    "import",
    "compare",
    "fit",
    "samples",
)  # sections of the shared script whose features landed


@pytest.mark.slow
@pytest.mark.skipif(not CONTRACT.exists(), reason=f"the shared contract script {CONTRACT} is not on this machine")
def test_the_shared_command_line_contract_passes(tmp_path):
    # `netcanvas` on PATH runs this checkout's code, whatever is installed.
    shim = tmp_path / "bin" / "netcanvas"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path),
        "PATH": f"{shim.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run([str(CONTRACT), *CONTRACT_SECTIONS], capture_output=True, text=True, timeout=900, env=env)
    last = result.stdout.strip().splitlines()[-1]
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert last.endswith(" passed, 0 failed"), "\n".join(failures) or result.stdout[-2000:]
    assert result.returncode == 0
    assert "ok    new --set dataset=CSV fits Input and classes" in result.stdout
