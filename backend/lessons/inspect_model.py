"""Looking inside a trained model: filters, feature maps, LSTM gates, VAE latent grids, sequence outputs.

Everything works on the compiled modules a `TrainingSession` trains (``session.models``),
where each layer node is the attribute named after the node (``model.conv1``), so
a node is picked by its name on the canvas. Feature maps and LSTM inputs are
caught with forward hooks during one ordinary forward pass; the LSTM's gates are
then recomputed from the layer's own weights with the course's equations (and
checked against the layer's output in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from graph.network import Network
from graph.validation import validate_network

GATES = ("input", "forget", "cell", "output")  # PyTorch's row order in weight_ih / weight_hh


class InspectError(ValueError):
    """A node that cannot be inspected this way (missing, not that kind of layer); one line."""


def layer(model: nn.Module, node_name: str) -> nn.Module:
    """The module of node `node_name` in a compiled network."""
    module = getattr(model, node_name, None)
    if not isinstance(module, nn.Module):
        raise InspectError(f"node '{node_name}' has no layer module in this model (it computes without weights)")
    return module


def conv_nodes(network: Network) -> list[str]:
    """Names of the network's Conv2d nodes in the order data flows through them."""
    order = validate_network(network, network.blocks).order
    return [network.nodes[i].name for i in order if network.nodes[i].type == "Conv2d"]


def filters(model: nn.Module, node_name: str) -> np.ndarray:
    """The learned filters of Conv2d node `node_name`: (out_channels, in_channels, kh, kw), float32."""
    conv = layer(model, node_name)
    if not isinstance(conv, nn.Conv2d):
        raise InspectError(f"node '{node_name}' is a {type(conv).__name__}, not a Conv2d: it has no filters to show")
    return conv.weight.detach().float().cpu().numpy()


def capture(model: nn.Module, node_name: str, inputs: tuple[torch.Tensor, ...]) -> tuple[tuple, object]:
    """Run `model` on `inputs` in evaluation mode; return what node `node_name` received and gave back."""
    module = layer(model, node_name)
    caught: dict = {}

    def hook(_module, args, output):
        caught["in"], caught["out"] = args, output

    handle = module.register_forward_hook(hook)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        handle.remove()
        model.train(was_training)
    if "out" not in caught:
        raise InspectError(f"node '{node_name}' did not run for this input")
    return caught["in"], caught["out"]


def feature_maps(model: nn.Module, node_name: str, sample: torch.Tensor) -> np.ndarray:
    """What node `node_name` outputs for one sample (the sample without a batch axis): (C, H, W), float32."""
    device = next(model.parameters()).device
    _, out = capture(model, node_name, (sample.unsqueeze(0).to(device),))
    out = out[0] if isinstance(out, tuple) else out
    if out.dim() != 4:
        raise InspectError(f"node '{node_name}' gives {tuple(out.shape[1:])}, not feature maps (C, H, W)")
    return out[0].detach().float().cpu().numpy()


@dataclass(frozen=True)
class LSTMGates:
    """The gates of one LSTM layer over a sequence, each (T, hidden) in time order.

    ``input``, ``forget`` and ``output`` are the sigmoid gates i, f, o; ``cell`` is the
    candidate tanh(W_C [h, x] + b_C); ``state`` is C_t and ``hidden`` is h_t.
    """

    input: np.ndarray
    forget: np.ndarray
    cell: np.ndarray
    output: np.ndarray
    state: np.ndarray
    hidden: np.ndarray


def lstm_gates(model: nn.Module, node_name: str, sample: torch.Tensor, layer_index: int = 0) -> LSTMGates:
    """The gates of LSTM node `node_name` (layer `layer_index`, forward direction) while it reads `sample`.

    The layer's input is caught with a hook during a forward pass of the whole
    model, then the course's equations are run step by step with the layer's
    weights from a zero initial state:
    f = sigma(W_f [h, x] + b_f), i = sigma(W_i [h, x] + b_i), C~ = tanh(W_C [h, x] + b_C),
    C = f * C + i * C~, o = sigma(W_o [h, x] + b_o), h = o * tanh(C).
    """
    lstm = layer(model, node_name)
    if not isinstance(lstm, nn.LSTM):
        raise InspectError(f"node '{node_name}' is a {type(lstm).__name__}, not an LSTM: it has no gates")
    if not 0 <= layer_index < lstm.num_layers:
        raise InspectError(f"node '{node_name}' has {lstm.num_layers} layer(s); there is no layer {layer_index}")
    if lstm.bidirectional and layer_index > 0:
        raise InspectError("gates of a bidirectional LSTM are shown for its first layer only")
    device = next(model.parameters()).device
    args, _ = capture(model, node_name, (sample.unsqueeze(0).to(device),))
    sequence = args[0][0].detach().double().cpu()  # (T, features), batch_first
    if not lstm.batch_first:
        sequence = args[0][:, 0].detach().double().cpu()
    for index in range(layer_index + 1):
        gates = _run_layer(lstm, index, sequence)
        sequence = torch.from_numpy(gates.hidden)
    return gates


