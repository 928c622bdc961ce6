"""Sequence layers: Embedding, RNN, LSTM, GRU, LastTimestep and RepeatVector.

Recurrent layers run with ``batch_first=True``, so one sample is a (T, F) sequence.
They have two outputs: ``sequence`` (T, H*D), the last layer's output at every step,
and ``state`` (H*D), the last layer's final hidden state (both directions joined
when bidirectional; for an LSTM the h, not the c). The optional ``initial_state``
input, (H), starts every layer from that hidden state (an LSTM's cell state starts
at zero); it is refused for bidirectional layers. Seq2seq decoders use it to start
from the encoder's ``state``.
"""

from __future__ import annotations

from graph.params import MAX_DIM, Param, Ref
from graph.registry import register
from graph.shapes import ShapeError, format_shape, require_rank
from graph.spec import ForwardContext, LayerSpec, Port, kwargs, render

MAX_LAYERS = 64
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
# PyTorch's defaults, so generated code only spells out what differs.
TORCH_RNN_DEFAULTS = {"num_layers": 1, "nonlinearity": "tanh", "bias": True, "dropout": 0.0, "bidirectional": False}


def _rnn_params(type_name: str) -> tuple[Param, ...]:
    params = [
        Param(
            "input_size",
            "int",
            None,
            "Features per step (auto: from the incoming shape).",
            minimum=1,
            maximum=MAX_DIM,
            auto=True,
        ),
        Param(
            "hidden_size", "int", 64, "Size of the hidden state (features per output step).", minimum=1, maximum=MAX_DIM
        ),
        Param("num_layers", "int", 1, "Recurrent layers stacked on top of each other.", minimum=1, maximum=MAX_LAYERS),
    ]
    if type_name == "RNN":
        params.append(Param("nonlinearity", "choice", "tanh", "Activation inside the cell.", choices=("tanh", "relu")))
    params += [
        Param("bidirectional", "bool", False, "Also read the sequence backwards and join both results."),
        Param(
            "dropout",
            "float",
            0.0,
            "Dropout between stacked layers while training (needs num_layers >= 2).",
            minimum=0.0,
            maximum=0.99,
        ),
        Param("bias", "bool", True, "Learn additive biases."),
    ]
    return tuple(params)


def _rnn_infer(inputs: dict, p: dict) -> dict:
    shape = inputs["x"][0]
    require_rank(shape, (2,), "(T, F)")
    features = shape[1]
    if features is None:
        raise ShapeError(f"needs a known number of features per step but gets {format_shape(shape)}", "x")
    if p["input_size"] is not None and p["input_size"] != features:
        raise ShapeError(
            f"expects {p['input_size']} features per step (input_size) but gets {format_shape(shape)}; "
            f"set input_size to {features} or to auto",
            "x",
        )
    if p["dropout"] > 0 and p["num_layers"] == 1:
        raise ShapeError("dropout acts only between stacked layers: set num_layers to 2 or more, or dropout to 0")
    hidden = p["hidden_size"]
    for state in inputs.get("initial_state", []):
        if p["bidirectional"]:
            raise ShapeError(
                "takes an initial_state only when it is not bidirectional; disconnect it or turn bidirectional off",
                "initial_state",
            )
        if len(state) != 1 or state[0] not in (None, hidden):
            raise ShapeError(
                f"needs an initial_state of shape ({hidden}) (hidden_size) but gets {format_shape(state)}",
                "initial_state",
            )
    width = hidden * (2 if p["bidirectional"] else 1)
    return {"sequence": (shape[0], width), "state": (width,)}


def _rnn_count(gates: int):
    def count(inputs: dict, p: dict) -> int:
        hidden, directions = p["hidden_size"], 2 if p["bidirectional"] else 1
        total = 0
        for layer in range(p["num_layers"]):
            size_in = inputs["x"][0][1] if layer == 0 else hidden * directions
            per_direction = gates * hidden * (size_in + hidden) + (2 * gates * hidden if p["bias"] else 0)
            total += per_direction * directions
        return total

    return count


def _rnn_macs(gates: int):
    """Per step, layer and direction: the gates' input and hidden products, gates x H x (F + H)."""

    def count(inputs: dict, p: dict, out_shapes: dict) -> int | None:
        steps, features = inputs["x"][0]
        if steps is None:
            return None
        hidden, directions = p["hidden_size"], 2 if p["bidirectional"] else 1
        total = 0
        for layer in range(p["num_layers"]):
            size_in = features if layer == 0 else hidden * directions
            total += gates * hidden * (size_in + hidden) * directions
        return steps * total

    return count


def _rnn_input_size(inputs: dict, p: dict):
    return p["input_size"] if p["input_size"] is not None else inputs["x"][0][1]


def _rnn_build(type_name: str):
    before = ("num_layers", "nonlinearity", "bias") if type_name == "RNN" else ("num_layers", "bias")

    def build(inputs: dict, p: dict) -> str:
        size_in = _rnn_input_size(inputs, p)
        head = f"{render(size_in)}, {render(p['hidden_size'])}{kwargs(p, TORCH_RNN_DEFAULTS, before)}"
        return f"nn.{type_name}({head}, batch_first=True{kwargs(p, TORCH_RNN_DEFAULTS, ('dropout', 'bidirectional'))})"

    return build


