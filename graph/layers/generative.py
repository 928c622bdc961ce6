"""Generative building blocks: Reparameterize, the sampling step of a variational autoencoder."""

from __future__ import annotations

from graph.registry import register
from graph.shapes import ShapeError, format_shape
from graph.spec import ForwardContext, LayerSpec, Port


def _reparameterize_infer(inputs: dict, p: dict) -> dict:
    mu, logvar = inputs["mu"][0], inputs["logvar"][0]
    same = len(mu) == len(logvar) and all(a is None or b is None or a == b for a, b in zip(mu, logvar, strict=True))
    if not same:
        raise ShapeError(
            f"needs mu and logvar of the same shape, but they are {format_shape(mu)} and {format_shape(logvar)}",
            "logvar",
        )
    return {"z": tuple(b if a is None else a for a, b in zip(mu, logvar, strict=True))}


def _reparameterize_forward(ctx: ForwardContext) -> list[str]:
    mu, logvar = ctx.inputs["mu"][0], ctx.inputs["logvar"][0]
    noise = f"torch.exp(0.5 * {logvar}) * torch.randn_like({mu})"
    return [f"{ctx.outputs['z']} = {mu} + {noise} if self.training else {mu}"]


register(
    LayerSpec(
        type="Reparameterize",
        category="Generative",
        doc="The sampling step of a variational autoencoder: from a mean mu and a log-variance logvar it draws "
        "z = mu + exp(logvar / 2) * noise while training, and returns mu itself when evaluating. Writing the "
        "random draw this way lets gradients flow back into mu and logvar. Connect the two Linear heads of the "
        "encoder to mu and logvar.",
        inputs=(Port("mu", "mean of the latent code"), Port("logvar", "log-variance of the latent code")),
        outputs=("z",),
        infer=_reparameterize_infer,
        build=None,
        forward=_reparameterize_forward,
        icon="generative",
    )
)
