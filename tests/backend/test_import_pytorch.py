"""Importing PyTorch code (torch.fx): layers, calls, blocks, modules kept whole, weights, and bad input.

The models are hand-written in ``import_samples/zoo.py``, as a user's repository would
hold them. An import is right when the project validates, its shapes are the model's,
and the generated model given the imported weights computes what the original does.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from backend.codegen import generate
from backend.compiler import build_model
from backend.importers import ModelImportError, import_model, parse_input_shapes, parse_source
from backend.importers.common import count_types
from backend.importers.module_loading import importable_models
from backend.importers.weights import check_weights, save_weights
from backend.training.engine import TrainingSession
from graph.validation import validate_project

SAMPLES = Path(__file__).parent / "import_samples"
ZOO = SAMPLES / "zoo.py"


def original(class_name: str, seed: int = 0) -> torch.nn.Module:
    """The sample model, built here (not through the importer), in eval mode."""
    spec = importlib.util.spec_from_file_location("zoo_original", ZOO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(seed)
    return getattr(module, class_name)().eval()


def imported(tmp_path, class_name: str, shape: str):
    """(result, generated model with the imported weights, the original) for one sample class."""
    model = original(class_name)
    state = tmp_path / f"{class_name}.pt"
    torch.save(model.state_dict(), state)
    result = import_model(f"{ZOO}:{class_name}", parse_input_shapes(shape), weights=str(state))
    generated = build_model(result.project).eval()
    generated.load_state_dict(result.weights)
    return result, generated, model


def same_outputs(a: torch.nn.Module, b: torch.nn.Module, *inputs: torch.Tensor) -> float:
    with torch.no_grad():
        return (a(*inputs) - b(*inputs)).abs().max().item()


def types_of(result) -> dict[str, int]:
    return count_types(result.project)


# -- layers and calls ---------------------------------------------------------------------------------
def test_functional_calls_become_layers_and_compute_the_same(tmp_path):
    result, generated, model = imported(tmp_path, "Functional", "3,16,16")
    types = types_of(result)
    for kind in ("Conv2d", "ReLU", "MaxPool2d", "Tanh", "Sigmoid", "Add", "AdaptiveAvgPool2d", "Flatten", "Softmax"):
        assert types.get(kind), kind
    assert types["Add"] == 1  # torch.add(x, y) + sigmoid(y) is one Add of three inputs
    assert not result.kept
    assert same_outputs(model, generated, torch.randn(4, 3, 16, 16)) < 1e-4
    report = validate_project(result.project)[result.project.main.name]
    assert report.ok and report.total_params == sum(p.numel() for p in model.parameters())


def test_squeeze_and_excitation_is_drawn_not_kept(tmp_path):
    result, generated, model = imported(tmp_path, "SqueezeExcite", "3,8,8")
    network = result.project.main
    assert not result.kept
    (pool,) = [n for n in network.nodes.values() if n.type == "AvgPool2d"]
    assert pool.params["kernel_size"] in (8, (8, 8))  # out.size(2), as it was for an 8x8 input
    (gate,) = [n for n in network.nodes.values() if n.type == "Multiply"]
    report = validate_project(result.project)[network.name]
    assert report.ok and report.nodes[gate.id].outputs["out"] == (8, 8, 8)
    assert same_outputs(model, generated, torch.randn(3, 3, 8, 8)) < 1e-5


def test_channel_ranges_become_slices(tmp_path):
    result, generated, model = imported(tmp_path, "DualPath", "3,8,8")
    network = result.project.main
    assert not result.kept
    slices = sorted(
        (n.params["dim"], n.params["start"], n.params["end"]) for n in network.nodes.values() if n.type == "Slice"
    )
    assert slices == [(1, 0, 4), (1, 0, 4), (1, 4, None), (1, 4, None), (3, -2, None)]
    assert {n.name for n in network.nodes.values() if n.type == "Slice"} == {f"slice{s}" for s in ("", *"1234")}
    assert validate_project(result.project)[network.name].ok
    assert same_outputs(model, generated, torch.randn(2, 3, 8, 8)) < 1e-5


def test_pools_that_round_up_keep_ceil_mode(tmp_path):
    result, generated, model = imported(tmp_path, "CeilPools", "3,16,16")
    pools = {n.type: n.params["ceil_mode"] for n in result.project.main.nodes.values() if "Pool" in n.type}
    assert pools == {"MaxPool2d": True, "AvgPool2d": True} and not result.kept
    report = validate_project(result.project)[result.project.main.name]
    # 14 -> 7 -> 4 with the last, partial windows kept (6 -> 3 without)
    assert report.ok and list(report.output_shapes(result.project.main).values()) == [(4, 4, 4)]
    assert same_outputs(model, generated, torch.randn(2, 3, 16, 16)) < 1e-5


def test_channel_shuffles_become_one_layer(tmp_path):
    result, generated, model = imported(tmp_path, "Shuffle", "3,6,6")
    network = result.project.main
    shuffles = sorted(n.params["groups"] for n in network.nodes.values() if n.type == "ChannelShuffle")
    assert shuffles == [2, 2, 4] and not result.kept
    assert not [n for n in network.nodes.values() if n.type in ("Reshape", "Flatten")]
    assert validate_project(result.project)[network.name].ok
    assert same_outputs(model, generated, torch.randn(2, 3, 6, 6)) < 1e-6


def test_a_module_called_with_a_list_is_drawn_inside_its_caller(tmp_path):
    result, generated, model = imported(tmp_path, "Aggregating", "3,8,8")
    assert not result.kept and not result.project.blocks
    types = types_of(result)
    assert types["Conv2d"] == 3 and types["Concat"] == 1
    assert validate_project(result.project)[result.project.main.name].ok
    assert same_outputs(model, generated, torch.randn(2, 3, 8, 8)) < 1e-5


def test_two_branches_joined_by_cat(tmp_path):
    result, generated, model = imported(tmp_path, "TwoBranch", "3,8,8")
    network = result.project.main
    (concat,) = [n for n in network.nodes.values() if n.type == "Concat"]
    sources = [network.nodes[e.src].name for e in network.edges_into(concat.id)]
    assert sources == ["left", "right_1"]  # in the order torch.cat was given them (right_1: the ReLU)
    assert same_outputs(model, generated, torch.randn(2, 3, 8, 8)) < 1e-4


def test_many_module_kinds_map_to_their_layers(tmp_path):
    result, generated, model = imported(tmp_path, "Layers", "2,8,8")
    expected = {"Conv2d", "BatchNorm2d", "LocalResponseNorm", "LeakyReLU", "AvgPool2d", "Upsample"}
    expected |= {"ConvTranspose2d", "GELU", "MaxPool2d", "Flatten", "Dropout", "Linear", "LayerNorm"}
    expected |= {"BatchNorm1d", "LogSoftmax"}
    assert expected <= set(types_of(result))
    conv = result.project.main.node_by_name("conv")
    assert conv.params["groups"] == 2 and conv.params["in_channels"] == 2
    assert result.project.main.node_by_name("up").params["mode"] == "bilinear"
    assert same_outputs(model, generated, torch.randn(3, 2, 8, 8)) < 1e-4


def test_recurrent_layers_states_and_token_ids(tmp_path):
    result, generated, model = imported(tmp_path, "Tokens", "5")
    network = result.project.main
    assert network.input_nodes()[0].params["dtype"] == "int64"
    decoder = network.node_by_name("decoder")
    (start,) = network.edges_into(decoder.id, "initial_state")
    assert (network.nodes[start.src].name, start.src_port) == ("encoder", "state")
    assert types_of(result)["LastTimestep"] == 1
    tokens = torch.randint(0, 20, (3, 5))
    assert same_outputs(model, generated, tokens) < 1e-4


def test_a_guessed_input_shape_is_said(tmp_path):
    result = import_model(f"{ZOO}:Functional")
    assert result.project.main.input_nodes()[0].params["shape"] == (3, 32, 32)
    assert any("guessed from conv1" in note for note in result.notes)


# -- blocks ---------------------------------------------------------------------------------------------
def test_a_block_class_used_four_times_is_one_definition_with_a_parameter(tmp_path):
    result, generated, model = imported(tmp_path, "Residual", "1,16,16")
    assert list(result.project.blocks) == ["Block"]
    definition = result.project.blocks["Block"]
    assert [p.name for p in definition.params] == ["channels"]
    widths = [n.params["channels"] for n in result.project.main.nodes.values() if n.type == "Block"]
    assert widths == [8, 8, 16, 16]
    assert definition.body.node_by_name("conv1").params["out_channels"].name == "channels"
    source = generate(result.project).source
    assert source.count("class Block(nn.Module)") == 1 and "Block(16)" in source
    assert same_outputs(model, generated, torch.randn(2, 1, 16, 16)) < 1e-4


def test_the_same_configuration_needs_no_parameter(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text(
        "from torch import nn\n"
        "from zoo import Block\n\n\n"
        "class Twice(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = Block(4)\n"
        "        self.b = Block(4)\n\n"
        "    def forward(self, x):\n"
        "        return self.b(self.a(x))\n"
    )
    shutil.copy(ZOO, tmp_path / "zoo.py")
    result = import_model(f"{path}:Twice", [(4, 6, 6)])
    assert list(result.project.blocks) == ["Block"] and result.project.blocks["Block"].params == ()


# -- modules kept whole ---------------------------------------------------------------------------------
def test_unmappable_parts_are_kept_as_module_nodes_that_export_and_train(tmp_path):
    result, generated, model = imported(tmp_path, "Kept", "8")
    network = result.project.main
    kept = {n.name: n.params for n in network.nodes.values() if n.type == "Module"}
    assert set(kept) == {"act", "gate", "elu"}
    assert kept["act"]["module"] == "zoo:Swish" and kept["act"]["args"] == "beta=1.5"
    assert kept["gate"]["args"] == "16" and kept["gate"]["parameters"] == 16 * 16 + 16
    assert kept["elu"]["module"] == "torch.nn:ELU" and kept["elu"]["args"] == "alpha=0.5"
    assert kept["gate"]["output_shape"] == (16,) and kept["gate"]["input_shapes"] == "16"
    assert validate_project(result.project)[network.name].total_params == sum(p.numel() for p in model.parameters())
    assert same_outputs(model, generated, torch.randn(5, 8)) < 1e-4
    source = generate(result.project).source
    assert f"sys.path.insert(0, {str(SAMPLES.resolve())!r})\nfrom zoo import Gate, Swish\n" in source
    assert "self.act = Swish(beta=1.5)" in source and "self.elu = nn.ELU(alpha=0.5)" in source


def test_exported_code_with_kept_modules_is_ruff_clean_and_runs_alone(tmp_path):
    result = import_model(f"{ZOO}:Kept", [(8,)])
    script = tmp_path / "exported.py"
    script.write_text(
        generate(result.project).source + "\nprint(tuple(Kept()(__import__('torch').randn(2, 8)).shape))\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.strip() == "(2, 4)"
    ruff = shutil.which("ruff")
    if ruff is not None:
        lint = subprocess.run([ruff, "check", "--no-cache", "--isolated", str(script)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout


def test_untraceable_top_level_code_is_refused_naming_the_line():
    with pytest.raises(ModelImportError) as caught:
        import_model(f"{ZOO}:Branchy", [(8,)])
    line = next(i for i, text in enumerate(ZOO.read_text().splitlines(), 1) if "if x.sum() > 0" in text)
    assert str(caught.value) == f"zoo.py:{line}: Branchy.forward branches on tensor values, which cannot be drawn"


# -- weights ------------------------------------------------------------------------------------------
def test_the_model_s_own_weights_are_kept_and_training_starts_from_them(tmp_path):
    result = import_model(f"{ZOO}:Functional", [(3, 32, 32)], weights=True)
    check_weights(result.project, result.weights)
    weights = tmp_path / "functional.weights.pt"
    save_weights(result.weights, weights)
    result.project.training.update(weights=str(weights), max_batches=1, epochs=1)
    session = TrainingSession(result.project)
    loaded = session.models[result.project.main.name].state_dict()
    assert all(torch.equal(loaded[k].cpu(), v) for k, v in result.weights.items())
    result.project.training["weights"] = str(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="no such weights file"):
        TrainingSession(result.project)


def test_a_state_dict_that_does_not_fit_is_one_line(tmp_path):
    state = tmp_path / "other.pt"
    torch.save(original("TwoBranch").state_dict(), state)
    with pytest.raises(ModelImportError, match="the weights do not fit"):
        import_model(f"{ZOO}:Functional", [(3, 16, 16)], weights=str(state))


# -- sources --------------------------------------------------------------------------------------------
def test_package_module_class_source(monkeypatch):
    monkeypatch.syspath_prepend(str(SAMPLES))
    result = import_model("zoo:TwoBranch", [(3, 8, 8)])
    assert validate_project(result.project)[result.project.main.name].ok


@pytest.mark.parametrize(
    ("source", "shape", "message"),
    [
        ("nowhere.py:Net", None, "nowhere.py: no such file"),
        (f"{ZOO}:Nope", None, "zoo.py: no class or function Nope (nn.Module classes there: Aggregating, Block, "),
        (f"{ZOO}:not_a_module", None, "not_a_module() returned int, not an nn.Module"),
        (f"{ZOO}:nn", None, "zoo.py: nn is neither an nn.Module class nor a function that builds one"),
        (f"{ZOO}:NeedsArgs", None, "NeedsArgs() needs arguments (width); NetCanvas builds it with none"),
        (f"{ZOO}:ExitsOnBuild", None, "ExitsOnBuild() failed: it called exit(3)"),
        (f"{ZOO}:Functional", "4,16,16", "running it failed: RuntimeError"),
        ("no_such_package.models:Net", None, "no_such_package.models: no such module"),
    ],
)
def test_bad_sources_fail_with_one_line(source, shape, message):
    with pytest.raises(ModelImportError) as caught:
        import_model(source, parse_input_shapes(shape) if shape else None)
    text = str(caught.value)
    assert message in text and "\n" not in text
    if shape:
        assert "input shape 4,16,16" in text


def test_a_file_that_fails_to_import_names_its_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\n\nraise ValueError('no GPU here')\n")
    with pytest.raises(ModelImportError, match=r"^broken.py:3: importing it failed: ValueError: no GPU here$"):
        import_model(f"{broken}:Net")
    broken.write_text("class Net(:\n")
    with pytest.raises(ModelImportError, match=r"^broken.py:1: importing it failed: SyntaxError"):
        import_model(f"{broken}:Net")


@pytest.mark.parametrize("text", ["", "1,,2", "3x", "a,b", "0,4", "1;", "1,2,3,4,5,6,7,8,9"])
def test_malformed_input_shapes_are_refused(text):
    with pytest.raises(ValueError, match="--input-shape"):
        parse_input_shapes(text)


def test_input_shapes_read_several_inputs():
    assert parse_input_shapes("3,32,32;10") == [(3, 32, 32), (10,)]
    assert parse_input_shapes("1x28x28") == [(1, 28, 28)]


@pytest.mark.parametrize("text", ["model", "model.py", "model.py:", "model.py:1x", "a-b:Net"])
def test_malformed_sources_are_refused(text):
    with pytest.raises(ValueError, match="SOURCE must be"):
        parse_source(text)


def test_classes_are_listed_from_the_source_without_running_it(tmp_path):
    path = tmp_path / "listed.py"
    path.write_text(
        "raise SystemExit('running me is an error')\n"
        "from torch import nn\n"
        "class Base(nn.Module):\n    pass\n"
        "class Child(Base):\n    def __init__(self, width, *, depth=2):\n        super().__init__()\n"
        "class Plain:\n    pass\n"
        "class Seq(nn.Sequential):\n    pass\n"
    )
    found = {c.name: c.required for c in importable_models(path)}
    assert found == {"Base": (), "Child": ("width",), "Seq": ()}
    path.write_text("class (:\n")
    with pytest.raises(ValueError, match="listed.py:1: not valid Python"):
        importable_models(path)


# -- model repositories: functions that build models, packages with relative imports -----------------------
REPO = SAMPLES / "repo"
RESNETLIKE = REPO / "models" / "resnetlike.py"


def test_a_function_that_builds_the_model_is_a_source():
    result = import_model(f"{RESNETLIKE}:Small", [(3, 16, 16)])
    project = result.project
    report = validate_project(project)[project.main.name]
    assert report.ok
    assert project.main.name == "small"
    built = sys.modules["models.resnetlike"].Small()
    assert report.total_params == sum(p.numel() for p in built.parameters())
    assert count_types(project).get("Block") == 2  # the relatively imported Basic, used twice


def test_the_files_package_is_imported_so_relative_imports_work_and_kept_modules_come_back():
    result = import_model(f"{RESNETLIKE}:Deeper", [(3, 16, 16)])
    gate = next(n for n in result.project.main.nodes.values() if n.type == "Module")
    assert gate.params["module"] == "models.blocks:Gate"
    assert gate.params["path"] == str(REPO.resolve())
    model = build_model(result.project)
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_a_dotted_module_is_found_in_the_current_folder(monkeypatch):
    monkeypatch.chdir(REPO)
    result = import_model("models.resnetlike:deeper_alias", [(3, 16, 16)])
    assert validate_project(result.project)[result.project.main.name].ok


def test_a_class_that_needs_arguments_points_to_the_functions_that_build_it():
    with pytest.raises(ModelImportError) as caught:
        import_model(f"{RESNETLIKE}:Net", [(3, 16, 16)])
    assert str(caught.value) == (
        "Net() needs arguments (block, depth); NetCanvas builds it with none: "
        "import a function that builds it instead: Small, Deeper, deeper_alias"
    )


def test_a_function_that_builds_nothing_or_needs_arguments_is_refused_in_one_line():
    with pytest.raises(ModelImportError, match=r"^test\(\) returned NoneType, not an nn.Module"):
        import_model(f"{RESNETLIKE}:test", [(3, 16, 16)])
    with pytest.raises(ModelImportError, match=r"^Wide\(\) needs arguments \(width\)"):
        import_model(f"{RESNETLIKE}:Wide", [(3, 16, 16)])


def test_listing_a_file_finds_its_classes_and_the_functions_that_build_them():
    found = {m.name: (m.required, m.builds) for m in importable_models(RESNETLIKE)}
    assert found == {
        "Net": (("block", "depth"), ""),
        "Small": ((), "Net"),
        "Deeper": ((), "Net"),
        "deeper_alias": ((), "Net"),
        "Wide": (("width",), "Net"),
    }


def test_importing_again_after_an_edit_reads_the_edited_files(tmp_path):
    """The window imports in one process: a model fixed by its author and imported again must be the new one."""
    package = tmp_path / "repo" / "nets"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "parts.py").write_text("WIDTH = 4\n")
    model = package / "net.py"
    model.write_text(
        "from torch import nn\nfrom . import parts\n\n\n"
        "def small():\n    return nn.Sequential(nn.Linear(8, parts.WIDTH), nn.ReLU())\n"
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "sizes.py").write_text("WIDTH = 4\n")
    (plain / "net.py").write_text(
        "from torch import nn\nimport sizes\n\n\nclass Net(nn.Sequential):\n"
        "    def __init__(self):\n        super().__init__(nn.Linear(8, sizes.WIDTH))\n"
    )

    def widths():
        a = import_model(f"{model}:small", [(8,)]).project.main
        b = import_model(f"{plain / 'net.py'}:Net", [(8,)]).project.main
        return [n.params["out_features"] for net in (a, b) for n in net.nodes.values() if n.type == "Linear"]

    assert widths() == [4, 4]
    (package / "parts.py").write_text("WIDTH = 16\n")  # a new size: Python's cache checks size and mtime
    (plain / "sizes.py").write_text("WIDTH = 32\n")
    assert widths() == [16, 32]
