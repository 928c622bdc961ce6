"""Initial loss against what a network that knows nothing yet should give.

At initialisation a classifier's scores are small and close together, so it
guesses uniformly: cross-entropy (and nll after LogSoftmax) over C classes starts
near ln C (2.30 for 10 classes), binary cross-entropy on one logit near ln 2.
Regression targets are standardised (mean 0, variance 1), and a fresh network's
outputs start near 0, so MSE starts near the targets' mean square (about 1) and
L1 near their mean absolute value (about 0.8). A start far above that means the
last layer's outputs are too large (oversized weights or unnormalised inputs);
far below it, the answer may be leaking into the inputs.
"""

from __future__ import annotations

import math

import torch

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding

CHECK = "initial_loss"
BATCH = 64
HIGH, LOW = 1.5, 0.5  # ratios to the expected value that earn a warning


def expected_initial_loss(ctx: CheckContext, out: torch.Tensor, y: torch.Tensor) -> tuple[float, str] | None:
    """The value a fresh network should start near, and how it is worked out (None when there is no reference)."""
    loss, task = ctx.session.loss, ctx.session.task
    if task in ("classification", "sequence") and loss in ("cross_entropy", "nll"):
        scores = out.shape[-1]
        return math.log(scores), f"ln({scores}) = {math.log(scores):.3f}, guessing uniformly over {scores} classes"
    if task == "classification" and loss == "bce" and out.shape[-1] == 1:
        return math.log(2), f"ln(2) = {math.log(2):.3f}, a coin toss"
    if task == "regression" and loss == "mse":
        value = float(y.float().square().mean())
        return value, f"{value:.3f}, the standardised targets' mean square (outputs start near 0)"
    if task == "regression" and loss == "l1":
        value = float(y.float().abs().mean())
        return value, f"{value:.3f}, the standardised targets' mean absolute value (outputs start near 0)"
    return None


def initial_loss_findings(ctx: CheckContext) -> list[Finding]:
    """One finding on the layer that sets the Output: the loss of a fresh network on a batch."""
    recipe = ctx.session.recipe
    x, y = ctx.session.fixed_batch(BATCH)
    recipe.train()
    with torch.no_grad():
        out = recipe.forward(x).float()
        value = float(recipe.loss_fn(out, y))
    layer = ctx.width_layer()
    if not math.isfinite(value):
        return [ctx.finding("fail", CHECK, layer, f"the loss of the untrained network is {value} on the first batch")]
    expected = expected_initial_loss(ctx, out, y)
    if expected is None:
        return [ctx.finding("ok", CHECK, layer, f"initial {ctx.session.loss} loss {value:.3f} (no reference value)")]
    reference, how = expected
    text = f"initial {ctx.session.loss} loss {value:.3f}; expected about {how}"
    if value > HIGH * reference:
        advice = "the outputs start too large: look for oversized weights or unnormalised inputs before this layer"
        return [ctx.finding("warn", CHECK, layer, f"{text}: {advice}")]
    if value < LOW * reference:
        return [ctx.finding("warn", CHECK, layer, f"{text}: suspiciously low, check that the targets do not leak in")]
    return [ctx.finding("ok", CHECK, layer, text)]
