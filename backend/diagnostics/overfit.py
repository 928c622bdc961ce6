"""Overfit one small batch: a network that cannot learn 16 samples by heart cannot learn the data set.

The project's own recipe and optimizer train on the first `BATCH` training samples
again and again. The check passes as soon as the loss falls to a tenth of where it
started; it fails if that has not happened after `MAX_STEPS` steps or `TIME_LIMIT`
seconds, whichever comes first. A failure is pinned on the narrowest layer when
that layer gives fewer values per sample than the Output needs (a bottleneck no
training can get through), else on the network. When the time runs out before
`MIN_STEPS` steps (a big network on a CPU), nothing has been shown either way: that
is a warning saying so, not a failure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding
from graph.shapes import numel

CHECK = "overfit"
BATCH = 16
MAX_STEPS = 300
TIME_LIMIT = 20.0
FACTOR = 10.0
READ_EVERY = 5  # steps between reads of the loss (each read waits for the device)
MIN_STEPS = 50  # fewer steps than this in the time allowed say nothing about the network


def overfit_findings(ctx: CheckContext, should_stop: Callable[[], bool] | None = None) -> list[Finding]:
    """Train on one small batch until the loss falls `FACTOR` times, or give up."""
    session, recipe = ctx.session, ctx.session.recipe
    x, y = session.fixed_batch(BATCH)
    recipe.train()
    start = first = None
    steps, value = 0, math.nan
    began = time.perf_counter()
    while steps == 0 or (steps < MAX_STEPS and time.perf_counter() - began < TIME_LIMIT):
        if should_stop is not None and should_stop():
            return []
        loss, _ = recipe.train_step(x, y)
        steps += 1
        if steps == 1 or steps % READ_EVERY == 0:
            value = float(loss)
            if first is None:
                first = start = value
            if not math.isfinite(value):
                break
            if value <= first / FACTOR:
                text = f"overfits a batch of {len(x)} samples: loss {start:.3f} -> {value:.4f} in {steps} steps"
                return [ctx.finding("ok", CHECK, None, text)]
    seconds = time.perf_counter() - began
    if steps < MIN_STEPS and math.isfinite(value):
        ran = f"{steps} step{'s' if steps != 1 else ''}"
        text = (
            f"could not tell whether it overfits a batch of {len(x)} samples: only {ran} ran in {seconds:.0f} s "
            f"(loss {start:.3f} -> {value:.4f}); run the check on a faster device or a smaller input"
        )
        return [ctx.finding("warn", CHECK, None, text)]
    text = (
        f"cannot overfit a batch of {len(x)} samples: loss {start:.3f} -> {value:.4f} after {steps} steps "
        f"({seconds:.1f} s), it should fall {FACTOR:g}x"
    )
    bottleneck = _bottleneck(ctx)
    if bottleneck is not None:
        node, width, needed = bottleneck
        text += f"; this layer gives only {width} value(s) per sample where the Output needs {needed}: widen it"
        return [ctx.finding("fail", CHECK, node, text)]
    return [
        ctx.finding(
            "fail",
            CHECK,
            None,
            text + "; look for a bug in the wiring, a learning rate far off, or too little capacity",
        )
    ]


def _bottleneck(ctx: CheckContext):
    """(node, values per sample, values the Output needs) for the narrowest layer with parameters, if too narrow."""
    shapes = list(ctx.report.output_shapes(ctx.network).values())
    needed = numel(shapes[0]) if shapes and shapes[0] else None
    if ctx.session.task == "classification":
        needed = ctx.session.data.num_classes
    if not needed:
        return None
    width_layer = ctx.width_layer()
    narrowest = None
    for node_id in ctx.report.order:
        result = ctx.report.nodes[node_id]
        if node_id not in ctx.report.live or result.param_count == 0 or node_id == (width_layer and width_layer.id):
            continue
        sizes = [numel(shape) for shape in result.outputs.values() if shape is not None]
        width = min((s for s in sizes if s), default=None)
        if width is not None and (narrowest is None or width < narrowest[1]):
            narrowest = (ctx.network.nodes[node_id], width)
    if narrowest is None or narrowest[1] >= needed:
        return None
    return narrowest[0], narrowest[1], needed