def _run_layer(lstm: nn.LSTM, index: int, sequence: torch.Tensor) -> LSTMGates:
    w_ih = getattr(lstm, f"weight_ih_l{index}").detach().double().cpu()
    w_hh = getattr(lstm, f"weight_hh_l{index}").detach().double().cpu()
    bias = torch.zeros(w_ih.shape[0], dtype=torch.float64)
    if lstm.bias:
        bias = (getattr(lstm, f"bias_ih_l{index}") + getattr(lstm, f"bias_hh_l{index}")).detach().double().cpu()
    hidden_size = lstm.hidden_size
    h = torch.zeros(hidden_size, dtype=torch.float64)
    c = torch.zeros(hidden_size, dtype=torch.float64)
    rows: dict[str, list[torch.Tensor]] = {name: [] for name in (*GATES, "state", "hidden")}
    for x in sequence:
        pre = w_ih @ x + w_hh @ h + bias
        i, f, g, o = pre.split(hidden_size)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        for name, value in zip((*GATES, "state", "hidden"), (i, f, g, o, c, h), strict=True):
            rows[name].append(value)
    return LSTMGates(**{name: torch.stack(values).numpy() for name, values in rows.items()})


def latent_grid(recipe, points: int = 15, span: float = 2.5, dims: tuple[int, int] = (0, 1)) -> np.ndarray:
    """A VAE's decoder over a `points` x `points` grid of two latent dimensions (the others 0).

    With ``latent_dim=2`` this is the whole latent map. Row r, column c decodes
    z[dims[1]] = span - r * step (top is high) and z[dims[0]] = -span + c * step.
    Returns (points * points, *sample shape), row by row, float32.
    """
    size = _latent_size(recipe)
    if size < 2 or not all(0 <= d < size for d in dims) or dims[0] == dims[1]:
        raise InspectError(f"a latent map needs two different latent dimensions below {size}, got {dims}")
    values = torch.linspace(-span, span, points)
    codes = torch.zeros((points * points, size))
    for row, y in enumerate(values.flip(0)):
        codes[row * points : (row + 1) * points, dims[0]] = values
        codes[row * points : (row + 1) * points, dims[1]] = y
    return _decode(recipe, codes)


def latent_traversal(recipe, steps: int = 9, span: float = 2.5, max_dims: int = 8) -> np.ndarray:
    """One row per latent dimension (up to `max_dims`): that dimension from -span to span, the others 0.

    Returns (rows * steps, *sample shape), row by row, float32.
    """
    size = _latent_size(recipe)
    rows = min(size, max_dims)
    values = torch.linspace(-span, span, steps)
    codes = torch.zeros((rows * steps, size))
    for dim in range(rows):
        codes[dim * steps : (dim + 1) * steps, dim] = values
    return _decode(recipe, codes)


def _latent_size(recipe) -> int:
    shape = tuple(recipe.noise_shape)
    if len(shape) != 1:
        raise InspectError(f"latent grids need a flat latent code, this decoder takes {shape}")
    return int(shape[0])


def _decode(recipe, codes: torch.Tensor) -> np.ndarray:
    return recipe.generate(codes.to(recipe.settings.device)).cpu().numpy().astype(np.float32)


@dataclass(frozen=True)
class SequenceExample:
    """One sequence-to-sequence case: the tokens read, the tokens wanted and the tokens written."""

    source: list[int]
    target: list[int]
    output: list[int]

    @property
    def correct(self) -> bool:
        return self.output == self.target


def sequence_examples(recipe, count: int = 5) -> list[SequenceExample]:
    """The first `count` validation sequences of a token-sequence model with what it predicts for them."""
    data = recipe.data
    if data.task != "sequence" or not data.val.count:
        raise InspectError("sequence examples need a token-sequence model with validation data")
    recipe.eval()
    shown = recipe.examples(count)["sequences"]
    return [
        SequenceExample(source.tolist(), target.tolist(), output.tolist())
        for source, target, output in zip(shown["inputs"], shown["targets"], shown["outputs"], strict=True)
    ]
