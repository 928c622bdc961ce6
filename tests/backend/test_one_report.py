"""One report, one count: the summary, the status figures and the exported model agree.

The validation report is the one home of parameter counts. A node that feeds no
Output is not in the generated model, so it counts zero wherever a count is shown,
and every export validates the project once (or not at all when given the reports).
"""

from __future__ import annotations

import importlib.util
import re

import pytest

import graph.validation
from backend.cli import main
from backend.compiler import build_model, count_parameters
from backend.exporters import export_python, export_torchscript
from backend.summary import project_summary
from graph.presets import build_preset
from graph.project_io import save_project
from graph.validation import DEAD_END, validate_project


def resnet_with_dead_ends():
    """ResNet-18 with a Linear inside BasicBlock and a Conv2d at the top level, both feeding nothing."""
    project = build_preset("resnet", {"depth": 18})
    body = project.blocks["BasicBlock"].body
    body.wire(body.node_by_name("relu1"), body.add("Linear", name="probe", out_features=100))
    net = project.main
    net.wire(net.node_by_name("relu"), net.add("Conv2d", name="side", out_channels=32, kernel_size=3))
    return project


def test_summary_counts_what_the_exported_model_holds(tmp_path, capsys):
    project = resnet_with_dead_ends()
    path = tmp_path / "resnet.json"
    save_project(project, path)
    assert main(["summary", str(path)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary_total = int(re.fullmatch(r"Total params: ([\d,]+)", last).group(1).replace(",", ""))

    exported = tmp_path / "model.py"
    export_python(project, exported)
    spec = importlib.util.spec_from_file_location("exported_resnet", exported)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from_file = count_parameters(module.Resnet18())

    without_dead_ends = count_parameters(build_model(build_preset("resnet", {"depth": 18})))
    assert summary_total == from_file == count_parameters(build_model(project)) == without_dead_ends


def test_dead_ends_count_zero_and_carry_a_warning_inside_blocks_too():
    project = resnet_with_dead_ends()
    report = validate_project(project)["resnet18"]
    net = project.main
    side = report.nodes[net.node_by_name("side").id]
    assert side.param_count == 0
    assert [p.message for p in side.problems] == [DEAD_END]

    instance = report.nodes[net.node_by_name("layer1_1").id]
    probe = project.blocks["BasicBlock"].body.node_by_name("probe")
    assert instance.inner.nodes[probe.id].param_count == 0
    assert [p.message for p in instance.inner.nodes[probe.id].problems] == [DEAD_END]
    assert instance.param_count == instance.inner.total_params == 2 * (64 * 64 * 9 + 2 * 64)
    assert f"inside block 'BasicBlock', probe {DEAD_END}" in [p.message for p in instance.problems]


def test_a_live_node_counts_its_parameters():
    project = build_preset("lenet5")
    report = validate_project(project)[project.main.name]
    fc = report.nodes[project.main.node_by_name("fc3").id]
    assert fc.param_count == 84 * 10 + 10
    assert report.total_params == count_parameters(build_model(project))


@pytest.fixture
def top_level_validations(monkeypatch):
    """Counts the validations of top-level networks (block bodies are parts of one validation)."""
    calls = []
    run = graph.validation._Walker.run

    def counted(walker):
        if walker.depth == 0:
            calls.append(walker.network.name)
        return run(walker)

    monkeypatch.setattr(graph.validation._Walker, "run", counted)
    return calls


def test_an_export_validates_once(tmp_path, top_level_validations):
    project = build_preset("lenet5")
    top_level_validations.clear()  # building the preset checked it
    export_torchscript(project, tmp_path / "m.pt")
    assert top_level_validations == ["lenet5"]


def test_an_export_given_the_reports_does_not_validate_again(tmp_path, top_level_validations):
    project = build_preset("lenet5")
    top_level_validations.clear()  # building the preset checked it
    reports = validate_project(project)
    export_torchscript(project, tmp_path / "m.pt", reports=reports)
    export_python(project, tmp_path / "m.py", reports=reports)
    assert project_summary(project, reports=reports)[0][-1] == f"Total params: {reports['lenet5'].total_params:,}"
    assert top_level_validations == ["lenet5"]
