"""Presets as PyTorch models: they compile, run forward and backward, and count right.

Built through exactly the generated source (`backend.compiler`), at default sizes
with a batch of 2 to stay quick; the big ImageNet-size check compiles ResNet-18 only.
"""

import re

import pytest
import torch

from backend.codegen import generate
from backend.compiler import build_models, count_parameters, example_inputs
from graph.grouping import apply_group, apply_ungroup, plan_group, plan_ungroup
from graph.presets import PRESETS, build_preset
from graph.validation import validate_project


def _loss(outputs):
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return sum(output.float().square().mean() for output in outputs)


# VGG's 4096-wide classifier after a 7x7 pool is 100M+ weights at any image size.
PRESET_CASES = [pytest.param(name, marks=pytest.mark.slow) if name == "vgg" else name for name in PRESETS]


@pytest.mark.parametrize("name", PRESET_CASES)
def test_preset_compiles_and_runs_forward_and_backward_at_its_defaults(name):
    torch.manual_seed(0)
    project = build_preset(name)
    reports = validate_project(project)
    models, _ = build_models(project)
    assert list(models) == list(project.networks)
    for network_name, model in models.items():
        network = project.networks[network_name]
        report = reports[network_name]
        assert count_parameters(model) == report.total_params
        model.train()
        outputs = model(*example_inputs(network, report, batch=2))
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        expected = list(report.output_shapes(network).values())
        assert [tuple(o.shape[1:]) for o in outputs] == expected
        assert all(o.shape[0] == 2 for o in outputs)
        _loss(outputs).backward()
        assert all(p.grad is not None for p in model.parameters())


def test_resnet18_at_imagenet_size_has_the_reference_parameter_count():
    project = build_preset("resnet", {"depth": 18, "in_channels": 3, "image_size": 224, "num_classes": 1000})
    models, _ = build_models(project)
    model = models["resnet18"]
    assert count_parameters(model) == 11_689_512
    model.eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def _classes(source):
    return re.findall(r"^class (\w+)\(nn\.Module\):", source, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("depth", "classes", "uses"),
    [
        (18, ["BasicBlock", "BasicBlockDown", "Resnet18"], {"BasicBlock(": 5, "BasicBlockDown(": 3}),
        (50, ["BottleneckDown", "Bottleneck", "Resnet50"], {"Bottleneck(": 12, "BottleneckDown(": 4}),
        (152, ["BottleneckDown", "Bottleneck", "Resnet152"], {"Bottleneck(": 46, "BottleneckDown(": 4}),
    ],
)
def test_generated_resnet_has_one_class_per_block_kind(depth, classes, uses):
    source = generate(build_preset("resnet", {"depth": depth})).source
    # No numbered variants (Bottleneck2 ...): every instance renders the same class.
    assert _classes(source) == classes
    for call, count in uses.items():
        assert len(re.findall(rf"= {re.escape(call)}", source)) == count
    assert "self.layer1_1 = " in source


def test_generated_lenet5_reads_like_hand_written_code():
    source = generate(build_preset("lenet5")).source
    assert "self.conv1 = nn.Conv2d(1, 6, kernel_size=5)" in source
    assert "self.pool1 = nn.AvgPool2d(2)" in source
    assert "self.fc1 = nn.Linear(400, 120)" in source
    assert "def forward(self, image):" in source


def _compiled_summary(project):
    models, generated = build_models(project)
    network = project.main
    model = models[network.name].eval()
    with torch.no_grad():
        output = model(*example_inputs(network, batch=2))
    return count_parameters(model), tuple(output.shape), generated.source


def test_grouping_and_ungrouping_keep_the_compiled_model():
    project = build_preset("resnet", {"depth": 18})
    params, shape, _ = _compiled_summary(project)
    network = project.main
    stem = [network.node_by_name(name).id for name in ("conv1", "bn1", "relu", "maxpool")]
    group = plan_group(project, network.name, stem, "Stem")
    apply_group(project, group)
    grouped_params, grouped_shape, source = _compiled_summary(project)
    assert (grouped_params, grouped_shape) == (params, shape)
    assert _classes(source) == ["Stem", "BasicBlock", "BasicBlockDown", "Resnet18"]
    assert "self.stem = Stem()" in source
    ungroup = plan_ungroup(project, network.name, network.node_by_name("layer2_1").id)
    apply_ungroup(project, ungroup)
    expanded_params, expanded_shape, source = _compiled_summary(project)
    assert (expanded_params, expanded_shape) == (params, shape)
    # The stem moved into Stem, so the copies keep their own names where they are free.
    assert "self.conv1 = nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1, bias=False)" in source
