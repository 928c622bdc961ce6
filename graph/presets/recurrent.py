"""Recurrent presets: RNN, LSTM and GRU forecasters on sine waves, and a seq2seq model.

The forecasters read a window of a sine wave, one value per step, and predict the
next value: Input (T, 1) -> recurrent layer -> last time step -> Linear(1). The
seq2seq model learns to reverse a sequence of tokens: an Embedding and a GRU
encoder summarise it, the summary is repeated once per output step and a GRU
decoder that starts from the encoder's final state writes one token per step.
"""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.params import Param
from graph.presets.base import Preset, finish, new_project, sequential, training
from graph.project import Project

MAX_STEPS = 10_000
MAX_HIDDEN = 65_536


def _steps(default: int, doc: str) -> Param:
    return Param("seq_len", "int", default, doc, minimum=1, maximum=MAX_STEPS)


def _hidden(default: int) -> Param:
    return Param("hidden_size", "int", default, "Size of the hidden state.", minimum=1, maximum=MAX_HIDDEN)


NUM_LAYERS = Param("num_layers", "int", 1, "Recurrent layers stacked on each other.", minimum=1, maximum=16)

FORECAST_OPTIONS = (
    _steps(32, "Time steps the network reads before it forecasts the next value."),
    _hidden(32),
    NUM_LAYERS,
    Param("bidirectional", "bool", False, "Also read the window backwards and join both directions."),
)

SEQ2SEQ_OPTIONS = (
    # The reverse data set has 2,000 sequences: at 5 tokens the model generalises (~90% of
    # tokens right on held-out data); longer sequences are mostly memorised.
    _steps(5, "Tokens per sequence (in and out)."),
    Param("vocab_size", "int", 10, "Number of different tokens.", minimum=2, maximum=1 << 20),
    Param("embedding_dim", "int", 16, "Size of the vector that stands for each token.", minimum=1, maximum=MAX_HIDDEN),
    _hidden(64),
    NUM_LAYERS,
)

CELLS = {
    "rnn": ("RNN", "Elman RNN", "The plain recurrent cell: one tanh layer fed its own previous output."),
    "lstm": (
        "LSTM",
        "LSTM",
        "Long short-term memory: gates decide what to keep, forget and output, so information survives many steps.",
    ),
    "gru": (
        "GRU",
        "GRU",
        "Gated recurrent unit: an LSTM with two gates and no separate cell state; fewer parameters, often as good.",
    ),
}


def _forecaster(name: str):
    layer, title, summary = CELLS[name]

    def build(options: dict[str, Any]) -> Project:
        project = new_project(
            title,
            f"{summary} Reads {options['seq_len']} steps of a sine wave and forecasts the next value.",
            name,
            training(
                dataset="sine", task="regression", loss="mse", optimizer="adam", lr=5e-3, batch_size="32", epochs=20
            ),
        )
        net = project.add_network(Network(name))
        series = net.add("Input", name="series", shape=(options["seq_len"], 1))
        last = sequential(
            net,
            series,
            (
                layer,
                name,
                {
                    "hidden_size": options["hidden_size"],
                    "num_layers": options["num_layers"],
                    "bidirectional": options["bidirectional"],
                },
            ),
            ("LastTimestep", "last_step", {}),
            ("Linear", "fc", {"out_features": 1}),
        )
        net.wire(last, net.add("Output", name="forecast"))
        return finish(project)

    return Preset(
        name=name,
        title=title,
        description=f"{summary} Forecasts the next value of a sine wave.",
        category="Recurrent",
        options=FORECAST_OPTIONS,
        build=build,
    )


def build_seq2seq(options: dict[str, Any]) -> Project:
    project = new_project(
        "Seq2Seq",
        "An encoder-decoder: a GRU reads the token sequence into one state, a second GRU starting "
        "from that state writes the sequence back reversed, one token per step.",
        "seq2seq",
        training(
            dataset="reverse",
            task="sequence",
            loss="cross_entropy",
            optimizer="adam",
            lr=5e-3,
            batch_size="64",
            epochs=30,
        ),
    )
    net = project.add_network(Network("seq2seq"))
    steps, hidden, layers = options["seq_len"], options["hidden_size"], options["num_layers"]
    tokens = net.add("Input", name="tokens", shape=(steps,), dtype="int64")
    embedding = net.add(
        "Embedding", name="embedding", num_embeddings=options["vocab_size"], embedding_dim=options["embedding_dim"]
    )
    encoder = net.add("GRU", name="encoder", hidden_size=hidden, num_layers=layers)
    repeat = net.add("RepeatVector", name="repeat", times=steps)
    decoder = net.add("GRU", name="decoder", hidden_size=hidden, num_layers=layers)
    classifier = net.add("Linear", name="classifier", out_features=options["vocab_size"])
    net.chain(tokens, embedding, encoder)
    net.wire(encoder, repeat, src_port="state")
    net.wire(repeat, decoder, dst_port="x")
    net.wire(encoder, decoder, src_port="state", dst_port="initial_state")
    net.wire(decoder, classifier, src_port="sequence")
    net.wire(classifier, net.add("Output", name="logits"))
    return finish(project)


PRESETS = (
    _forecaster("rnn"),
    _forecaster("lstm"),
    _forecaster("gru"),
    Preset(
        name="seq2seq",
        title="Seq2Seq",
        description="An encoder-decoder pair of GRUs that learns to reverse a sequence of tokens.",
        category="Recurrent",
        options=SEQ2SEQ_OPTIONS,
        build=build_seq2seq,
    ),
)
