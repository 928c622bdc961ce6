"""Gradient flow at initialisation: per-layer gradient norms after one training step.

One step of the project's own recipe on a fixed batch (the same step training
takes), then each node's gradient RMS is read as the flow probe reads it while
training, and `backend.training.flow.flag_gradients` names the layer where the
gradients vanish or explode. Every network of the project is checked (both of a
GAN or a VAE).
"""

from __future__ import annotations

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding
from backend.training.flow import flag_gradients, gradient_norms, gradient_rms, node_modules

CHECK = "gradients"
BATCH = 64

ADVICE = {
    "vanishing": "layers before it barely learn; use ReLU instead of sigmoid/tanh, add normalisation "
    "(BatchNorm) or residual connections, or make the network shallower",
    "exploding": "steps this large throw the weights off; lower the learning rate, add normalisation "
    "or clip the gradients",
}


def gradient_findings(ctx: CheckContext) -> list[Finding]:
    """Per network: a finding on each layer where gradients vanish or explode, else one ``ok``."""
    session = ctx.session
    x, y = session.fixed_batch(BATCH)
    session.recipe.train()
    session.recipe.train_step(x, y)
    found: list[Finding] = []
    for name, model in session.models.items():
        network = session.project.networks[name]
        norms = gradient_norms(node_modules(model))
        rms = [(node, gradient_rms(float(norm), count)) for node, (norm, count) in norms.items()]
        if not rms:
            continue
        names = [node for node, _ in rms]
        flags = flag_gradients(rms)
        for node_name, kind in flags.items():
            node = network.node_by_name(node_name)
            index = names.index(node_name)
            nearer = [value for _, value in rms[index + 1 :]] or [rms[index][1]]
            reference = max(nearer) if kind == "vanishing" else min(nearer)
            bound = "up to" if kind == "vanishing" else "as little as"
            message = (
                f"{kind} gradients: gradient RMS {rms[index][1]:.1e} here against {bound} {reference:.1e} nearer "
                f"the loss; {ADVICE[kind]}"
            )
            severity = "fail" if kind == "exploding" else "warn"
            found.append(Finding(severity, CHECK, name, node.id if node else "", node_name, message))
        if not flags:
            first, last = rms[0], rms[-1]
            node = network.node_by_name(first[0])
            message = (
                f"gradients flow at initialisation: RMS {first[1]:.1e} at {first[0]} to {last[1]:.1e} at {last[0]}"
            )
            found.append(Finding("ok", CHECK, name, node.id if node else "", first[0], message))
    return found
