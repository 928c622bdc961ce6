"""Sanity checks (``netcanvas check``): each planted fault is reported on the node that causes it.

Healthy presets pass; a double softmax, a deep sigmoid MLP, a last layer of the
wrong width, targets of the wrong shape and a network that cannot overfit are each
found and pinned on the right node.
"""

from __future__ import annotations

import math
import re

import pytest
import torch

from backend.cli import main
from backend.diagnostics import failed, overfit, run_checks
from backend.diagnostics.activations import activation_findings
from backend.diagnostics.context import CheckContext
from backend.diagnostics.initial_loss import initial_loss_findings
from backend.training import TrainingSession
from backend.training.flow import flag_gradients
from graph.network import Edge
from graph.presets import build_preset
from graph.project_io import save_project

CPU = {"device": "cpu"}
DEEP = "64,64,64,64,64,64,64,64"


def insert_before_output(project, type_name: str, **params):
    """Put a new layer between the main network's last layer and its Output; returns the new node."""
    net = project.main
    output = net.output_nodes()[0]
    (edge,) = net.edges_into(output.id)
    net.disconnect(edge)
    node = net.add(type_name, **params)
    net.connect(Edge(edge.src, edge.src_port, node.id, "x"))
    net.wire(node, output)
    return node


def by_check(findings, check):
    return [f for f in findings if f.check == check]


@pytest.mark.parametrize("name", ["mlp", "lenet5", "lstm"])
def test_healthy_presets_pass_every_check(name):
    findings = run_checks(build_preset(name), CPU)
    assert not failed(findings), [f.line() for f in findings]
    assert {"wiring", "initial_loss", "gradients", "overfit"} <= {f.check for f in findings}
    assert all(f.severity == "ok" for f in by_check(findings, "overfit") + by_check(findings, "initial_loss"))
    assert not [f for f in findings if "gradients:" in f.message and f.severity != "ok"]


def test_a_softmax_before_cross_entropy_is_reported_on_the_softmax():
    project = build_preset("mlp")
    softmax = insert_before_output(project, "Softmax")
    findings = run_checks(project, CPU)
    (wiring,) = [f for f in by_check(findings, "wiring") if f.severity == "fail"]
    assert (wiring.node_id, wiring.node_name) == (softmax.id, softmax.name)
    assert "applied twice" in wiring.message


def test_a_logsoftmax_before_cross_entropy_is_a_warning_and_fits_nll():
    project = build_preset("mlp")
    node = insert_before_output(project, "LogSoftmax")
    warning = by_check(run_checks(project, CPU), "wiring")[0]
    assert (warning.severity, warning.node_name) == ("warn", node.name)
    project.training["loss"] = "nll"
    wiring = by_check(run_checks(project, CPU), "wiring")
    assert [f.severity for f in wiring] == ["ok"]


def test_nll_on_raw_scores_fails_on_the_last_layer():
    project = build_preset("mlp")
    project.training["loss"] = "nll"
    (wiring,) = by_check(run_checks(project, CPU), "wiring")
    assert (wiring.severity, wiring.node_name) == ("fail", "fc3")


def test_a_sigmoid_before_a_gan_discriminators_logit_loss_is_reported_on_the_sigmoid():
    project = build_preset("gan")
    net = project.networks["discriminator"]
    output = net.output_nodes()[0]
    (edge,) = net.edges_into(output.id)
    net.disconnect(edge)
    sigmoid = net.add("Sigmoid", name="squash")
    net.connect(Edge(edge.src, edge.src_port, sigmoid.id, "x"))
    net.wire(sigmoid, output)
    findings = run_checks(project, CPU)
    (wiring,) = by_check(findings, "wiring")
    assert (wiring.severity, wiring.network, wiring.node_name) == ("fail", "discriminator", "squash")


def test_a_deep_sigmoid_mlp_has_vanishing_gradients_and_the_relu_one_does_not():
    sigmoid = run_checks(build_preset("mlp", {"hidden_sizes": DEEP, "activation": "sigmoid"}), CPU)
    (vanishing,) = [f for f in sigmoid if "vanishing gradients" in f.message]
    assert vanishing.severity == "warn" and re.fullmatch(r"fc[1-7]", vanishing.node_name)
    assert vanishing.node_id == build_preset("mlp", {"hidden_sizes": DEEP}).main.node_by_name(vanishing.node_name).id
    relu = run_checks(build_preset("mlp", {"hidden_sizes": DEEP, "activation": "relu"}), CPU)
    assert not [f for f in relu if "gradients:" in f.message and f.check == "gradients" and f.severity != "ok"]
    assert by_check(relu, "overfit")[0].severity == "ok"


@pytest.mark.parametrize(("classes", "check"), [(12, "setup"), (5, "setup")])  # the data refuses both widths
def test_a_last_layer_of_the_wrong_width_fails_on_that_layer(classes, check):
    project = build_preset("mlp", {"num_classes": classes})
    project.main.nodes[project.main.node_by_name("fc3").id].params["out_features"] = classes
    findings = run_checks(project, CPU)
    fails = [f for f in findings if f.severity == "fail"]
    assert fails and fails[0].check == check and fails[0].node_name == "fc3"
    assert "10" in fails[0].message


