"""Gradient and activation flow while training: per-node statistics every K steps, flagged as they happen."""

from __future__ import annotations

import math

import torch

from backend.compiler import build_models, example_inputs
from backend.training import TrainingSession
from backend.training.flow import FlowProbe, node_modules
from graph.presets import build_preset

CPU = {"device": "cpu", "epochs": 1}


def run_with_flow(project, overrides, every):
    session = TrainingSession(project, {**CPU, **overrides})
    events = []
    result = session.run(on_flow=events.append, flow_every=every)
    assert result.status == "finished", result.message
    return session, events


def test_statistics_arrive_every_k_steps_for_each_node_by_name():
    project = build_preset("lenet5")
    session, events = run_with_flow(project, {"max_batches": 7}, every=3)
    assert [(e.step, e.epoch, e.batch) for e in events] == [(1, 1, 1), (4, 1, 4), (7, 1, 7)]
    with_modules = {"conv1", "tanh1", "pool1", "conv2", "tanh2", "pool2", "flatten"}
    with_modules |= {"fc1", "tanh3", "fc2", "tanh4", "fc3"}
    for event in events:
        assert {flow.node for flow in event.nodes} == with_modules
        assert {flow.network for flow in event.nodes} == {"lenet5"}
        by_node = {flow.node: flow for flow in event.nodes}
        assert by_node["tanh1"].grad_norm is None and by_node["conv1"].grad_norm > 0
        assert all(math.isfinite(flow.act_mean) and flow.act_std > 0 for flow in event.nodes)
        assert not event.flagged
    # The last sampled step is the last step, so its gradients are still on the model.
    model = session.models["lenet5"]
    expected = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model.fc1.parameters()]))
    last = {flow.node: flow for flow in events[-1].nodes}
    assert last["fc1"].grad_norm == float(expected) or math.isclose(
        last["fc1"].grad_norm, float(expected), rel_tol=1e-5
    )
    assert math.isclose(last["fc1"].grad_rms, last["fc1"].grad_norm / math.sqrt(120 * 400 + 120), rel_tol=1e-6)


def test_activation_statistics_are_those_of_the_nodes_output():
    torch.manual_seed(0)
    project = build_preset("mlp")
    models, _ = build_models(project)
    model = models["mlp"]
    probe = FlowProbe(models, on_flow=lambda event: None, every=1)
    (x,) = example_inputs(project.main, batch=32)
    probe.before_step(1)
    out = model(x)
    out.square().mean().backward()
    event = probe.after_step(1)
    fc3 = next(flow for flow in event.nodes if flow.node == "fc3")
    out = out.detach()
    assert math.isclose(fc3.act_mean, float(out.mean()), rel_tol=1e-5, abs_tol=1e-7)
    assert math.isclose(fc3.act_std, float(out.std()), rel_tol=1e-5)


def test_only_sampled_steps_carry_hooks_and_no_callback_means_no_sampling():
    project = build_preset("mlp")
    session = TrainingSession(project, {**CPU, "max_batches": 4})
    hooked = []

    def count_hooks(event) -> None:
        hooked.append(sum(len(m._forward_hooks) for m in session.models["mlp"].modules()))

    session.run(on_batch=count_hooks)
    assert hooked == [0, 0, 0, 0]
    events = []
    session = TrainingSession(project, {**CPU, "max_batches": 4})
    session.run(on_flow=events.append, flow_every=2, on_batch=count_hooks)
    assert [e.step for e in events] == [1, 3]
    assert sum(len(m._forward_hooks) for m in session.models["mlp"].modules()) == 0


def test_a_deep_sigmoid_mlp_is_flagged_while_it_trains():
    project = build_preset("mlp", {"hidden_sizes": "64,64,64,64,64,64,64,64", "activation": "sigmoid"})
    _, events = run_with_flow(project, {"max_batches": 5}, every=2)
    flagged = {(flow.node, flow.flag) for event in events for flow in event.flagged}
    assert flagged and all(flag == "vanishing" for _, flag in flagged)
    assert {node for node, _ in flagged} <= {f"fc{i}" for i in range(1, 8)}
    relu = build_preset("mlp", {"hidden_sizes": "64,64,64,64,64,64,64,64"})
    _, events = run_with_flow(relu, {"max_batches": 5}, every=2)
    assert not [flow for event in events for flow in event.flagged]


def test_blocks_are_one_node_and_their_layers_can_be_listed_too():
    project = build_preset("resnet")
    models, _ = build_models(project)
    model = models["resnet18"]
    names = node_modules(model, inner=True)
    assert "layer1_1" in names and "layer1_1.conv1" in names and "fc" in names
    events = []
    probe = FlowProbe(models, events.append, every=1, inner=True)
    (x,) = example_inputs(project.main, batch=4)
    probe.before_step(1)
    model(x).square().mean().backward()
    probe.after_step(1)
    nodes = {flow.node: flow for flow in events[0].nodes}
    block = sum(p.grad.square().sum() for p in model.layer1_1.parameters())
    assert math.isclose(nodes["layer1_1"].grad_norm, float(block.sqrt()), rel_tol=1e-4)
    assert nodes["layer1_1.conv1"].grad_norm is not None and nodes["layer1_1.relu1"].act_std is not None