def _rnn_forward(lstm: bool):
    def forward(ctx: ForwardContext) -> list[str]:
        stem = ctx.module.removeprefix("self.")
        call = ctx.inputs["x"][0]
        lines = []
        for state in ctx.inputs.get("initial_state", []):
            h0 = f"{stem}_h0"
            layers = ctx.params["num_layers"]
            if layers == 1:
                lines.append(f"{h0} = {state}.unsqueeze(0).contiguous()")
            else:
                count = f"{ctx.module}.num_layers" if isinstance(layers, Ref) else render(layers)
                lines.append(f"{h0} = {state}.unsqueeze(0).expand({count}, -1, -1).contiguous()")
            call += f", ({h0}, torch.zeros_like({h0}))" if lstm else f", {h0}"
        sequence, state = ctx.outputs["sequence"], ctx.outputs["state"]
        if state == "_":
            lines.append(f"{sequence}, _ = {ctx.module}({call})")
            return lines
        h_n = f"{stem}_h"
        target = f"({h_n}, _)" if lstm else h_n
        lines.append(f"{sequence}, {target} = {ctx.module}({call})")
        bidirectional = ctx.params["bidirectional"]
        if isinstance(bidirectional, Ref):
            both = f"{h_n}[-2:] if {ctx.module}.bidirectional else {h_n}[-1:]"
            lines.append(f"{state} = torch.cat(tuple({both}), dim=1)")
        elif bidirectional:
            lines.append(f"{state} = torch.cat(({h_n}[-2], {h_n}[-1]), dim=1)")
        else:
            lines.append(f"{state} = {h_n}[-1]")
        return lines

    return forward


_RNN_DOCS = {
    "RNN": "The plain recurrent network: it reads a (T, F) sequence one step at a time and keeps a hidden state "
    "that mixes the new input with the previous state. Simple and fast, but it forgets quickly and its "
    "gradients vanish over long sequences; prefer LSTM or GRU beyond a few dozen steps.",
    "LSTM": "Long short-term memory: a recurrent layer with a separate cell memory and three gates that decide what "
    "to forget, what to store and what to output at each step. It keeps information over long (T, F) sequences "
    "and is the classic choice for forecasting and text.",
    "GRU": "Gated recurrent unit: a lighter LSTM with two gates (update and reset) and no separate cell memory. "
    "It often learns as well as an LSTM on (T, F) sequences with fewer parameters and less time.",
}

for _name, _gates in GATES.items():
    register(
        LayerSpec(
            type=_name,
            category="Recurrent",
            doc=_RNN_DOCS[_name]
            + " Outputs: sequence (every step) and state (the final hidden state); initial_state (optional) "
            "sets the starting hidden state.",
            params=_rnn_params(_name),
            inputs=(
                Port("x", "the (T, F) input sequence"),
                Port("initial_state", "optional starting hidden state (H)", min_count=0),
            ),
            outputs=("sequence", "state"),
            infer=_rnn_infer,
            count_params=_rnn_count(_gates),
            count_macs=_rnn_macs(_gates),
            auto=lambda inputs, p: {"input_size": _rnn_input_size(inputs, p)},
            build=_rnn_build(_name),
            forward=_rnn_forward(_name == "LSTM"),
            face=("hidden_size", "num_layers"),
            icon="recurrent",
        )
    )


def _embedding_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    if len(shape) != 1:
        raise ShapeError(f"needs a (T) sequence of token ids but gets {format_shape(shape)}", "x")
    return (shape[0], p["embedding_dim"])


register(
    LayerSpec(
        type="Embedding",
        category="Recurrent",
        doc="A learned lookup table that turns each token id (a whole number from 0 to num_embeddings - 1) into a "
        "vector of embedding_dim values, so a (T) sequence of ids becomes a (T, E) sequence a recurrent layer "
        "can read. Feed it from an Input with dtype int64; similar tokens end up with similar vectors.",
        params=(
            Param(
                "num_embeddings",
                "int",
                1000,
                "Vocabulary size: ids run from 0 to this minus 1.",
                minimum=1,
                maximum=MAX_DIM,
            ),
            Param("embedding_dim", "int", 32, "Length of each token's vector.", minimum=1, maximum=MAX_DIM),
        ),
        infer=_embedding_infer,
        count_params=lambda inputs, p: p["num_embeddings"] * p["embedding_dim"],
        build=lambda inputs, p: f"nn.Embedding({render(p['num_embeddings'])}, {render(p['embedding_dim'])})",
        face=("num_embeddings", "embedding_dim"),
        icon="embedding",
    )
)


def _last_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (2,), "(T, F)")
    return (shape[1],)


register(
    LayerSpec(
        type="LastTimestep",
        category="Recurrent",
        doc="Keeps only the last step of a (T, F) sequence, giving (F). Put it after a recurrent layer's sequence "
        "output when one prediction per sequence is wanted, such as the next value of a time series.",
        infer=_last_infer,
        output_is_view=True,
        build=None,
        forward=lambda ctx: [f"{ctx.out} = {ctx.x}[:, -1]"],
        icon="recurrent",
    )
)


def _repeat_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (1,), "(F)")
    return (p["times"], shape[0])


register(
    LayerSpec(
        type="RepeatVector",
        category="Recurrent",
        doc="Repeats a (F) vector times times, giving a (times, F) sequence. A sequence-to-sequence model uses it "
        "to hand the encoder's summary to the decoder at every output step.",
        params=(Param("times", "int", 10, "Length of the sequence to make.", minimum=1, maximum=MAX_DIM),),
        infer=_repeat_infer,
        build=None,
        forward=lambda ctx: [f"{ctx.out} = {ctx.x}.unsqueeze(1).repeat(1, {render(ctx.params['times'])}, 1)"],
        face=("times",),
        icon="recurrent",
    )
)
