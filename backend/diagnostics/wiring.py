"""Wiring that fights the loss: what the network's last layers do against what the loss expects.

Cross-entropy applies log-softmax itself, so a Softmax before it squashes twice
(the gradients shrink and training crawls) and a LogSoftmax before it is wasted
work; nll expects log-probabilities, so it needs a LogSoftmax; a loss "with logits"
(bce on a classifier, a GAN's discriminator) applies the sigmoid itself; a VAE's
bce reconstruction expects values in [0, 1] (a Sigmoid at the end of the decoder).
A classifier's last layer must give one score per class of the data. Targets whose
shape differs from the Output are refused when the session is set up (see
`backend.diagnostics.run_checks`), so they never reach this module.
"""

from __future__ import annotations

import math

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding

CHECK = "wiring"


def wiring_findings(ctx: CheckContext) -> list[Finding]:
    """Findings about the last layers against the loss and the data (one ``ok`` when all is well)."""
    session = ctx.session
    loss, task = session.loss, session.task
    feeder = ctx.feeder_before_views()
    last = feeder.type if feeder is not None else ""
    found: list[Finding] = []
    if loss == "cross_entropy" and last == "Softmax":
        found.append(
            ctx.finding(
                "fail",
                CHECK,
                feeder,
                "Softmax feeds a cross-entropy loss, which applies (log-)softmax itself: softmax is applied twice and "
                "the gradients shrink; remove it and end with the Linear layer (logits)",
            )
        )
    elif loss == "cross_entropy" and last == "LogSoftmax":
        found.append(
            ctx.finding(
                "warn",
                CHECK,
                feeder,
                "LogSoftmax feeds a cross-entropy loss, which applies log-softmax itself (the result is the same, "
                "the work is done twice); remove it, or keep it and use loss=nll",
            )
        )
    elif loss == "nll" and last != "LogSoftmax":
        what = "Softmax gives probabilities" if last == "Softmax" else f"{last or 'the last layer'} gives raw scores"
        found.append(
            ctx.finding(
                "fail",
                CHECK,
                feeder,
                f"the nll loss expects log-probabilities but {what}, so the loss has no floor; end with LogSoftmax "
                "or use loss=cross_entropy on the logits",
            )
        )
    elif last == "Sigmoid" and (task == "gan" or (loss == "bce" and task == "classification")):
        found.append(
            ctx.finding(
                "fail",
                CHECK,
                feeder,
                "Sigmoid feeds a binary cross-entropy loss that works on logits and applies the sigmoid itself: "
                "it is applied twice and the gradients vanish; remove it",
            )
        )
    elif task == "vae" and loss == "bce" and last != "Sigmoid":
        found.append(
            ctx.finding(
                "warn",
                CHECK,
                feeder,
                "the bce reconstruction loss expects values in [0, 1] but the decoder does not end in Sigmoid; "
                "add one, or use loss=mse",
            )
        )
    found += _width_findings(ctx)
    if not found:
        where = f"{last or 'the last layer'} feeds {loss}"
        found.append(ctx.finding("ok", CHECK, feeder, f"{where}: the wiring fits the loss"))
    return found


def _width_findings(ctx: CheckContext) -> list[Finding]:
    session = ctx.session
    if session.task != "classification":
        return []
    classes = session.data.num_classes
    shapes = list(ctx.report.output_shapes(ctx.network).values())
    shape = shapes[0] if shapes else None
    width = math.prod(shape) if shape else None
    if width is None or width == classes or (width == 1 and classes == 2 and session.loss == "bce"):
        return []
    layer = ctx.width_layer()
    return [
        ctx.finding(
            "fail",
            CHECK,
            layer,
            f"gives {width} scores but {session.data.name} has {classes} classes, so the loss trains scores "
            f"that match no class; set its size to {classes}",
        )
    ]