def test_regression_targets_of_another_shape_fail_on_the_layer_that_sets_the_output():
    project = build_preset("lstm")
    fc = project.main.node_by_name("fc")
    project.main.set_param(fc.id, "out_features", 2)
    (finding,) = run_checks(project, CPU)
    assert (finding.severity, finding.check, finding.node_id) == ("fail", "setup", fc.id)


def test_too_few_steps_in_the_time_allowed_is_a_warning_not_a_failure(monkeypatch):
    monkeypatch.setattr(overfit, "TIME_LIMIT", 0.0)  # a big network on a slow device: one step in the time
    findings = run_checks(build_preset("mlp", {"hidden_sizes": "1"}), CPU)
    (finding,) = by_check(findings, "overfit")
    assert finding.severity == "warn" and not finding.node_id  # the network as a whole
    assert finding.message.startswith("could not tell whether it overfits a batch of 16 samples: only 1 step ran")


def test_a_network_that_cannot_overfit_fails_on_its_bottleneck():
    project = build_preset("mlp", {"hidden_sizes": "1"})
    findings = run_checks(project, CPU)
    (overfit,) = by_check(findings, "overfit")
    assert (overfit.severity, overfit.node_name) == ("fail", "fc1")
    assert "cannot overfit" in overfit.message


def test_dead_relus_and_saturated_units_are_shares_per_layer():
    session = TrainingSession(build_preset("mlp", {"hidden_sizes": "32,32"}), CPU)
    ctx = CheckContext.of(session)
    with torch.no_grad():
        session.models["mlp"].fc1.bias.fill_(-100.0)  # nothing gets through relu1
    findings = {f.node_name: f for f in activation_findings(ctx)}
    assert findings["relu1"].severity == "fail" and findings["relu1"].message.startswith("100% of the ReLU units")
    tanh = TrainingSession(build_preset("mlp", {"hidden_sizes": "32", "activation": "tanh"}), CPU)
    ctx = CheckContext.of(tanh)
    with torch.no_grad():
        tanh.models["mlp"].fc1.weight.mul_(100.0)
    (saturated,) = activation_findings(ctx)
    assert saturated.node_name == "tanh1" and saturated.severity == "warn" and "saturated" in saturated.message


def test_an_initial_loss_far_above_ln_c_is_a_warning_on_the_last_layer():
    session = TrainingSession(build_preset("mlp"), CPU)
    ctx = CheckContext.of(session)
    (fine,) = initial_loss_findings(ctx)
    assert fine.severity == "ok" and f"ln(10) = {math.log(10):.3f}" in fine.message
    with torch.no_grad():
        session.models["mlp"].fc3.weight.mul_(100.0)
    (high,) = initial_loss_findings(ctx)
    assert (high.severity, high.node_name) == ("warn", "fc3")


def test_training_memory_over_the_device_budget_is_pinned_on_the_heaviest_layers(monkeypatch):
    import backend.diagnostics.memory as memory

    session = TrainingSession(build_preset("lenet5"), CPU)
    ctx = CheckContext.of(session)
    (fine,) = memory.memory_findings(ctx)
    assert fine.severity == "ok" and "at batch size 32 with adam" in fine.message
    monkeypatch.setattr(memory, "device_memory", lambda device: 1_000_000)
    warnings = memory.memory_findings(ctx)
    assert [w.severity for w in warnings] == ["warn"] * 3
    assert warnings[0].node_name == "fc1"  # 48,120 weights x 4 copies outweigh every activation at batch 32
    assert "but cpu has 976.56 KB" in warnings[0].message


def test_the_gradient_rule_flags_the_first_collapse_or_blow_up_from_the_loss():
    assert flag_gradients([("a", 1e-2), ("b", 1e-2), ("c", 1e-2)]) == {}
    assert flag_gradients([("a", 1e-9), ("b", 1e-7), ("c", 1e-3), ("d", 1e-2)]) == {"b": "vanishing"}
    assert flag_gradients([("a", 5e2), ("b", 1e-2), ("c", 1e-1)]) == {"a": "exploding"}
    assert flag_gradients([("a", 1.0), ("b", math.inf), ("c", 1.0)]) == {"b": "exploding"}


def test_check_command_prints_one_line_per_finding_and_exits_by_the_worst(tmp_path, capsys):
    healthy = tmp_path / "lenet5.json"
    save_project(build_preset("lenet5"), healthy)
    assert main(["check", str(healthy), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(re.match(r"^(ok|warn|fail)  lenet5(/\w+)?: \S", line) for line in lines)
    broken = build_preset("mlp")
    insert_before_output(broken, "Softmax", name="probabilities")
    path = tmp_path / "softmax.json"
    save_project(broken, path)
    assert main(["check", str(path), "--set", "seed=1"]) == 1
    assert "fail  mlp/probabilities: Softmax feeds a cross-entropy loss" in capsys.readouterr().out
    assert main(["check", str(path), "--set", "nope=1"]) == 2
